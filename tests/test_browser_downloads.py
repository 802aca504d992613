"""Two download buttons clicked within a tenth of a second both deliver their file.

Streamlit gives each deferred download a new id on every run and drops the old ones when the
run ends; a click that reruns the page killed the id the other button still held
("MediaFileStorageError: Deferred file … not found"). lib.ui.download_button never reruns."""

import pytest

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from tests.browser import WAIT, chromium, login, running_app, wait_ready

pytestmark = pytest.mark.browser


def test_two_quick_clicks_start_two_downloads(tmp_path):
    path = tmp_path / "downloads.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    con.close()
    with running_app(path) as base, chromium() as browser:
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        login(page, base, "chutich", DEMO_PASSWORD)
        page.goto(f"{base}/trinh-chieu")
        page.get_by_label("Tên đăng nhập").wait_for(state="detached", timeout=WAIT)
        wait_ready(page)
        page.wait_for_timeout(1000)
        wait_ready(page)
        names: list[str] = []
        page.on("download", lambda d: names.append(d.suggested_filename))
        page.get_by_role("button", name="Tải bảng công việc (Excel)").click()
        page.wait_for_timeout(100)
        page.get_by_role("button", name="Tải biểu đồ (PNG)").click()
        page.wait_for_timeout(100)
        page.get_by_role("button", name="Tải bảng công việc (Excel)").click()
        deadline = 0
        while len(names) < 3 and deadline < 120:
            page.wait_for_timeout(500)
            deadline += 1
        context.close()
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["png", "xlsx", "xlsx"], names
