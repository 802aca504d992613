"""Who reaches which page, checked fast through the real app.py (AppTest), every page file."""

import pytest

from lib import ui
from lib.access import users
from lib.access.navigation import PAGES
from lib.demo import DEMO_PASSWORD
from lib.ui import auth
from tests.apptest import app, login, open_address, submit_login, texts


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_every_page_file_opened_anonymously_shows_only_the_login_form(at, spec):
    # If app.py ever stopped before st.navigation, Streamlit would run the file itself.
    at.run()
    open_address(at, spec.url_path, spec.path)
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert spec.title not in [t.value for t in at.title]
    assert "Đăng xuất" not in [b.label for b in at.button]


def test_a_disabled_account_is_logged_out_on_its_next_run(at):
    login(at, "giamkhao1")
    assert at.title[0].value == "Phiếu chấm của tôi"  # an examiner lands on their sheets
    # AppTest runs the app in this process: its cached database is the one to change.
    con = ui.connection()
    users.set_active(con, "giamkhao1", False, "chutich")
    at.run()  # must not loop "Đăng nhập thành công" → rerun: the stale login is forgotten
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert "Đăng nhập thành công" not in texts(at)
    at.run()
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]


def test_a_right_password_opens_the_first_page_in_the_clicks_own_run(at):
    at.run()
    submit_login(at, "giamkhao1", DEMO_PASSWORD)  # one run: no login form first, no rerun
    assert [t.value for t in at.title] == ["Phiếu chấm của tôi"]
    # The browser is given its cookie in that same run (a reload right after stays logged in).
    token = at.session_state[auth.PENDING_COOKIE]
    scripts = [e.proto.body for e in at.get("html")]
    assert any(f"{auth.COOKIE}={token};" in body for body in scripts)
    kept = auth.TYPED_PASSWORD in at.session_state and at.session_state[auth.TYPED_PASSWORD]
    assert not kept  # the password is kept nowhere


def test_logout_shows_the_login_form_at_once_and_removes_the_cookie(at):
    login(at, "giaovien")
    at.button(key=auth.LOGOUT_BUTTON).click().run()
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert "Đã đăng xuất." in texts(at)
    scripts = [e.proto.body for e in at.get("html")]
    assert any(f"{auth.COOKIE}=; Path=/; Max-Age=0" in body for body in scripts)
