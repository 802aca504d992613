"""The "Nhập dữ liệu" page via the real app.py (AppTest): admin only; kinds, plans, templates."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import ROOT, app, login, open_page, texts

PAGE = "pages/nhap-du-lieu.py"


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


def buttons(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_admin_sees_kinds_template_uploader_and_exports(at):
    login(at, "chutich")
    open_page(at, PAGE)
    assert not at.exception
    assert at.title[0].value == "Nhập dữ liệu"
    kinds = at.selectbox(key="nhap_loai")
    assert kinds.options == [
        "Danh sách cán bộ, giáo viên", "Công việc của một kế hoạch", "Kế hoạch (tệp Word)",
        "Danh sách SKKN của một đợt chấm", "Điểm chấm (phiếu giấy đã nhập)",
        "Mẫu phiếu chấm (tệp YAML)", "Đánh giá cuối năm (bình xét thi đua)", "Đăng ký thi đua",
    ]  # fmt: skip
    assert "Tải mẫu Excel" in buttons(at)
    assert "Tệp tối đa 10 MB" in texts(at)
    uploader = at.get("file_uploader")[0].proto
    assert uploader.label == "Chọn tệp để nhập (.xlsx, .csv, .txt)"
    assert uploader.max_upload_size_mb == 10
    assert buttons(at).count("Excel (.xlsx)") == 4 and buttons(at).count("CSV") == 4
    assert "Tải tệp sao lưu" in buttons(at)


def test_tasks_go_into_a_chosen_plan_and_word_plans_have_no_template(at):
    login(at, "chutich")
    open_page(at, PAGE)
    at.selectbox(key="nhap_loai").set_value("tasks").run()
    plan = at.selectbox(key="nhap_plan")
    assert plan.value == "13/KH-MNAS"
    assert plan.options[0].startswith("13/KH-MNAS – Kế hoạch công tác thi đua")
    assert "Tải mẫu Excel" in buttons(at)
    at.selectbox(key="nhap_loai").set_value("plan").run()
    assert not at.exception
    assert "Tải mẫu Excel" not in buttons(at)
    assert "Chọn tệp để nhập (.docx)" in [u.proto.label for u in at.get("file_uploader")]


def test_round_kinds_go_into_a_chosen_round(at):
    login(at, "chutich")
    open_page(at, PAGE)
    at.selectbox(key="nhap_loai").set_value("scores").run()
    assert not at.exception
    chosen = at.selectbox(key="nhap_round")
    assert chosen.value == "1"
    assert chosen.options == ["Chấm SKKN năm học 2023-2024 (dữ liệu mẫu) (2023-2024) – Chuẩn bị"]
    assert "Tải mẫu Excel" in buttons(at)
    at.selectbox(key="nhap_loai").set_value("rubric").run()
    assert not at.exception
    assert "Tải mẫu Excel" not in buttons(at)
    assert "Chọn tệp để nhập (.yaml, .yml)" in [u.proto.label for u in at.get("file_uploader")]


@pytest.mark.parametrize("username", ["giamkhao1", "giaovien"])
def test_others_do_not_get_the_page(at, tmp_path, monkeypatch, username):
    login(at, username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    page = AppTest.from_file(str(ROOT / PAGE))
    login(page, username)
    assert "Bạn không có quyền mở trang này." in texts(page)
    assert not page.get("file_uploader")
