"""AppTest helpers: run the real app.py on a temporary database, logged in as someone."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~:$=&\"'])")


def app(db_file: Path, monkeypatch) -> AppTest:
    """The whole app (app.py) on its own database file, not yet run."""
    monkeypatch.setenv("THIDUA_DB", str(db_file))
    monkeypatch.setenv("THIDUA_LOGIN_SLEEP", "0")
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def login(at: AppTest, username: str) -> AppTest:
    """Mark the session as logged in as username (what the login widget does) and run."""
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    return at.run()


def open_page(at: AppTest, path: str) -> AppTest:
    """Switch to a page file and run it."""
    at.switch_page(path)
    return at.run()


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Click a tab: only the chosen tab's content runs (the tabs rerun the page)."""
    at.session_state[key] = label
    return at.run()


def texts(at: AppTest) -> str:
    """All visible text of the last run, for 'shows' / 'does not show' checks."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success",
                 "error", "warning", "metric", "text"):  # fmt: skip
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for table in at.table:
        parts.append(table.value.to_string())
    # User text reaches markdown escaped (lib.core.text.literal): read it as the user sees it.
    return _ESCAPED.sub(r"\1", "\n".join(parts))
