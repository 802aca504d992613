"""Server-side logins: session rows, the cookie token and its signing key, login throttling."""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt
import pandas as pd

from lib.access.permissions import User
from lib.core import audit, clock
from lib.core.db import Connection, is_conflict, retrying, transaction

IDLE = timedelta(hours=12)  # a login unused this long ends
LIFETIME = timedelta(days=7)  # a login ends this long after it began, used or not
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often (one row per tab)
MIN_KEY_BYTES = 32
KEY_ENV = "THIDUA_COOKIE_KEY"
ALGORITHM = "HS256"

# Failed logins: an account (by the name typed, known or not) and a client address each get a
# few tries in WINDOW, then wait 1, 2, 4 … up to MAX_LOCK minutes per further failure. A client
# may be a whole school behind one router, so it gets more tries than one account.
WINDOW = timedelta(hours=1)
ACCOUNT_TRIES = 5
CLIENT_TRIES = 20
MAX_LOCK = timedelta(minutes=60)

# Used when the database is :memory: (tests, throwaway runs): nothing to keep the key next to.
_process_key = secrets.token_hex(32)


class KeyProblem(RuntimeError):
    """The configured or stored signing key cannot be used (message in Vietnamese)."""


# --- the signing key -----------------------------------------------------------------------------


def key_file(db_file: str | Path) -> Path | None:
    """Where the generated key lives: next to the database file, never inside it."""
    if str(db_file) == ":memory:":
        return None
    path = Path(db_file)
    return path.with_name(path.name + ".cookie-key")


def _checked(key: str, where: str) -> str:
    size = len(key.encode("utf-8"))
    if size < MIN_KEY_BYTES:
        raise KeyProblem(
            f"Khóa ký cookie đăng nhập ({where}) quá ngắn: {size} byte, cần ít nhất "
            f"{MIN_KEY_BYTES} byte ngẫu nhiên. Tạo khóa mới bằng lệnh: "
            'python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return key


def _write_key(path: Path, exclusive: bool) -> str:
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    if exclusive:
        # Two first starts at once: only one creates the file, the other reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
        return key
    partial = path.with_name(path.name + ".moi")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    os.replace(partial, path)
    return key


def signing_key(db_file: str | Path, configured: str | None = None) -> str:
    """The cookie key: configured (env/secrets, ≥ 32 bytes), else the key file, made once."""
    if configured:
        return _checked(configured, f"{KEY_ENV} hoặc cookie_key trong secrets")
    path = key_file(db_file)
    if path is None:
        return _process_key
    try:
        return _checked(path.read_text(encoding="ascii").strip(), str(path))
    except FileNotFoundError:
        pass
    try:
        return _write_key(path, exclusive=True)
    except FileExistsError:
        return _checked(path.read_text(encoding="ascii").strip(), str(path))


def rotate_key(db_file: str | Path) -> Path:
    """Replace the key file with a new random key: every cookie signed before stops working."""
    path = key_file(db_file)
    if path is None:
        raise KeyProblem("Cơ sở dữ liệu trong bộ nhớ không có tệp khóa.")
    _write_key(path, exclusive=False)
    return path


# --- the token in the cookie ---------------------------------------------------------------------


def id_hash(session_id: str) -> str:
    """What the database keeps of a session id: its SHA-256, never the id itself."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def encode(session_id: str, key: str) -> str:
    """The cookie value: the session id, signed, with its expiry."""
    expires = int(time.time() + LIFETIME.total_seconds())
    return jwt.encode({"sid": session_id, "exp": expires}, key, algorithm=ALGORITHM)


def decode(token: object, key: str) -> str | None:
    """The session id in a cookie we signed, or None for anything else (never raises)."""
    if not isinstance(token, str) or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except Exception:  # noqa: BLE001 - a hostile cookie may break the parser in any way
        return None
    sid = claims.get("sid") if isinstance(claims, dict) else None
    return sid if isinstance(sid, str) and 20 <= len(sid) <= 100 else None


# --- session rows --------------------------------------------------------------------------------


def start(con: Connection, username: str, client: str = "", now: datetime | None = None) -> str:
    """Open a login for username and return the new session id (only its hash is stored)."""
    now = now or clock.now()
    session_id = secrets.token_urlsafe(32)
    con.execute(
        "INSERT INTO sessions (id_hash, username, created_at, last_seen, expires_at, client) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [id_hash(session_id), username, now, now, now + LIFETIME, client[:200]],
    )
    return session_id


def _touch(con: Connection, hashed: str, last_seen: datetime, now: datetime) -> None:
    if now - last_seen < TOUCH_EVERY:
        return
    try:
        con.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", [now, hashed])
    except Exception as exc:
        # Two tabs of one login touching the row at once: one write is enough.
        if not is_conflict(exc):
            raise


def _live_login(con: Connection, hashed: str, now: datetime) -> tuple | None:
    # The one rule of a live login: not expired, not idle too long (username, last_seen).
    return con.execute(
        "SELECT username, last_seen FROM sessions "
        "WHERE id_hash = ? AND expires_at > ? AND last_seen > ?",
        [hashed, now, now - IDLE],
    ).fetchone()


def user_of(con: Connection, hashed: str | None, now: datetime | None = None) -> str | None:
    """The active account a live session belongs to (and note the use), else None."""
    if not hashed:
        return None
    now = now or clock.now()
    # One statement for the login and its account (asked on every autosave): the live-login
    # rule of _live_login, and the account still active.
    login = con.execute(
        "SELECT s.username, s.last_seen FROM sessions s JOIN users u ON u.username = s.username "
        "WHERE s.id_hash = ? AND s.expires_at > ? AND s.last_seen > ? AND u.active",
        [hashed, now, now - IDLE],
    ).fetchone()
    if login is None:
        return None
    _touch(con, hashed, login[1], now)
    return str(login[0])


def session_user(con: Connection, hashed: str | None, now: datetime | None = None) -> User | None:
    """The active account of a live session, with its name and roles read now, else None."""
    if not hashed:
        return None
    now = now or clock.now()
    # Read on every script run, so an ended login, a disabled account or a removed role counts
    # from the very next run. Four lookups by key: DuckDB answers each in well under a
    # millisecond, where one statement joining the same tables takes several.
    login = _live_login(con, hashed, now)
    if login is None:
        return None
    username = str(login[0])
    account = con.execute(
        "SELECT person_id FROM users WHERE username = ? AND active", [username]
    ).fetchone()
    if account is None:
        return None
    person = con.execute("SELECT full_name FROM people WHERE id = ?", [account[0]]).fetchone()
    if person is None:
        return None
    roles = con.execute("SELECT role FROM user_roles WHERE username = ?", [username]).fetchall()
    _touch(con, hashed, login[1], now)
    return User(username, person[0], frozenset(r[0] for r in roles), int(account[0]))


def end(con: Connection, hashed: str | None) -> None:
    """End one login (logout)."""
    if hashed:
        con.execute("DELETE FROM sessions WHERE id_hash = ?", [hashed])


def end_user(con: Connection, username: str, keep: str | None = None) -> int:
    """End every login of an account (optionally all but one) and return how many ended."""
    row = con.execute(
        "DELETE FROM sessions WHERE username = ? AND id_hash IS DISTINCT FROM ? RETURNING 1",
        [username, keep],
    ).fetchall()
    return len(row)


def end_all(con: Connection) -> int:
    """End every login of everyone and return how many ended."""
    return len(con.execute("DELETE FROM sessions RETURNING 1").fetchall())


def purge(con: Connection, now: datetime | None = None) -> None:
    """Forget ended-by-time sessions and failures too old to count."""
    now = now or clock.now()
    con.execute("DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?", [now, now - IDLE])
    con.execute("DELETE FROM login_failures WHERE failed_at <= ?", [now - WINDOW])


def live(con: Connection, username: str | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Live logins (newest first), of one account or of all, with a short id to name them by."""
    now = now or clock.now()
    return con.execute(
        "SELECT left(id_hash, 12) AS ref, username, created_at, last_seen, expires_at, client "
        "FROM sessions WHERE expires_at > ? AND last_seen > ? "
        "AND (? IS NULL OR username = ?) ORDER BY last_seen DESC",
        [now, now - IDLE, username, username],
    ).df()


def end_by_ref(con: Connection, ref: str) -> int:
    """End the login whose short id (from live()) is ref; return how many ended (0 or 1)."""
    ref = ref.strip().lower()
    if len(ref) < 8 or not all(c in "0123456789abcdef" for c in ref):
        return 0
    matches = con.execute(
        "SELECT id_hash FROM sessions WHERE starts_with(id_hash, ?)", [ref]
    ).fetchall()
    if len(matches) != 1:
        return 0
    end(con, matches[0][0])
    return 1


# --- failed logins -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """A refusal to check a password now: for how many more minutes."""

    minutes: int

    @property
    def message(self) -> str:
        """What the login form says."""
        return f"Đăng nhập sai nhiều lần, thử lại sau {self.minutes} phút."


def _wait(con: Connection, kind: str, key: str, tries: int, now: datetime) -> timedelta:
    count, last = con.execute(
        "SELECT count(*), max(failed_at) FROM login_failures "
        "WHERE kind = ? AND key = ? AND failed_at > ?",
        [kind, key, now - WINDOW],
    ).fetchone()  # type: ignore[misc]
    if count < tries:
        return timedelta(0)
    lock = min(timedelta(minutes=2 ** (count - tries)), MAX_LOCK)
    return max(last + lock - now, timedelta(0))


def waiting(con: Connection, account: str, client: str, now: datetime | None = None) -> Lock | None:
    """The wait imposed on this account name or client after repeated failures, or None."""
    now = now or clock.now()
    wait = max(
        _wait(con, "account", account, ACCOUNT_TRIES, now),
        _wait(con, "client", client, CLIENT_TRIES, now),
    )
    if wait <= timedelta(0):
        return None
    return Lock(max(1, math.ceil(wait.total_seconds() / 60)))


def failed(con: Connection, account: str, client: str, now: datetime | None = None) -> Lock | None:
    """Count a wrong password for the account name and the client, log it, return any new lock."""
    now = now or clock.now()
    with transaction(con):
        con.execute(
            "INSERT INTO login_failures (kind, key, failed_at) VALUES ('account', ?, ?), "
            "('client', ?, ?)",
            [account, now, client, now],
        )
        locked = waiting(con, account, client, now)
        audit.record(
            con, "anonymous", "login_failed", "user", account,
            after={"client": client, "wait_minutes": locked.minutes if locked else 0},
        )  # fmt: skip
    return locked


def succeeded(con: Connection, account: str) -> None:
    """Forget the account's failures after a right password (the client's stay counted)."""
    # Two logins of one account at the same moment would delete the same rows: retry.
    retrying(
        con,
        lambda c: c.execute(
            "DELETE FROM login_failures WHERE kind = 'account' AND key = ?", [account]
        ),
    )
