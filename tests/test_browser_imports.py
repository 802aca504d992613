"""End to end in Chromium: upload a list on "Nhập dữ liệu", see problems, fix, confirm, see it."""

import pytest

from lib.demo import DEMO_PASSWORD
from tests.browser import login, wait_ready
from tests.test_imports import PEOPLE_HEADER, csv_bytes

pytestmark = pytest.mark.browser

CSV = "text/csv"


def upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": CSV, "buffer": data}]
    )
    page.wait_for_timeout(500)
    wait_ready(page)


def grid_text(page, expected: str) -> str:
    """The text of the page's data grids (their accessible tables), once `expected` shows."""
    page.wait_for_function(
        """(text) => [...document.querySelectorAll('[data-testid="stDataFrame"] table')]
                     .some((t) => t.textContent.includes(text))""",
        arg=expected,
        timeout=60_000,
    )
    return "\n".join(page.locator('[data-testid="stDataFrame"] table').all_text_contents())


def test_upload_preview_problems_then_confirm_and_see_the_people(page, base):
    login(page, base, "chutich", DEMO_PASSWORD)
    page.goto(f"{base}/nhap-du-lieu")
    page.get_by_role("heading", name="Nhập dữ liệu").wait_for(timeout=60_000)
    wait_ready(page)

    rows = [
        PEOPLE_HEADER,
        ["Trần Thị Bình", "Thư ký HĐ", "Tổ Văn phòng", "", "", "thuky", "quản lý"],
        ["Lý Văn Cường", "Bảo vệ", "Tổ Văn phòng", "", "", "", ""],
    ]
    upload(page, "danh-sach.csv", csv_bytes(rows))
    page.get_by_text("Tệp có 1 lỗi, chưa ghi gì vào dữ liệu.").wait_for(timeout=60_000)
    assert page.get_by_text("Dòng 2, cột “Vai trò”: Vai trò “quản lý” không có.").count() == 1
    assert page.get_by_role("heading", name="Xem trước").is_visible()
    preview = grid_text(page, "Lý Văn Cường")
    assert "Vai trò: Vai trò “quản lý” không có" in preview
    assert page.get_by_role("button", name="Nhập dữ liệu", exact=True).count() == 0

    rows[1][6] = "admin"
    upload(page, "danh-sach-da-sua.csv", csv_bytes(rows))
    page.get_by_text("Sẽ thêm 2, cập nhật 0, giữ nguyên 0 dòng.").wait_for(timeout=60_000)
    page.get_by_role("button", name="Nhập dữ liệu", exact=True).click()
    page.get_by_text("Đã nhập danh-sach-da-sua.csv.").wait_for(timeout=60_000)
    wait_ready(page)
    assert page.get_by_text("thêm 2, cập nhật 0, giữ nguyên 0").count() == 1
    assert page.get_by_text("Dữ liệu hiện có sau khi nhập:").is_visible()
    assert "Trần Thị Bình" in grid_text(page, "Lý Văn Cường")

    page.get_by_text("Xuất dữ liệu ra tệp").click()
    csv_button = page.get_by_role("button", name="CSV", exact=True).first
    csv_button.wait_for(timeout=60_000)
    wait_ready(page)
    with page.expect_download(timeout=60_000) as download:
        csv_button.click()
    exported = download.value.path().read_bytes()
    assert exported.startswith(
        b"\xef\xbb\xbfH\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan"
    )  # BOM + "Họ và tên"
    assert "Trần Thị Bình,Thư ký HĐ,Tổ Văn phòng,,,thuky,admin" in exported.decode("utf-8-sig")

    page.goto(f"{base}/nguoi-dung")
    page.get_by_role("heading", name="Người dùng").wait_for(timeout=60_000)
    wait_ready(page)
    assert "thukyTrần Thị BìnhThư ký HĐ" in grid_text(page, "thuky")
