"""Accounts: hashing, validation per field, roles, the last admin, credentials for login."""

import bcrypt
import pytest

from lib.access import users
from lib.core import audit
from lib.core.errors import Invalid


def make(con, username="hieutruong", roles=("admin",), password="matkhau-123"):
    users.add_user(
        con, users.check_new_user(con, username, "Nguyễn Văn A", list(roles), password), "t"
    )


def test_password_is_stored_as_bcrypt_hash(con):
    make(con)
    stored = con.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$2b$") and "matkhau-123" not in stored
    assert users.verify_password("matkhau-123", stored)
    assert not users.verify_password("sai-mat-khau", stored)


def test_an_underscore_in_a_password_is_part_of_it():
    stored = users.hash_password("mat_khau_moi")
    assert users.verify_password("mat_khau_moi", stored)
    assert not users.verify_password("mat khau moi", stored)


def test_a_password_set_when_underscores_were_folded_still_opens_its_account():
    folded = bcrypt.hashpw(b"mat khau cu", bcrypt.gensalt(4)).decode("ascii")  # before 04/12
    assert users.verify_password("mat_khau_cu", folded)


def test_a_wrong_password_costs_an_unknown_name_as_many_checks(monkeypatch):
    checks = []
    real = users._checkpw
    monkeypatch.setattr(users, "_checkpw", lambda pw, h: checks.append(pw) or real(pw, h))
    stored = users.hash_password("matkhau-123")
    for typed in ("sai_mat_khau ", "sai-mat-khau"):
        checks.clear()
        assert not users.verify_password(typed, stored)
        known = len(checks)
        checks.clear()
        assert not users.verify_password(typed, None)
        assert len(checks) == known


def test_long_vietnamese_password_is_refused_with_a_message_not_a_crash(con):
    long_pw = "Mật khẩu rất dài của hiệu trưởng trường mầm non Ánh Sao quận Long Biên"
    assert len(long_pw.encode()) > 72
    with pytest.raises(Invalid) as info:
        users.check_new_user(con, "ht", "Nguyễn Văn A", ["admin"], long_pw)
    assert "72 byte" in info.value.errors["password"]
    assert not users.verify_password("Ư" * 100, users.hash_password("matkhau-123"))


def test_new_user_collects_every_field_error_at_once(con):
    with pytest.raises(Invalid) as info:
        users.check_new_user(con, "Tên Có Dấu", "", ["boss"], "123")
    assert set(info.value.errors) == {"username", "full_name", "roles", "password"}


def test_duplicate_username_is_refused(con):
    make(con)
    with pytest.raises(Invalid) as info:
        users.check_new_user(con, "hieutruong", "B", ["staff"], "matkhau-123")
    assert "đã có" in info.value.errors["username"]


def test_last_admin_cannot_lose_the_role_or_be_disabled(con):
    make(con)
    with pytest.raises(Invalid):
        users.set_roles(con, "hieutruong", ["staff"], "t")
    with pytest.raises(Invalid):
        users.set_active(con, "hieutruong", False, "t")
    make(con, "thuky")
    users.set_active(con, "hieutruong", False, "t")
    assert users.get_user(con, "hieutruong") is None
    with pytest.raises(Invalid):
        users.set_roles(con, "thuky", ["examiner"], "t")


def test_disabled_account_has_no_credentials(con):
    make(con)
    make(con, "gv", roles=("staff",))
    assert set(users.credentials(con)["usernames"]) == {"hieutruong", "gv"}
    users.set_active(con, "gv", False, "t")
    assert set(users.credentials(con)["usernames"]) == {"hieutruong"}


def test_account_without_password_cannot_log_in(con):
    users.add_user(con, users.check_new_user(con, "gv", "Trần B", ["staff"]), "t")
    assert users.credentials(con)["usernames"] == {}
    assert users.list_users(con).loc[0, "has_password"] == False  # noqa: E712


def test_changes_are_audited(con):
    make(con)
    make(con, "gv", roles=("staff",))
    users.set_roles(con, "gv", ["staff", "examiner"], "hieutruong")
    log = audit.latest(con, "user")
    assert log.iloc[0]["action"] == "roles" and log.iloc[0]["actor"] == "hieutruong"
    assert "examiner" in log.iloc[0]["after"]


def test_user_changes_own_password_only_with_the_current_one(con):
    make(con)
    with pytest.raises(Invalid) as info:
        users.change_own_password(con, "hieutruong", "sai", "moi-moi-moi", "khac-khac")
    assert set(info.value.errors) == {"current", "confirm"}
    users.change_own_password(con, "hieutruong", "matkhau-123", "moi-moi-moi", "moi-moi-moi")
    creds = users.credentials(con)["usernames"]["hieutruong"]
    assert users.verify_password("moi-moi-moi", creds["password"])
