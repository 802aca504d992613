"""In Debian's Chromium: Tiến độ with more late tasks than a page shows downloads the whole list."""

import io
from datetime import date, timedelta

import pandas as pd
import pytest

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from lib.plans import plans
from tests.browser import login, wait_ready

pytestmark = pytest.mark.browser
LATE = plans.LIST_MAX + 25  # more late tasks than the page lists


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The real app on the demo database plus a plan whose every task is late."""
    from tests.browser import running_app

    path = tmp_path_factory.mktemp("progress") / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    first = date.today() - timedelta(days=LATE + 10)
    tasks = [plans.TaskIn(period_label="", content=f"Việc trễ số {i + 1}",
                          due_date=first + timedelta(days=i)) for i in range(LATE)]  # fmt: skip
    plans.create_plan(con, plans.PlanIn("99/KH-TRE", "Kế hoạch trễ hạn", year=2024), tasks, "t")
    con.close()
    with running_app(path) as url:
        yield url


def test_a_long_late_list_shows_its_first_rows_and_downloads_whole(page, base):
    login(page, base, "giaovien", DEMO_PASSWORD)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Tiến độ").click()
    page.get_by_role("heading", name="Tiến độ").first.wait_for(timeout=30_000)
    wait_ready(page)
    late = LATE + 2  # the demo plan has two late tasks
    shown = f"Đang hiện {plans.LIST_MAX} trong {late} việc quá hạn (hạn sớm nhất trước)"
    page.get_by_text(shown).wait_for(timeout=30_000)
    with page.expect_download(timeout=60_000) as csv:
        page.get_by_role("button", name=f"Tải đủ {late} việc quá hạn (CSV)").click()
    assert csv.value.suggested_filename.startswith("viec-qua-han-")
    data = csv.value.path().read_bytes()
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == late and set(table["Trạng thái"]) == {"Quá hạn"}
    # Earliest due first: the demo's two (2024), then the new plan's, in date order.
    assert list(table["Kế hoạch"]) == ["13/KH-MNAS"] * 2 + ["99/KH-TRE"] * LATE
    assert list(table["Nội dung công việc"])[2:4] == ["Việc trễ số 1", "Việc trễ số 2"]
