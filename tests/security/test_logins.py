"""Attacks on logins (issue 15): each test names the hole it keeps shut."""

from __future__ import annotations

import unicodedata
import zipfile

import jwt
import pytest

from lib.access import sessions, users
from lib.core import audit, db
from lib.demo import DEMO_PASSWORD
from lib.io import backup
from lib.ui import auth
from tests.apptest import app, open_page, texts

ADMIN_PAGE = "pages/nguoi-dung.py"


def fresh(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


def side(tmp_path):
    """Another connection to the app's database (the same DuckDB instance in this process)."""
    return db.connect(tmp_path / "app.duckdb")


def login_form_shown(at) -> bool:
    return any(b.label == "Đăng nhập" for b in at.button) and any(
        t.label == "Mật khẩu" for t in at.text_input
    )


def type_login(at, username: str, password: str):
    next(t for t in at.text_input if t.label == "Tên đăng nhập").input(username)
    next(t for t in at.text_input if t.label == "Mật khẩu").input(password)
    next(b for b in at.button if b.label == "Đăng nhập").click()
    return at.run()


def log_in_for_a_cookie(tmp_path, monkeypatch, username="chutich", password=DEMO_PASSWORD):
    """Log in through the form; return the session and the cookie the browser is given."""
    at = fresh(tmp_path, monkeypatch).run()
    type_login(at, username, password)
    assert not login_form_shown(at), texts(at)
    return at, at.session_state[auth.PENDING_COOKIE]


def visit_with(tmp_path, monkeypatch, browser_request, cookie: str | None, page=ADMIN_PAGE):
    """A new browser session that sends the cookie, asking for page."""
    browser_request.cookies = {} if cookie is None else {auth.COOKIE: cookie}
    at = fresh(tmp_path, monkeypatch).run()
    if any(b.label == "Đăng xuất" for b in at.sidebar.button):
        open_page(at, page)
    return at


def sees_admin_page(at) -> bool:
    return not login_form_shown(at) and any(t.value == "Người dùng" for t in at.title)


def test_the_cookie_opens_a_new_session_while_the_login_lives(
    tmp_path, monkeypatch, browser_request
):
    _, cookie = log_in_for_a_cookie(tmp_path, monkeypatch)
    assert sees_admin_page(visit_with(tmp_path, monkeypatch, browser_request, cookie))


def test_a_cookie_copied_before_logout_is_refused_after_it(tmp_path, monkeypatch, browser_request):
    at, cookie = log_in_for_a_cookie(tmp_path, monkeypatch)
    next(b for b in at.sidebar.button if b.label == "Đăng xuất").click().run()
    assert "Đã đăng xuất." in texts(at)
    thief = visit_with(tmp_path, monkeypatch, browser_request, cookie)
    assert login_form_shown(thief) and not sees_admin_page(thief)


def test_a_cookie_from_before_a_password_change_is_refused_after_it(
    tmp_path, monkeypatch, browser_request
):
    at, cookie = log_in_for_a_cookie(tmp_path, monkeypatch)
    # The owner changes the password on another computer (a new login there).
    owner, _ = log_in_for_a_cookie(tmp_path, monkeypatch)
    open_page(owner, "pages/tai-khoan.py")
    for label, value in (("Mật khẩu hiện tại", DEMO_PASSWORD), ("Mật khẩu mới", "mat-khau-moi-9"),
                         ("Nhập lại mật khẩu mới", "mat-khau-moi-9")):  # fmt: skip
        next(t for t in owner.text_input if t.label == label).input(value)
    next(b for b in owner.button if b.label == "Đổi mật khẩu").click().run()
    assert "Đã đổi mật khẩu." in texts(owner)
    assert sees_admin_page(open_page(owner, ADMIN_PAGE))  # the owner's own login stays
    assert login_form_shown(visit_with(tmp_path, monkeypatch, browser_request, cookie))
    assert login_form_shown(at.run())  # the old session, already open, is ended too


def test_log_out_everywhere_ends_a_stolen_login(tmp_path, monkeypatch, browser_request):
    _, stolen = log_in_for_a_cookie(tmp_path, monkeypatch)
    owner, _ = log_in_for_a_cookie(tmp_path, monkeypatch)
    open_page(owner, "pages/tai-khoan.py")
    next(b for b in owner.button if b.label == "Đăng xuất mọi nơi").click().run()
    assert login_form_shown(owner)
    assert login_form_shown(visit_with(tmp_path, monkeypatch, browser_request, stolen))


def test_a_backup_holds_no_key_and_no_session_id_and_forged_cookies_are_refused(
    tmp_path, monkeypatch, browser_request
):
    _, cookie = log_in_for_a_cookie(tmp_path, monkeypatch)
    key = sessions.signing_key(tmp_path / "app.duckdb")
    session_id = jwt.decode(cookie, key, algorithms=["HS256"])["sid"]
    con = side(tmp_path)
    backup.backup(con, tmp_path / "sao-luu.zip")
    con.close()
    with zipfile.ZipFile(tmp_path / "sao-luu.zip") as zf:
        blob = b"".join(zf.read(name) for name in zf.namelist())
    assert key.encode() not in blob and session_id.encode() not in blob
    assert b"cookie_key" not in blob
    # What the old app accepted: a username and a client-chosen expiry, signed. Even with the
    # live key (which no backup holds) it opens nothing, nor does an id the server never issued.
    forged = [
        jwt.encode({"username": "chutich", "exp_date": 4102444800.0}, key, algorithm="HS256"),
        sessions.encode("an-id-the-server-never-issued-000000000", key),
        sessions.encode(session_id, "a-key-from-somewhere-else-" + "0" * 32),
    ]
    for token in forged:
        assert login_form_shown(visit_with(tmp_path, monkeypatch, browser_request, token))


def test_a_disabled_accounts_cookie_is_refused(tmp_path, monkeypatch, browser_request):
    _, cookie = log_in_for_a_cookie(tmp_path, monkeypatch, "giamkhao1")
    con = side(tmp_path)
    users.set_active(con, "giamkhao1", False, "chutich")
    users.set_active(con, "giamkhao1", True, "chutich")
    con.close()
    visit = visit_with(tmp_path, monkeypatch, browser_request, cookie, "pages/tong-quan.py")
    assert login_form_shown(visit)


def test_a_rotated_key_ends_every_login(tmp_path, monkeypatch, browser_request):
    at, cookie = log_in_for_a_cookie(tmp_path, monkeypatch)
    sessions.rotate_key(tmp_path / "app.duckdb")  # what `key rotate` writes
    assert login_form_shown(visit_with(tmp_path, monkeypatch, browser_request, cookie))


@pytest.mark.parametrize(
    "cookie",
    [
        jwt.encode({"username": "chutich", "exp_date": 4102444800.0}, None, algorithm="none"),
        jwt.encode({"username": "chutich", "exp_date": 4102444800.0}, "k" * 64, algorithm="HS512"),
        "garbage",
        "eyJhbGciOiJIUzI1NiJ9.%%%.???",
        "x" * 4000,
        "",
    ],
    ids=["alg-none", "hs512", "garbage", "broken-base64", "huge", "empty"],
)
def test_a_malformed_cookie_shows_the_login_form_not_an_error(
    tmp_path, monkeypatch, browser_request, cookie
):
    at = visit_with(tmp_path, monkeypatch, browser_request, cookie)
    assert not at.exception
    assert login_form_shown(at)
    type_login(at, "chutich", DEMO_PASSWORD)  # and the right password still logs in
    assert not at.exception and not login_form_shown(at)


def test_twenty_wrong_passwords_slow_the_account_and_are_logged(
    tmp_path, monkeypatch, browser_request
):
    at = fresh(tmp_path, monkeypatch).run()
    for _ in range(20):
        type_login(at, "chutich", "doan-mo-mat-khau")
    assert "Đăng nhập sai nhiều lần, thử lại sau" in texts(at)
    type_login(at, "chutich", DEMO_PASSWORD)  # even the right one waits now
    assert login_form_shown(at) and "Đăng nhập sai nhiều lần, thử lại sau" in texts(at)
    con = side(tmp_path)
    log = audit.latest(con, "user")
    con.close()
    failed = log[log["action"] == "login_failed"]
    assert len(failed) == sessions.ACCOUNT_TRIES and set(failed["entity_id"]) == {"chutich"}
    assert "198.51.100.7" in failed.iloc[0]["after"]


def test_another_client_guessing_other_names_from_one_address_is_slowed(
    tmp_path, monkeypatch, browser_request
):
    at = fresh(tmp_path, monkeypatch).run()
    for i in range(sessions.CLIENT_TRIES):
        type_login(at, f"ten-doan-{i}", "doan-mo-mat-khau")
    type_login(at, "giaovien", DEMO_PASSWORD)
    assert "Đăng nhập sai nhiều lần" in texts(at)
    browser_request.remote_ip = "198.51.100.8"
    other = fresh(tmp_path, monkeypatch).run()
    type_login(other, "giaovien", DEMO_PASSWORD)
    assert not login_form_shown(other)


def test_an_unknown_name_costs_a_password_check_like_a_known_one(con, monkeypatch):
    checks = []
    real = users._checkpw
    monkeypatch.setattr(users, "_checkpw", lambda p, h: checks.append(h) or real(p, h))
    for name in ("khong-co-ai", "hieutruong"):
        with pytest.raises(users.Invalid):
            users.authenticate(con, name, "sai-mat-khau", "c")
    assert len(checks) == 2 and checks[0] == users._DUMMY_HASH


def test_the_nfd_form_of_the_right_password_logs_in(tmp_path, monkeypatch, browser_request):
    at = fresh(tmp_path, monkeypatch).run()
    con = side(tmp_path)
    users.set_password(con, "giaovien", "Mật-khẩu-Đúng", "cli")
    con.close()
    type_login(at, "giaovien", unicodedata.normalize("NFD", "Mật-khẩu-Đúng"))
    assert not login_form_shown(at), texts(at)


def test_a_page_on_another_port_gets_no_login(tmp_path, monkeypatch, browser_request):
    _, cookie = log_in_for_a_cookie(tmp_path, monkeypatch)
    browser_request.headers = [("Host", "127.0.0.1:8501"), ("Origin", "http://127.0.0.1:9251")]
    at = visit_with(tmp_path, monkeypatch, browser_request, cookie)
    assert "Không mở được ứng dụng" in texts(at)
    assert not sees_admin_page(at) and not login_form_shown(at)
    browser_request.headers = [("Host", "127.0.0.1:8501"), ("Origin", "http://127.0.0.1:8501")]
    assert sees_admin_page(visit_with(tmp_path, monkeypatch, browser_request, cookie))


def test_a_configured_key_shorter_than_32_bytes_is_refused_with_a_message(
    tmp_path, monkeypatch, browser_request
):
    monkeypatch.setenv("THIDUA_COOKIE_KEY", "ngan-qua")
    at = fresh(tmp_path, monkeypatch).run()
    assert not at.exception
    assert "quá ngắn: 8 byte, cần ít nhất 32" in texts(at)
    assert not login_form_shown(at)


def test_an_admin_logs_a_stolen_account_out_everywhere(tmp_path, monkeypatch, browser_request):
    _, stolen = log_in_for_a_cookie(tmp_path, monkeypatch, "giamkhao1")
    admin, _ = log_in_for_a_cookie(tmp_path, monkeypatch)
    open_page(admin, ADMIN_PAGE)
    admin.selectbox(key="sua_tk").set_value("giamkhao1").run()
    assert "**Đăng nhập đang mở:** 1" in texts(admin)
    next(b for b in admin.button if b.label == "Đăng xuất mọi nơi").click().run()
    assert "Đã đăng xuất giamkhao1 ở 1 nơi." in texts(admin)
    assert sees_admin_page(admin)  # the admin's own login stays
    visit = visit_with(tmp_path, monkeypatch, browser_request, stolen, "pages/tong-quan.py")
    assert login_form_shown(visit)
