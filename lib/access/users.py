"""Accounts: bcrypt-hashed passwords, roles, and the credentials handed to the login widget."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import bcrypt
import pandas as pd

from lib.access import people, sessions
from lib.access.permissions import ROLES, User
from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc, vn_name_key

MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further; bcrypt 5 refuses longer input
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


def password_problem(password: str) -> str | None:
    """Say what is wrong with a new password, or None if it is acceptable."""
    password = nfc(password)
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự."
    size = len(password.encode("utf-8"))
    if size > MAX_PASSWORD_BYTES:
        return (
            f"Mật khẩu quá dài: tối đa {MAX_PASSWORD_BYTES} byte, mật khẩu này chiếm {size} byte "
            "(mỗi chữ có dấu chiếm 2–3 byte). Hãy dùng mật khẩu ngắn hơn."
        )
    return None


def hash_password(password: str) -> str:
    """Hash a password (its NFC form, as typed on any keyboard) with bcrypt."""
    problem = password_problem(password)
    if problem:
        raise Invalid({"password": problem})
    return bcrypt.hashpw(nfc(password).encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def _checkpw(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode("ascii"))
    except ValueError:  # not a bcrypt hash
        return False


# The hash of a forgotten random string, at the cost gensalt() gives real passwords: checked
# against when there is no account, so an unknown name takes as long as a known one.
_DUMMY_HASH = "$2b$12$sANCLA990Dc8Gmoa8G96.e0QEe/hDAOSKQ0LkTxtRioYS3d2qtTuq"


def _typed_forms(password: str) -> list[str]:
    """The forms a typed password may have been hashed in: NFC (a Mac types NFD), then the
    older rules, each once."""
    forms = [nfc(password)]
    # Until 04/12/2026 a '_' was folded into a space, as a run of spaces still is; before
    # passwords were normalised at all, the password was hashed as typed.
    for older in (" ".join(forms[0].replace("_", " ").split()), password):
        if older not in forms:
            forms.append(older)
    return forms


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password in any form it may have been hashed in; missing or over-long fails."""
    forms = _typed_forms(password)
    if not password_hash:
        # Spend the time a wrong password of a real account takes (a check per form), so an
        # unknown name answers no faster.
        for form in forms:
            _checkpw(form, _DUMMY_HASH)
        return False
    return any(_checkpw(form, password_hash) for form in forms)


LOGIN_FAILED = "Sai tên đăng nhập hoặc mật khẩu."


def username_key(typed: str | None) -> str:
    """A typed login name as accounts store it: NFC, trimmed, lower-case ('_' kept)."""
    # Not text.nfc: a login name is taken exactly as typed (inner spaces make it invalid).
    return unicodedata.normalize("NFC", typed or "").strip().lower()


def authenticate(con: Connection, typed: str, password: str, client: str) -> str:
    """The account a name and password open, else Invalid (wrong, or too many failures)."""
    account = username_key(typed)[:64]
    locked = sessions.waiting(con, account, client)
    if locked:
        raise Invalid({"login": locked.message})
    row = con.execute(
        "SELECT username, password_hash FROM users WHERE username = ? AND active", [account]
    ).fetchone()
    if verify_password(password or "", row[1] if row else None) and row is not None:
        sessions.succeeded(con, account)
        return str(row[0])
    locked = sessions.failed(con, account, client)
    raise Invalid({"login": locked.message if locked else LOGIN_FAILED})


def _roles(con: Connection, username: str) -> frozenset[str]:
    rows = con.execute("SELECT role FROM user_roles WHERE username = ?", [username]).fetchall()
    return frozenset(r[0] for r in rows)


def get_user(con: Connection, username: str | None) -> User | None:
    """Return the active account with that name, or None."""
    if not username:
        return None
    row = con.execute(
        "SELECT u.username, p.full_name, u.person_id FROM users u "
        "JOIN people p ON p.id = u.person_id WHERE u.username = ? AND u.active",
        [username],
    ).fetchone()
    if row is None:
        return None
    return User(row[0], row[1], _roles(con, row[0]), int(row[2]))


def list_users(con: Connection) -> pd.DataFrame:
    """Every account with its person, roles, state and whether a password is set."""
    df = con.execute(
        "SELECT u.username, p.full_name, p.position, p.group_name, "
        "       coalesce(string_agg(r.role, ',' ORDER BY r.role), '') AS roles, "
        "       u.active, u.password_hash IS NOT NULL AS has_password, u.updated_at "
        "FROM users u JOIN people p ON p.id = u.person_id "
        "LEFT JOIN user_roles r ON r.username = u.username "
        "GROUP BY ALL"
    ).df()
    return df.sort_values("full_name", key=lambda s: s.map(vn_name_key)).reset_index(drop=True)


# Who may examine (sit on a council, be assigned, score): an active account holding the
# examiner role. The one place of this rule: councils, assignment and the scores import ask here.
ACTIVE_EXAMINERS = (
    "FROM users u JOIN people p ON p.id = u.person_id "
    "JOIN user_roles r ON r.username = u.username AND r.role = 'examiner' WHERE u.active"
)


def examiner_accounts(con: Connection) -> pd.DataFrame:
    """Active accounts with the examiner role: username, full_name, group_name, position,
    has_password (false: cannot log in yet); sorted by given name."""
    df = con.execute(
        "SELECT u.username, p.full_name, p.group_name, p.position, "
        "       u.password_hash IS NOT NULL AS has_password " + ACTIVE_EXAMINERS
    ).df()
    return df.sort_values("full_name", key=lambda s: s.map(vn_name_key)).reset_index(drop=True)


def examiner_name(con: Connection, username: str) -> str | None:
    """The full name of an active examiner account, or None if the username is not one."""
    row = con.execute(
        "SELECT p.full_name " + ACTIVE_EXAMINERS + " AND u.username = ?", [username]
    ).fetchone()
    return None if row is None else str(row[0])


def credentials(con: Connection, username: str | None = None) -> dict:
    """The credentials dict streamlit-authenticator expects: active accounts, or just one."""
    # A login needs only the account typed: read by key, not every account on every try.
    only = "" if username is None else " AND u.username = ?"
    rows = con.execute(
        "SELECT u.username, p.full_name, p.email, u.password_hash "
        "FROM users u JOIN people p ON p.id = u.person_id "
        "WHERE u.active AND u.password_hash IS NOT NULL" + only,
        [] if username is None else [username],
    ).fetchall()
    return {
        "usernames": {
            username: {"name": name, "email": email, "password": password_hash}
            for username, name, email, password_hash in rows
        }
    }


def _check_roles(roles: list[str] | tuple[str, ...] | set[str]) -> str | None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        return f"Vai trò không hợp lệ: {', '.join(unknown)} (chỉ nhận: {', '.join(ROLES)})."
    if not roles:
        return "Hãy chọn ít nhất một vai trò."
    return None


@dataclass(frozen=True)
class NewUser:
    """An account to create, already checked."""

    username: str
    full_name: str
    roles: tuple[str, ...]
    password: str | None = None
    position: str = ""
    group_name: str = ""
    email: str = ""
    person_id: int | None = None


def check_new_user(
    con: Connection,
    username: str,
    full_name: str,
    roles: list[str] | tuple[str, ...],
    password: str | None = None,
    **extra: str | int | None,
) -> NewUser:
    """Validate every field of a new account at once; raise Invalid naming each bad field."""
    errors: dict[str, str] = {}
    username = username_key(username)
    if not USERNAME.match(username):
        errors["username"] = (
            "Tên đăng nhập gồm 2–32 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang hoặc "
            "gạch dưới, bắt đầu bằng chữ hoặc số."
        )
    elif con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        errors["username"] = f"Tên đăng nhập '{username}' đã có."
    if not nfc(full_name or "") and extra.get("person_id") is None:
        errors["full_name"] = "Hãy nhập họ và tên."
    problem = _check_roles(roles)
    if problem:
        errors["roles"] = problem
    if password is not None:
        problem = password_problem(password)
        if problem:
            errors["password"] = problem
    if errors:
        raise Invalid(errors)
    return NewUser(username, nfc(full_name or ""), tuple(roles), password, **extra)  # type: ignore[arg-type]


def add_user(con: Connection, new: NewUser, actor: str, is_demo: bool = False) -> None:
    """Create the account (and its person unless one is given) in one transaction."""
    password_hash = hash_password(new.password) if new.password else None
    with transaction(con):
        person_id = new.person_id
        if person_id is None:
            person_id = people.add_person(
                con, new.full_name, new.position, new.group_name, new.email, is_demo=is_demo
            )
        con.execute(
            "INSERT INTO users (username, person_id, password_hash) VALUES (?, ?, ?)",
            [new.username, person_id, password_hash],
        )
        for role in sorted(set(new.roles)):
            con.execute("INSERT INTO user_roles VALUES (?, ?)", [new.username, role])
        audit.record(con, actor, "create", "user", new.username, after={"roles": sorted(new.roles)})


def require_account(con: Connection, username: str) -> None:
    """Raise Invalid naming the account when it does not exist (active or not)."""
    _require(con, username)


def _require(con: Connection, username: str) -> tuple[bool, frozenset[str]]:
    row = con.execute("SELECT active FROM users WHERE username = ?", [username]).fetchone()
    if row is None:
        raise Invalid({"username": f"Không có tài khoản '{username}'."})
    return bool(row[0]), _roles(con, username)


def _other_active_admins(con: Connection, username: str) -> int:
    row = con.execute(
        "SELECT count(*) FROM users u JOIN user_roles r USING (username) "
        "WHERE r.role = 'admin' AND u.active AND u.username <> ?",
        [username],
    ).fetchone()
    return int(row[0]) if row else 0


LAST_ADMIN = "Không thể thực hiện: đây là quản trị viên cuối cùng còn hoạt động."


def set_roles(con: Connection, username: str, roles: list[str], actor: str) -> None:
    """Replace an account's roles, never leaving the council without an active admin."""
    with transaction(con):
        active, before = _require(con, username)
        problem = _check_roles(roles)
        if problem:
            raise Invalid({"roles": problem})
        losing_admin = "admin" in before and "admin" not in roles and active
        if losing_admin and _other_active_admins(con, username) == 0:
            raise Invalid({"roles": LAST_ADMIN})
        con.execute("DELETE FROM user_roles WHERE username = ?", [username])
        for role in sorted(set(roles)):
            con.execute("INSERT INTO user_roles VALUES (?, ?)", [username, role])
        con.execute(
            "UPDATE users SET updated_at = current_localtimestamp() WHERE username = ?",
            [username],
        )
        audit.record(con, actor, "roles", "user", username, sorted(before), sorted(roles))
        if set(before) - set(roles):
            # A role taken away: end the open logins, so no page opened under it stays on screen.
            # (Roles are read again on every run; an added role needs no new login.)
            sessions.end_user(con, username)


def set_active(con: Connection, username: str, active: bool, actor: str) -> None:
    """Disable or re-enable an account, never disabling the last active admin."""
    with transaction(con):
        was_active, roles = _require(con, username)
        disabling_admin = was_active and not active and "admin" in roles
        if disabling_admin and _other_active_admins(con, username) == 0:
            raise Invalid({"active": LAST_ADMIN})
        con.execute(
            "UPDATE users SET active = ?, updated_at = current_localtimestamp() WHERE username = ?",
            [active, username],
        )
        if not active:
            sessions.end_user(con, username)
        action = "enable" if active else "disable"
        audit.record(
            con, actor, action, "user", username, {"active": was_active}, {"active": active}
        )


def set_password(
    con: Connection, username: str, password: str, actor: str, keep_session: str | None = None
) -> None:
    """Set a new password (only its bcrypt hash is kept) and end the account's other logins."""
    password_hash = hash_password(password)
    with transaction(con):
        _require(con, username)
        con.execute(
            "UPDATE users SET password_hash = ?, updated_at = current_localtimestamp() "
            "WHERE username = ?",
            [password_hash, username],
        )
        ended = sessions.end_user(con, username, keep=keep_session)
        audit.record(con, actor, "password", "user", username, after={"sessions_ended": ended})


def change_own_password(
    con: Connection,
    username: str,
    current: str,
    new: str,
    confirm: str,
    session: str | None = None,
) -> None:
    """Let a user replace their password after proving the current one; other logins end."""
    row = con.execute(
        "SELECT password_hash FROM users WHERE username = ? AND active", [username]
    ).fetchall()
    errors: dict[str, str] = {}
    if not row or not verify_password(current, row[0][0]):
        errors["current"] = "Mật khẩu hiện tại không đúng."
    problem = password_problem(new)
    if problem:
        errors["new"] = problem
    elif nfc(new) != nfc(confirm):
        errors["confirm"] = "Hai lần nhập mật khẩu mới không khớp."
    elif nfc(new) == nfc(current):
        errors["new"] = "Mật khẩu mới phải khác mật khẩu hiện tại."
    if errors:
        raise Invalid(errors)
    set_password(con, username, new, username, keep_session=session)


def log_out_everywhere(con: Connection, username: str, actor: str) -> int:
    """End every login of an account (a lost laptop, a shared computer); return how many."""
    with transaction(con):
        _require(con, username)
        ended = sessions.end_user(con, username)
        audit.record(con, actor, "logout_everywhere", "user", username, after={"ended": ended})
    return ended


def role_labels(roles: str | list[str] | frozenset[str]) -> str:
    """Vietnamese names of roles given as a list or a comma-separated string."""
    items = roles.split(",") if isinstance(roles, str) else sorted(roles)
    return ", ".join(ROLES[r] for r in items if r in ROLES)
