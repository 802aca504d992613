"""Every page through the real app.py (AppTest), as each role: what shows and what is refused."""

import pytest
from streamlit.testing.v1 import AppTest

from lib import demo
from tests.apptest import ROOT, app, login, open_page, submit_login, texts

ROLES = {"chutich": "admin", "giamkhao1": "examiner", "giaovien": "staff"}


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


def test_anonymous_visitor_sees_only_the_login_form(at):
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    shown = texts(at)
    assert "Tổng quan" not in shown and "Người dùng" not in shown
    assert "chutich" in shown and demo.DEMO_PASSWORD in shown  # demo database: accounts listed


def test_login_form_logs_in_and_wrong_password_is_refused(at):
    at.run()
    submit_login(at, "chutich", "sai-mat-khau")
    assert "Sai tên đăng nhập hoặc mật khẩu." in texts(at)
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]  # the form again
    submit_login(at, "chutich", demo.DEMO_PASSWORD)
    assert not at.exception
    assert [t.value for t in at.title] == ["Tổng quan"]


def test_hundred_character_vietnamese_password_gets_a_message(at):
    at.run()
    submit_login(at, "chutich", ("Mật khẩu tiếng Việt rất dài " * 4)[:100])
    assert not at.exception
    assert "Sai tên đăng nhập hoặc mật khẩu." in texts(at)


@pytest.mark.parametrize("username", list(ROLES))
def test_overview_renders_for_every_role(at, username):
    login(at, username)
    if username == "giamkhao1":
        # An examiner lands on their own sheets (issue 11); the overview is one tap away.
        assert at.title[0].value == "Phiếu chấm của tôi" and "SKKN" in texts(at)
        open_page(at, "pages/tong-quan.py")
    assert not at.exception
    assert at.title[0].value == "Tổng quan"
    shown = texts(at)
    assert "Hoàn thành" in shown and "Quá hạn" in shown
    assert "13/KH-MNAS" in at.selectbox[0].format_func(at.selectbox[0].value)


def test_users_page_for_admin(at):
    login(at, "chutich")
    open_page(at, "pages/nguoi-dung.py")
    assert not at.exception
    assert at.title[0].value == "Người dùng"
    assert "giamkhao2" in texts(at)


@pytest.mark.parametrize("username", ["giamkhao1", "giaovien"])
def test_users_page_is_not_in_the_navigation_of_others(at, username):
    login(at, username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/nguoi-dung.py")


@pytest.mark.parametrize("username", ["giamkhao1", "giaovien"])
def test_users_page_checks_the_role_itself(tmp_path, monkeypatch, username):
    app(tmp_path / "app.duckdb", monkeypatch).run()  # creates the demo database
    page = AppTest.from_file(str(ROOT / "pages/nguoi-dung.py"))
    login(page, username)
    assert "Bạn không có quyền mở trang này." in texts(page)
    assert "giamkhao2" not in texts(page)


def test_admin_adds_a_user_and_sees_field_errors(at):
    login(at, "chutich")
    open_page(at, "pages/nguoi-dung.py")
    form = {t.label: t for t in at.text_input}
    form["Tên đăng nhập"].input("giamkhao1")
    form["Họ và tên"].input("")
    form["Mật khẩu"].input("123")
    at.button(key="FormSubmitter:them_tai_khoan_0-Thêm tài khoản").click().run()
    shown = texts(at)
    assert "Tên đăng nhập 'giamkhao1' đã có." in shown
    assert "Hãy nhập họ và tên." in shown and "ít nhất 8 ký tự" in shown

    form = {t.label: t for t in at.text_input}
    form["Tên đăng nhập"].input("thuky")
    form["Họ và tên"].input("Trần Thị Bình")
    form["Mật khẩu"].input("mat-khau-thu-ky")
    form["Nhập lại mật khẩu"].input("mat-khau-thu-ky")
    at.multiselect[0].set_value(["admin"])
    at.button(key="FormSubmitter:them_tai_khoan_0-Thêm tài khoản").click().run()
    assert not at.exception
    assert "Đã thêm tài khoản thuky." in texts(at)
    assert "Trần Thị Bình" in texts(at)
    # The form is empty again: no password left in it, nothing to add twice.
    form = {t.label: t.value for t in at.text_input if t.label in form}
    assert set(form.values()) == {""} and at.multiselect[0].value == []


def test_admin_cannot_disable_the_last_admin(at):
    login(at, "chutich")
    open_page(at, "pages/nguoi-dung.py")
    at.selectbox(key="sua_tk").set_value("chutich").run()
    at.button(key="khoa_tk").click().run()
    assert "quản trị viên cuối cùng" in texts(at)


def test_disabled_user_is_logged_out_on_the_next_run(at):
    login(at, "chutich")
    open_page(at, "pages/nguoi-dung.py")
    at.selectbox(key="sua_tk").set_value("giaovien").run()
    at.button(key="khoa_tk").click().run()
    assert "Đã khóa tài khoản giaovien." in texts(at)


def test_locked_database_shows_a_message_not_a_traceback(tmp_path, monkeypatch):
    from tests.conftest import held_by_another_process

    db_file = tmp_path / "locked.duckdb"
    with held_by_another_process(db_file):
        at = app(db_file, monkeypatch).run()
    assert not at.exception
    assert at.title[0].value == "Không mở được cơ sở dữ liệu"
    assert "đang được một tiến trình khác sử dụng" in texts(at)
    assert not at.text_input  # no login form, no page


@pytest.mark.parametrize("username", list(ROLES))
def test_everyone_can_change_their_own_password(at, username, tmp_path, monkeypatch):
    login(at, username)
    open_page(at, "pages/tai-khoan.py")
    assert at.title[0].value == "Tài khoản của tôi"
    fields = {t.label: t for t in at.text_input}
    fields["Mật khẩu hiện tại"].input(demo.DEMO_PASSWORD)
    fields["Mật khẩu mới"].input("mat-khau-rieng")
    fields["Nhập lại mật khẩu mới"].input("mat-khau-rieng")
    at.button(key="FormSubmitter:doi_mat_khau-Đổi mật khẩu").click().run()
    assert "Đã đổi mật khẩu." in texts(at)
    # A new visitor's login page no longer offers this account with the demo password.
    visitor = app(tmp_path / "app.duckdb", monkeypatch).run()
    listed = list(visitor.table[0].value["Tên đăng nhập"]) if visitor.table else []
    assert username not in listed
