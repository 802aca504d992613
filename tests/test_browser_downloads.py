"""Downloads in Chromium: two buttons clicked within a tenth of a second both deliver their
file, and a document that cannot be made yet has no file behind its button.

Streamlit gives each deferred download a new id on every run and drops the old ones when the
run ends; a click that reruns the page killed the id the other button still held
("MediaFileStorageError: Deferred file … not found"). lib.ui.download_button never reruns."""

import contextlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from tests.browser import WAIT, chromium, login, running_app, wait_ready

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def chair_on_demo(tmp_path) -> Iterator[tuple[Page, str]]:
    """The chair logged in on the demo data, in a browser that accepts downloads."""
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
        yield page, base
        context.close()


def test_two_quick_clicks_start_two_downloads(tmp_path):
    with chair_on_demo(tmp_path) as (page, base):
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
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["png", "xlsx", "xlsx"], names


def test_a_document_not_ready_is_a_disabled_button_with_no_file_behind_it(tmp_path):
    # The browser fetches a download button's file as soon as it is drawn, even a disabled one:
    # a document that cannot be made yet is a plain disabled button, and nothing is fetched.
    with chair_on_demo(tmp_path) as (page, base):
        page.goto(f"{base}/ket-qua-cham")
        page.get_by_role("tab", name="Văn bản").wait_for(timeout=WAIT)
        wait_ready(page)
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.get_by_role("tab", name="Văn bản").click()
        wait_ready(page)
        page.wait_for_timeout(1000)
        expect(
            page.get_by_role("button", name="Biên bản họp hội đồng chấm SKKN (Word)")
        ).to_be_disabled()
        assert [url for url in asked if "/media/" in url] == []
        with page.expect_download(timeout=WAIT) as download:
            page.get_by_role("button", name="Bảng tổng hợp kết quả chấm SKKN (Excel)").click()
        assert download.value.suggested_filename.endswith(".xlsx")
