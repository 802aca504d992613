"""AppTest helpers: run the real app.py on a temporary database, logged in as someone."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.access import sessions
from lib.core import db
from lib.ui import auth
from tests.demo_file import copy_demo

ROOT = Path(__file__).resolve().parent.parent
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~:$=&\"'])")


def app(db_file: Path, monkeypatch) -> AppTest:
    """The whole app (app.py) on its own database file, not yet run."""
    if not db_file.exists():
        copy_demo(db_file)  # what the app's first run would load, made once per test process
    monkeypatch.setenv("THIDUA_DB", str(db_file))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def start_session(username: str) -> str:
    """Open a server-side login for username in the app's database; return its id's hash."""
    con = db.connect(db.db_path())  # the same DuckDB instance the app's cached connection uses
    try:
        return sessions.id_hash(sessions.start(con, username))
    finally:
        con.close()


def login(at: AppTest, username: str) -> AppTest:
    """Mark the session as logged in as username (what the login widget does) and run."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["login_session"] = start_session(username)
    return at.run()


def submit_login(at: AppTest, username: str, password: str) -> AppTest:
    """Type an account into the login form and click its button (found by its label: the run
    of a click also draws hidden specimens, a disabled button among them)."""
    at.text_input(key=auth.TYPED_NAME).input(username)
    at.text_input(key=auth.TYPED_PASSWORD).input(password)
    next(b for b in at.button if b.label == "Đăng nhập").click()
    return at.run()


def open_page(at: AppTest, path: str) -> AppTest:
    """Switch to a page file and run it."""
    at.switch_page(path)
    return at.run()


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Click a tab: only the chosen tab's content runs (the tabs rerun the page)."""
    at.session_state[key] = label
    return at.run()


def downloads(at: AppTest) -> dict[str, bool]:
    """Each download the page offers: label -> disabled (one that cannot download yet is drawn
    as a disabled button with the download icon, so that no empty file is served)."""
    offered = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    offered |= {b.label: True for b in at.button
                if b.disabled and b.proto.icon == ":material/download:"}  # fmt: skip
    return offered


# A backslash before markdown punctuation (lib.core.text.literal) is not shown in the browser.
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~:$=&\"'])")


def shown(markdown: str) -> str:
    """Markdown source as the browser shows its text: escaped punctuation without backslashes."""
    return _ESCAPED.sub(r"\1", markdown).replace("\u2060", "")  # the joiner is invisible


def texts(at: AppTest) -> str:
    """All visible text of the last run, for 'shows' / 'does not show' checks."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                 "error", "warning", "metric", "text"):  # fmt: skip
        for element in getattr(at, kind):
            value = str(getattr(element, "value", ""))
            parts.append(value if kind == "text" else shown(value))
            parts.append(str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for table in at.table:
        parts.append(table.value.to_string())
    return "\n".join(parts)


def open_address(at: AppTest, url_path: str, file: str) -> AppTest:
    """Open the page a browser asks for at /url_path (or, with no st.navigation, its file)."""
    # AppTest has no public way to request an address; its registry is what the server uses.
    pages = at._registered_pages
    chosen = [h for h, info in pages.items() if info.get("url_pathname") == url_path] or [
        h
        for h, info in pages.items()
        if info.get("script_path") and Path(str(info["script_path"])).resolve() == ROOT / file
    ]
    assert chosen, f"no page answers /{url_path}"
    at._page_hash = chosen[0]
    return at.run()
