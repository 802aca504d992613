"""Server-side logins: the key outside the database, session rows, expiry, ending, throttling."""

import os
import stat
import unicodedata
from datetime import timedelta

import jwt
import pytest

from lib.access import sessions, users
from lib.core import audit, clock, db
from lib.core.errors import Invalid


def make(con, username="hieutruong", roles=("admin",), password="matkhau-123"):
    users.add_user(
        con, users.check_new_user(con, username, "Nguyễn Văn A", list(roles), password), "t"
    )


def test_key_is_generated_once_into_a_private_file_next_to_the_database(tmp_path):
    db_file = tmp_path / "thidua.duckdb"
    first = sessions.signing_key(db_file)
    path = sessions.key_file(db_file)
    assert path == tmp_path / "thidua.duckdb.cookie-key"
    assert path.read_text().strip() == first and len(bytes.fromhex(first)) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sessions.signing_key(db_file) == first


def test_a_configured_key_wins_and_a_short_one_is_refused_with_a_message(tmp_path):
    long_key = "k" * 32
    assert sessions.signing_key(tmp_path / "a.duckdb", long_key) == long_key
    assert not (tmp_path / "a.duckdb.cookie-key").exists()
    with pytest.raises(sessions.KeyProblem, match="quá ngắn: 31 byte, cần ít nhất 32"):
        sessions.signing_key(tmp_path / "a.duckdb", "k" * 31)


def test_rotating_the_key_makes_old_cookies_unreadable(tmp_path):
    db_file = tmp_path / "thidua.duckdb"
    old = sessions.signing_key(db_file)
    token = sessions.encode("x" * 43, old)
    sessions.rotate_key(db_file)
    new = sessions.signing_key(db_file)
    assert new != old
    assert sessions.decode(token, old) == "x" * 43
    assert sessions.decode(token, new) is None
    assert stat.S_IMODE(os.stat(sessions.key_file(db_file)).st_mode) == 0o600


def test_the_migration_removes_a_key_stored_in_settings_by_older_versions(con):
    assert con.execute("SELECT count(*) FROM settings WHERE key = 'cookie_key'").fetchone() == (0,)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "garbage",
        "a.b.c",
        "x" * 5000,
        jwt.encode({"sid": "s" * 43, "exp": 4102444800}, "k" * 32, algorithm="HS512"),
        jwt.encode({"sid": "s" * 43, "exp": 4102444800}, None, algorithm="none"),
        jwt.encode({"sid": "s" * 43}, "k" * 32, algorithm="HS256"),  # no expiry
        jwt.encode({"sid": "s" * 43, "exp": 1}, "k" * 32, algorithm="HS256"),  # expired
        jwt.encode({"sid": 5, "exp": 4102444800}, "k" * 32, algorithm="HS256"),
        jwt.encode({"username": "admin", "exp_date": 4102444800.0}, "k" * 32, algorithm="HS256"),
    ],
)
def test_decode_refuses_anything_but_our_signed_session_id_without_raising(token):
    assert sessions.decode(token, "k" * 32) is None


def test_a_session_names_its_user_until_it_ends(con):
    make(con)
    sid = sessions.start(con, "hieutruong", "10.0.0.5")
    stored = con.execute("SELECT id_hash, client FROM sessions").fetchall()
    assert stored == [(sessions.id_hash(sid), "10.0.0.5")]
    assert sid not in str(stored)
    assert sessions.user_of(con, sessions.id_hash(sid)) == "hieutruong"
    sessions.end(con, sessions.id_hash(sid))
    assert sessions.user_of(con, sessions.id_hash(sid)) is None


def test_the_user_of_a_session_is_read_anew_on_every_call(con):
    # What app.py reads on every script run: a change by an admin counts from the next run.
    make(con, "gv", roles=("staff",))
    sid = sessions.id_hash(sessions.start(con, "gv"))
    user = sessions.session_user(con, sid)
    assert (user.username, user.name, user.roles) == ("gv", "Nguyễn Văn A", {"staff"})
    users.set_roles(con, "gv", ["staff", "examiner"], "t")  # added: no new login needed
    assert sessions.session_user(con, sid).roles == {"staff", "examiner"}
    # An account switched off by any path, even one that left its session row behind.
    con.execute("UPDATE users SET active = false WHERE username = 'gv'")
    assert sessions.session_user(con, sid) is None
    con.execute("UPDATE users SET active = true WHERE username = 'gv'")
    sessions.end(con, sid)
    assert sessions.session_user(con, sid) is None
    assert sessions.session_user(con, None) is None


def test_sessions_expire_when_idle_and_at_their_absolute_end(con):
    make(con)
    now = clock.now()
    sid = sessions.id_hash(sessions.start(con, "hieutruong", now=now))
    assert sessions.user_of(con, sid, now + sessions.IDLE - timedelta(minutes=1)) == "hieutruong"
    # That use moved last_seen on: idle counts from it.
    later = now + sessions.IDLE + timedelta(hours=1)
    assert sessions.user_of(con, sid, later) == "hieutruong"
    assert sessions.user_of(con, sid, later + sessions.IDLE + timedelta(minutes=1)) is None
    used_daily = sessions.id_hash(sessions.start(con, "hieutruong", now=now))
    day = now
    while day < now + sessions.LIFETIME - timedelta(days=1):
        day += timedelta(days=0.4)
        assert sessions.user_of(con, used_daily, day) == "hieutruong"
    assert sessions.user_of(con, used_daily, now + sessions.LIFETIME) is None


def test_disabling_an_account_or_changing_its_password_or_roles_ends_its_logins(con):
    make(con)
    make(con, "gv", roles=("staff",))
    kept = sessions.id_hash(sessions.start(con, "gv"))
    other = sessions.id_hash(sessions.start(con, "gv"))
    users.change_own_password(con, "gv", "matkhau-123", "moi-moi-moi", "moi-moi-moi", kept)
    assert sessions.user_of(con, kept) == "gv" and sessions.user_of(con, other) is None
    users.set_roles(con, "gv", ["staff", "examiner"], "hieutruong")
    assert sessions.user_of(con, kept) == "gv"  # a role added: nothing to end
    users.set_roles(con, "gv", ["staff"], "hieutruong")
    assert sessions.user_of(con, kept) is None
    again = sessions.id_hash(sessions.start(con, "gv"))
    users.set_active(con, "gv", False, "hieutruong")
    assert sessions.user_of(con, again) is None
    users.set_active(con, "gv", True, "hieutruong")
    assert sessions.user_of(con, again) is None  # ended, not suspended
    admin = sessions.id_hash(sessions.start(con, "hieutruong"))
    users.set_password(con, "hieutruong", "mot-mat-khau-khac", "cli")
    assert sessions.user_of(con, admin) is None


def test_log_out_everywhere_ends_only_that_accounts_logins_and_is_audited(con):
    make(con)
    make(con, "gv", roles=("staff",))
    mine = [sessions.id_hash(sessions.start(con, "gv")) for _ in range(3)]
    theirs = sessions.id_hash(sessions.start(con, "hieutruong"))
    assert users.log_out_everywhere(con, "gv", "gv") == 3
    assert all(sessions.user_of(con, h) is None for h in mine)
    assert sessions.user_of(con, theirs) == "hieutruong"
    assert audit.latest(con, "user").iloc[0]["action"] == "logout_everywhere"


def test_end_by_ref_needs_an_unambiguous_short_id(con):
    make(con)
    hashed = sessions.id_hash(sessions.start(con, "hieutruong"))
    listed = sessions.live(con)
    assert list(listed["ref"]) == [hashed[:12]]
    assert sessions.end_by_ref(con, "zz") == 0
    assert sessions.end_by_ref(con, hashed[:12]) == 1
    assert sessions.live(con).empty


def test_wrong_passwords_slow_the_account_name_known_or_not_and_are_logged(con):
    make(con)
    for name in ("hieutruong", "khong-co-ai"):
        for attempt in range(sessions.ACCOUNT_TRIES):
            with pytest.raises(Invalid) as info:
                users.authenticate(con, name, "sai-mat-khau", f"10.0.0.{attempt}")
        assert "thử lại sau 1 phút" in info.value.errors["login"]
        with pytest.raises(Invalid, match="Đăng nhập sai nhiều lần"):
            users.authenticate(con, name, "matkhau-123", "10.0.0.99")
    failures = audit.latest(con, "user")
    assert (failures["action"] == "login_failed").sum() == 2 * sessions.ACCOUNT_TRIES


def test_the_wait_doubles_and_a_right_password_afterwards_clears_the_account(con):
    make(con)
    now = clock.now()
    for i in range(sessions.ACCOUNT_TRIES + 2):
        sessions.failed(con, "hieutruong", f"c{i}", now)
    assert sessions.waiting(con, "hieutruong", "c-new", now).minutes == 4
    assert sessions.waiting(con, "hieutruong", "c-new", now + timedelta(minutes=4)) is None
    sessions.succeeded(con, "hieutruong")
    assert sessions.waiting(con, "hieutruong", "c-new", now) is None


def test_one_client_guessing_many_names_is_slowed_too(con):
    now = clock.now()
    for i in range(sessions.CLIENT_TRIES):
        sessions.failed(con, f"ten-{i}", "203.0.113.7", now)
    assert sessions.waiting(con, "ten-moi", "203.0.113.7", now) is not None
    assert sessions.waiting(con, "ten-moi", "203.0.113.8", now) is None


def test_passwords_are_compared_in_nfc_so_a_mac_keyboard_logs_in(con):
    nfc_password = "Mật-khẩu-Đúng"
    nfd_password = unicodedata.normalize("NFD", nfc_password)
    assert nfd_password != nfc_password
    make(con, password=nfd_password)  # set from a Mac: stored as the NFC form
    assert users.authenticate(con, "hieutruong", nfc_password, "c") == "hieutruong"
    assert users.authenticate(con, "hieutruong", nfd_password, "c") == "hieutruong"
    old_nfd_hash = users.bcrypt.hashpw(nfd_password.encode(), users.bcrypt.gensalt()).decode()
    assert users.verify_password(nfd_password, old_nfd_hash)  # set before normalising


def test_purge_forgets_ended_sessions_and_old_failures(con):
    make(con)
    now = clock.now()
    sessions.start(con, "hieutruong", now=now - sessions.LIFETIME)
    sessions.failed(con, "x", "y", now - sessions.WINDOW - timedelta(minutes=1))
    sessions.purge(con, now)
    assert con.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM login_failures").fetchone() == (0,)


def test_cli_lists_and_ends_sessions_and_rotates_the_key(tmp_path, monkeypatch, capsys):
    from lib import cli
    from lib.core import db

    monkeypatch.delenv(sessions.KEY_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    db_file = tmp_path / "cli.duckdb"
    con = db.connect(db_file)
    make(con)
    first, second = (sessions.id_hash(sessions.start(con, "hieutruong", "10.1.1.1")) for _ in "ab")
    con.close()
    old_key = sessions.signing_key(db_file)
    assert cli.main(["--db", str(db_file), "session", "list"]) == 0
    listed = capsys.readouterr().out
    assert first[:12] in listed and second[:12] in listed and "10.1.1.1" in listed
    assert cli.main(["--db", str(db_file), "session", "end", first[:12]]) == 0
    assert cli.main(["--db", str(db_file), "session", "end", first[:12]]) == 1
    assert "Không có phiên đăng nhập mã" in capsys.readouterr().err
    assert cli.main(["--db", str(db_file), "key", "rotate"]) == 0
    assert "kết thúc 1 phiên" in capsys.readouterr().out
    assert sessions.signing_key(db_file) != old_key
    con = db.connect(db_file)
    assert sessions.live(con).empty
    con.close()


def test_cli_key_rotate_with_a_configured_key_says_to_replace_it(tmp_path, monkeypatch, capsys):
    from lib import cli

    monkeypatch.setenv(sessions.KEY_ENV, "k" * 40)
    db_file = tmp_path / "cli.duckdb"
    db.connect(db_file).close()  # the CLI opens only an existing database
    assert cli.main(["--db", str(db_file), "key", "rotate"]) == 0
    assert "THIDUA_COOKIE_KEY: hãy thay" in capsys.readouterr().out
    assert not sessions.key_file(db_file).exists()


def test_an_account_with_an_underscore_logs_in_as_typed_in_any_case(con):
    # Account names may hold '_' (USERNAME); the login once folded it into a space.
    make(con, username="to_truong")
    assert users.authenticate(con, " To_Truong ", "matkhau-123", "c") == "to_truong"
    with pytest.raises(Invalid):
        users.authenticate(con, "to truong", "matkhau-123", "c")
