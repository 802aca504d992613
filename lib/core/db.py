"""DuckDB connection, numbered migrations and transactions; no streamlit here."""

from __future__ import annotations

import functools
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import duckdb

from lib.core import clock

DEFAULT_PATH = Path("data/thidua.duckdb")
MIGRATIONS = Path(__file__).parent / "migrations"

Connection = duckdb.DuckDBPyConnection
T = TypeVar("T")
P = ParamSpec("P")


class DatabaseLocked(RuntimeError):
    """Another process (usually the running app) holds the database file."""

    def __init__(self, path: str | Path, detail: str = "") -> None:
        self.path = str(path)
        super().__init__(
            f"Tệp dữ liệu {self.path} đang được một tiến trình khác sử dụng "
            "(thường là ứng dụng đang chạy: streamlit run app.py). "
            "Hãy dừng ứng dụng rồi chạy lại lệnh, hoặc dùng --db để chỉ một tệp khác."
            + (f"\nChi tiết: {detail}" if detail else "")
        )


def db_path(path: str | Path | None = None) -> Path:
    """Return the database path: the argument, else $THIDUA_DB, else data/thidua.duckdb."""
    return Path(path or os.environ.get("THIDUA_DB") or DEFAULT_PATH)


# Least privilege: the app reads and writes only its own database file (DuckDB allows that
# file, its .wal and its .tmp folder by itself). Every import, export and backup goes through
# Python (Arrow, openpyxl, zipfile), so SQL can open no other file, URL or extension.
SAFE_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
# Left by a restore that was killed: `.NAME.khoi-phuc-PID` folders next to the database file.
STAGING = ".{name}.khoi-phuc-"


def connect(path: str | Path = ":memory:", *, migrations: bool = True) -> Connection:
    """Open (creating if needed) the database file and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), config=dict(SAFE_CONFIG))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(path, str(exc).split("\n")[0]) from exc
        raise
    # Stored timestamps (current_localtimestamp) are the council's wall clock, not the server's.
    con.execute(f"SET GLOBAL TimeZone = '{clock.zone_name()}'")
    if str(path) != ":memory:":
        remove_stale_staging(Path(path))
    if migrations:
        migrate(con)
    return con


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(db_file: Path) -> list[Path]:
    """Delete the staging folders of restores whose process is gone (killed); return them."""
    prefix = STAGING.format(name=db_file.name)
    removed = []
    for folder in db_file.parent.glob(prefix + "*"):
        pid = folder.name[len(prefix) :].split(".")[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)  # an older version staged a bare file
        removed.append(folder)
    return removed


def migration_files() -> list[tuple[int, str, Path]]:
    """List the numbered migration files in order: (number, name, path)."""
    found = []
    for file in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(file.name[:3]), file.stem, file))
    return found


def migrate(con: Connection, upto: int | None = None) -> list[str]:
    """Apply every migration (up to number `upto`) not yet recorded; return their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp())"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, file in migration_files():
        if version in done or (upto is not None and version > upto):
            continue
        with transaction(con):
            con.execute(file.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
        applied.append(name)
    return applied


# Connections (by id) inside a transaction() block: DuckDB has no nested transactions, so an
# inner block joins the outer one and the whole stays all or nothing.
_open: set[int] = set()


def in_transaction(con: Connection) -> bool:
    """Tell whether con is inside a transaction() block."""
    return id(con) in _open


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """Run the block in one transaction: commit at the end, roll back on any error."""
    if in_transaction(con):
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _open.add(id(con))
    try:
        yield con
    except BaseException:
        _open.discard(id(con))
        con.execute("ROLLBACK")
        raise
    _open.discard(id(con))
    con.execute("COMMIT")


@contextmanager
def registered(con: Connection, **frames: object) -> Iterator[Connection]:
    """DataFrames (or Arrow tables) readable by these names in SQL while the block runs."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield con
    finally:
        for name in frames:
            con.unregister(name)


def transactional(
    fn: Callable[Concatenate[Connection, P], T],
) -> Callable[Concatenate[Connection, P], T]:
    """Run fn(con, …) in one transaction, or inside the caller's when it already has one."""

    @functools.wraps(fn)
    def run(con: Connection, *args: P.args, **kwargs: P.kwargs) -> T:
        with transaction(con):
            return fn(con, *args, **kwargs)

    return run


def is_conflict(exc: BaseException) -> bool:
    """Tell whether an error is DuckDB's optimistic-concurrency conflict, worth a retry."""
    return isinstance(exc, duckdb.TransactionException) or "Conflict on" in str(exc)


def retrying(con: Connection, work: Callable[[Connection], T], attempts: int = 8) -> T:
    """Run work(con) in a transaction, retrying when another session wrote the same rows."""
    if in_transaction(con):
        # A conflict aborts the outer transaction too: only its owner can start again.
        return work(con)
    for attempt in range(attempts):
        try:
            with transaction(con):
                return work(con)
        except duckdb.Error as exc:
            if not is_conflict(exc) or attempt == attempts - 1:
                raise
            # Random back-off so two sessions that collided do not collide again.
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def get_setting(con: Connection, key: str) -> str | None:
    """Read one value from the settings table."""
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_setting(con: Connection, key: str, value: str) -> None:
    """Write one value to the settings table."""
    con.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
