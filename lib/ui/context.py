"""What a script run knows of its server and request: the database, the signing key, the client;
the server's warm-up."""

from __future__ import annotations

import ast
import importlib
import os
import threading
from contextlib import suppress
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib import demo
from lib.access import sessions
from lib.access.navigation import PAGES
from lib.core import db


@st.cache_resource(show_spinner=False)
def _database(path: str) -> db.Connection:
    # One DuckDB database per process; sessions get their own cursor from it.
    con = db.connect(path)
    sessions.purge(con)  # logins that ended by time while the app was stopped
    if demo.should_autoload(con):
        demo.load_demo(con)
    return con


WARM_UP_AFTER_S = 1.0
_WARM_UP = threading.Lock()  # held for good once the warm-up is under way


def warm_up() -> None:
    """Import, once per process and in the background, every module the pages import.

    After a restart the first open of each page paid for its imports (Kết quả chấm: ~220 ms,
    Altair's); the first visitor types a password meanwhile."""
    if not _WARM_UP.acquire(blocking=False):
        return
    # Not at once: the imports hold the interpreter, and the page that asked is still being sent
    # (a first visitor's login form came 0.25 s later).
    timer = threading.Timer(WARM_UP_AFTER_S, _import_pages)
    timer.name, timer.daemon = "thidua-warm-up", True
    timer.start()


def _import_pages() -> None:
    root = Path(__file__).resolve().parents[2]
    for spec in PAGES:
        for name in _imported_by(root / spec.path):
            with suppress(ImportError):
                importlib.import_module(name)


def _imported_by(path: Path) -> list[str]:
    """The modules a script imports at its top level ("from lib.x import y": y may be one)."""
    names: list[str] = []
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def connection() -> db.Connection:
    """A cursor on the app's database for this script run (DuckDB: one per thread)."""
    return _database(str(db.db_path())).cursor()


def _configured_cookie_key() -> str | None:
    if os.environ.get(sessions.KEY_ENV):
        return os.environ[sessions.KEY_ENV]
    try:
        return st.secrets.get("cookie_key")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def cookie_key() -> str:
    """The signing key, read on every run so `key rotate` takes effect without a restart."""
    return sessions.signing_key(db.db_path(), _configured_cookie_key())


def client() -> str:
    """Who is asking, for counting failed logins: the address, else this browser session."""
    if os.environ.get("THIDUA_TRUSTED_PROXY"):
        # Behind our own reverse proxy every connection comes from it: it names the client.
        headers = st.context.headers
        forwarded = headers.get("X-Real-Ip") or headers.get("X-Forwarded-For", "").split(",")[-1]
        if isinstance(forwarded, str) and forwarded.strip():
            return forwarded.strip()[:100]
    address = st.context.ip_address
    if isinstance(address, str) and address:  # None on localhost (and outside a real server)
        return address
    ctx = get_script_run_ctx()
    return f"phiên {ctx.session_id}" if ctx else "không rõ"


class ForeignOrigin(RuntimeError):
    """The app was opened from a page of another origin (say another port of this host)."""


def requested_page() -> str:
    """The page address this run was opened at ("phieu-cham"; "" at the app's root)."""
    url = st.context.url
    return PurePosixPath(urlsplit(url).path).name if isinstance(url, str) else ""


def unknown_address() -> str | None:
    """The address this run was asked for when no page has it; the run then opens the first page.

    Streamlit would say so itself, in an English dialog over the page: forgetting the address
    here lets the app say it in Vietnamese (app.py)."""
    ctx = get_script_run_ctx()
    pages = ctx.pages_manager if ctx else None
    asked = pages.intended_page_name if pages else None
    # A click asks by the page's hash (always a page of the menu); a typed address by its name.
    if not asked or pages.intended_page_script_hash or asked in {s.url_path for s in PAGES}:
        return None
    pages.set_script_intent("", "")
    return asked


def check_origin() -> None:
    """Refuse a connection a page of another origin opened (Streamlit compares host names only)."""
    headers = st.context.headers
    origin = headers.get("Origin")
    if not isinstance(origin, str) or not origin:
        return  # not a browser page (a browser always sends Origin on the websocket)
    expected = os.environ.get("THIDUA_ORIGIN")
    if expected:
        same = origin.rstrip("/").lower() == expected.rstrip("/").lower()
    else:
        same = urlsplit(origin).netloc.lower() == str(headers.get("Host", "")).lower()
    if not same:
        raise ForeignOrigin(
            f"Trang {origin} không phải trang của ứng dụng: không mở phiên đăng nhập nào từ đó. "
            "Hãy mở ứng dụng bằng địa chỉ của nó."
        )
