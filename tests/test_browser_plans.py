"""In Debian's Chromium: an admin marks a task done and progress changes; staff only read."""

import pytest

from lib.demo import DEMO_PASSWORD
from tests.browser import login, wait_ready

pytestmark = pytest.mark.browser


def open_menu(page, title, heading=None):
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=heading or title).first.wait_for(timeout=30_000)
    wait_ready(page)


def metric(page, label):
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def month_chart(page):
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("canvas, svg").first.wait_for(timeout=30_000)
    page.wait_for_timeout(800)  # let Vega finish drawing
    return chart.screenshot()


def choose(page, label, option):
    """Pick in a select box the way a person does with many options: type, then Enter."""
    box = page.get_by_label(label).first
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.wait_for(timeout=10_000)
    box.press("Enter")


def test_admin_marks_a_task_done_and_the_chart_and_numbers_change(page, base):
    login(page, base, "chutich", DEMO_PASSWORD)
    open_menu(page, "Tiến độ")
    assert metric(page, "Hoàn thành") == "8/10"
    before = month_chart(page)

    open_menu(page, "Kế hoạch")
    choose(page, "Việc cần sửa", "Lễ kỷ niệm Ngày nhà giáo")
    wait_ready(page)
    choose(page, "Trạng thái", "Hoàn thành")
    page.get_by_role("button", name="Lưu thay đổi").click()
    page.get_by_text("Đã lưu việc số 10.").wait_for(timeout=30_000)

    open_menu(page, "Tiến độ")
    assert metric(page, "Hoàn thành") == "9/10"
    assert metric(page, "Quá hạn") == "1"
    assert month_chart(page) != before


def test_staff_reads_plans_and_progress_but_cannot_edit(page, base):
    login(page, base, "giaovien", DEMO_PASSWORD)
    open_menu(page, "Kế hoạch")
    page.get_by_text("Biểu tiến độ thực hiện").wait_for(timeout=30_000)
    assert page.get_by_text("Bạn có quyền xem").is_visible()
    for label in ("Lưu thay đổi", "Thêm công việc", "Xóa việc này", "Sao chép"):
        assert page.get_by_role("button", name=label).count() == 0
    assert page.locator('[data-testid="stTextInput"], [data-testid="stDateInput"]').count() == 0
    open_menu(page, "Trình chiếu", "Tiến độ kế hoạch 13/KH-MNAS")
    assert page.locator('[data-testid="stMetric"]').count() == 4
    assert page.get_by_role("button", name="Lưu thay đổi").count() == 0


def test_meeting_view_exports_charts_as_png_and_tasks_as_excel(page, base, tmp_path):
    import io

    from openpyxl import load_workbook

    login(page, base, "giamkhao1", DEMO_PASSWORD)
    open_menu(page, "Trình chiếu", "Tiến độ kế hoạch 13/KH-MNAS")
    with page.expect_download(timeout=60_000) as png:
        page.get_by_role("button", name="Tải biểu đồ (PNG)").click()
    assert png.value.suggested_filename.startswith("bieu-do-13-KH-MNAS")
    assert (png.value.path().read_bytes())[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download(timeout=60_000) as xlsx:
        page.get_by_role("button", name="Tải bảng công việc (Excel)").click()
    ws = load_workbook(io.BytesIO(xlsx.value.path().read_bytes())).active
    assert ws["F1"].value == "Nội dung công việc" and ws.max_row == 11
