"""Streamlit glue: the current user and each page's check, shared widgets and page scripts.

The database and request live in lib.ui.context, the login form and cookie in lib.ui.auth."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lib.access import sessions
from lib.access.permissions import User
from lib.core import db
from lib.core.errors import Invalid
from lib.core.numbers import format_number
from lib.core.text import literal
from lib.ui import downloads
from lib.ui.auth import SESSION, forget_login
from lib.ui.context import ForeignOrigin as ForeignOrigin
from lib.ui.context import check_origin as check_origin
from lib.ui.context import client as client
from lib.ui.context import connection as connection
from lib.ui.context import cookie_key as cookie_key
from lib.ui.context import requested_page as requested_page
from lib.ui.context import unknown_address as unknown_address
from lib.ui.context import warm_up as warm_up

_CHECKED = threading.local()  # the user app.py checked in this script run, for the page

# The browser tab's icon, served by the app itself: a material icon there makes every browser
# fetch it from fonts.gstatic.com, a third party that an offline school network cannot reach.
ICON = str(Path(__file__).with_name("icon.png"))


def current_user(con: db.Connection) -> User | None:
    """The user of this session's live server-side login (checked on every run), or None."""
    checked = getattr(_CHECKED, "user", _CHECKED)
    if checked is not _CHECKED:
        return checked  # type: ignore[return-value]
    if not st.session_state.get("authentication_status"):
        return None
    user = sessions.session_user(con, st.session_state.get(SESSION))
    if user is None or user.username != st.session_state.get("username"):
        forget_login()
        return None
    return user


@contextmanager
def checked(user: User | None) -> Iterator[None]:
    """Within app.py's page.run(): the page's require() uses the user app.py just checked.

    Only for that call in that run: a fragment's own rerun (no app.py) checks again."""
    _CHECKED.user = user
    try:
        yield
    finally:
        del _CHECKED.user


_APP = Path(__file__).resolve().parents[2] / "app.py"


@functools.cache
def _app_code():
    return compile(_APP.read_text(encoding="utf-8"), str(_APP), "exec")


def _old_style_run() -> bool:
    if PagesManager.uses_pages_directory:
        return True
    # A second visitor's run that began in that mode before the first run turned it off: its
    # pages are the files of pages/ with app.py among them, which app.py's menu never lists.
    ctx = get_script_run_ctx()
    if ctx is None or Path(ctx.main_script_path).resolve() != _APP:
        return False  # a page file run alone (the pages' own role tests): refused below
    return any(
        page.get("script_path") and Path(str(page["script_path"])).resolve() == _APP
        for page in ctx.pages_manager.get_pages().values()
    )


def require(permission: Callable[[User | None], bool]) -> User:
    """Stop the page unless the current user passes the permission check."""
    if not hasattr(_CHECKED, "user") and _old_style_run():
        # Until app.py's st.navigation first runs in this process, Streamlit treats pages/ as
        # an old-style multipage app and runs the file named by the address (/phieu-cham) by
        # itself, without app.py's login and menu. Turn that off (as st.navigation would) and
        # run app.py in this same run (a rerun would drop the click that started it): it shows
        # a visitor the login form, and a logged-in user this page through its own checks.
        PagesManager.uses_pages_directory = False
        exec(_app_code(), {"__name__": "__main__", "__file__": str(_APP)})  # noqa: S102
        st.stop()
    user = current_user(connection())
    if user is None or not permission(user):
        st.error("Bạn không có quyền mở trang này.")
        st.stop()
    assert user is not None
    return user


def show_errors(errors: dict[str, str]) -> None:
    """Show each refused field's message."""
    for message in errors.values():
        # Messages quote what the user typed or a file held: shown as text, never as markdown.
        st.error(literal(message), icon=":material/error:")


def show_saved(key: str, *, toast: bool = False) -> None:
    """Show, once, the message the last save left under key (see saved).

    toast: also as a toast, which is on screen however far down the page was scrolled."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(message, icon=":material/check_circle:")
        if toast:
            st.toast(message, icon=":material/check_circle:")


def saved(key: str, message: str) -> NoReturn:
    """Leave a message for the next run under key and rerun, so the page shows what changed."""
    st.session_state[key] = message
    st.rerun()


@contextmanager
def errors_shown() -> Iterator[None]:
    """Run a save: when lib refuses it (Invalid), show each field's message instead of raising."""
    try:
        yield
    except Invalid as exc:
        show_errors(exc.errors)


def pick_round(options: dict[int, str], key: str, label: str = "Đợt chấm") -> int | None:
    """A round picker whose choice follows the user from page to page; None if no rounds."""
    if not options:
        return None
    ids = list(options)
    remembered = st.session_state.get("chosen_round")
    # The browser keeps the text it drew for a widget: a round that was closed or published
    # kept its old state in the label. So the key follows the labels (the choice is kept).
    digest = hashlib.sha1("\n".join(options.values()).encode("utf-8")).hexdigest()[:10]
    key = f"{key}_{digest}"
    # Streamlit forgets a widget's state when the page changes: seed it from the last choice.
    if st.session_state.get(key) not in ids:
        st.session_state[key] = remembered if remembered in ids else ids[0]
    chosen = st.selectbox(label, ids, format_func=options.get, key=key)
    st.session_state["chosen_round"] = chosen
    return chosen


def count_text(n: int) -> str:
    """A count the Vietnamese way, thousands with a dot (6.649)."""
    return f"{int(n):,}".replace(",", ".")


def number_text(value: object) -> str:
    """A number the Vietnamese way for tables (19,5), empty for none."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return format_number(value)


PAGE_ROWS = 100
ROWS_SHOWN = 200  # a searchable table's first rows: a district's 1,842 people are ~0.7 MB


def first_rows(frame, unit: str, after: str, none: str):
    """The first ROWS_SHOWN rows of a searched table, saying so above it (or that none match).

    unit: what a row is ("người", "dòng"); after: what the caption ends with (how to get all)."""
    if len(frame) > ROWS_SHOWN:
        st.caption(f"Đang hiện {ROWS_SHOWN} trong {count_text(len(frame))} {unit}. Tìm theo tên "
                   f"hoặc tổ để thu hẹp, {after}")  # fmt: skip
        return frame.head(ROWS_SHOWN)
    if frame.empty:
        st.info(none)
    return frame


def dataframe(data: object, **kwargs: object) -> object:
    """st.dataframe showing a missing value as an empty cell, not Streamlit's grey "None"."""
    kwargs.setdefault("placeholder", "")
    return st.dataframe(data, **kwargs)  # type: ignore[arg-type]


def paged(frame, key: str, *, rows: int | None = None, **kwargs: object) -> None:
    """A long table a page at a time (PAGE_ROWS rows), its page picked above it: a city round's
    5,000 rows are ~1 MB for the browser. kwargs go to st.dataframe."""
    rows = rows or PAGE_ROWS
    n_pages = max(1, -(-len(frame) // rows))
    if st.session_state.get(key, 1) > n_pages:  # the table got shorter (a filter, a removal)
        st.session_state[key] = n_pages
    # A picker, not st.number_input: Chromium drops a comma from a number field.
    page = st.selectbox(f"Trang (trên {count_text(n_pages)}, mỗi trang {rows} dòng)",
                        range(1, n_pages + 1), key=key)  # fmt: skip
    start = (int(page) - 1) * rows
    dataframe(frame.iloc[start : start + rows], hide_index=True, width="stretch", **kwargs)


def long_table(
    frame,
    key: str,
    *,
    csv: tuple[str, str, Callable[[db.Connection], object], dict],
    con: db.Connection,
    actor: str,
    rows: int | None = None,
    **kwargs: object,
) -> None:
    """A long table a page at a time, and the whole of it as a CSV built when clicked.

    csv: (button label, file name, the table from a cursor, what the audit log records)."""
    paged(frame, key, rows=rows, **kwargs)
    label, file_name, table, detail = csv
    download_button(label, data=downloads.csv_export(con, actor, table, file_name, detail),
                    file_name=file_name, mime="text/csv", key=f"{key}_tai")  # fmt: skip


def download_button(
    label: str,
    data: object,
    file_name: str,
    mime: str | None = None,
    *,
    where: object = None,
    **kwargs: object,
) -> None:
    """A download button whose file always arrives, however quickly buttons are clicked.

    Streamlit gives a deferred (callable) download a new id on every run, and drops the old
    ids at the end of the run (MediaFileManager.add_deferred / remove_orphaned_files). A click
    reruns the page by default, so a second button clicked before the browser has the new ids
    asks for one already dropped: "Deferred file … not found". The click must not rerun.
    where: the column or container to draw it in (the page by default)."""
    icon = kwargs.pop("icon", ":material/download:")
    if kwargs.pop("disabled", False):
        # No file behind a button that cannot download: the browser fetches a download
        # button's file as soon as it is drawn, disabled or not (measured: 9 empty files each
        # time Kết quả chấm › Văn bản opens). A disabled button looks the same.
        (where or st).button(label, icon=icon, disabled=True, **kwargs)  # type: ignore[arg-type]
        return
    (where or st).download_button(label, data=data, file_name=file_name, mime=mime, icon=icon,
                                  on_click="ignore", **kwargs)  # type: ignore[arg-type]  # fmt: skip


def sticky(key: str) -> None:
    """Keep the container made with st.container(key=key) on screen while the page scrolls."""
    # Streamlit wraps each block in a wrapper exactly its size, and sticky only moves within
    # the parent: the wrapper is what must stick, inside the block that holds the rest.
    st.html(
        f'<style>[data-testid="stLayoutWrapper"]:has(> .st-key-{key}) {{position: sticky; '
        "top: 3.75rem; z-index: 990; background: var(--background-color, #fff); "
        "background-color: white; padding: 0.35rem 0.25rem; "
        "border-bottom: 1px solid rgba(49, 51, 63, 0.2);}}</style>"
    )


# Streamlit's own menu folds away after a choice on a phone; links drawn with st.page_link
# (our menu) do not. A constant script, no user data: it taps the sidebar's own close button.
_CLOSE_MENU = """
(() => {
  if (window.__thiduaMenuCloser) return;
  window.__thiduaMenuCloser = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest('[data-testid="stSidebar"] a');
    if (!link || window.innerWidth > 768) return;  // 768 px: Streamlit's phone layout
    setTimeout(() => {
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 0);
  }, true);
})();
"""

# A text field sends what was typed only on Enter or when it loses focus: a score typed and
# left in its field was lost when the phone locked, the tab was switched away from or closed,
# or the page reloaded. Hidden: the field is blurred, which sends it (and the sheet saves it).
# Reload or close: the browser asks first ("Leave site?"). A form sends nothing until its button
# (or Enter): typed into, it asks until then. Search boxes of select boxes are not fields, nor
# password forms (the login form). Constant script, no user data.
_KEEP_TYPED = """
(() => {
  if (window.__thiduaKeepTyped) return;
  window.__thiduaKeepTyped = true;
  const FIELD = '[data-testid="stMain"] :is([data-testid="stTextInput"] input, ' +
    '[data-testid="stTextArea"] textarea, [data-testid="stNumberInput"] input)';
  const field = (el) => el && el.matches && el.matches(FIELD) && el.type !== "password";
  const formOf = (el) => el.closest('[data-testid="stForm"]');
  // What holds the mark "typed since last sent": the field itself, or its form.
  const holder = (el) => formOf(el) || el;
  document.addEventListener("input", (event) => {
    const el = event.target;
    if (field(el) && !formOf(el)?.querySelector('input[type="password"]'))
      holder(el).dataset.thiduaTyped = "1";
  }, true);
  document.addEventListener("focusout", (event) => {
    if (field(event.target) && !formOf(event.target)) delete event.target.dataset.thiduaTyped;
  }, true);
  document.addEventListener("keydown", (event) => {
    const el = event.target;
    const sends = event.key === "Enter" && !event.isComposing &&
      (el.tagName === "INPUT" || event.ctrlKey || event.metaKey);  // Streamlit's own keys
    if (sends && field(el)) delete holder(el).dataset.thiduaTyped;
  }, true);
  document.addEventListener("click", (event) => {
    const button = event.target.closest?.('[data-testid="stFormSubmitButton"] button');
    if (button && formOf(button)) delete formOf(button).dataset.thiduaTyped;
  }, true);
  const typing = () => {
    const el = document.activeElement;
    return field(el) && !formOf(el) && el.dataset.thiduaTyped ? el : null;
  };
  const send = () => { const el = typing(); if (el) el.blur(); };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") send();
  });
  window.addEventListener("pagehide", send);
  window.addEventListener("beforeunload", (event) => {
    const el = typing();
    const form = document.querySelector('[data-testid="stMain"] [data-testid="stForm"]' +
      '[data-thidua-typed]');
    if (!el && !form) return;
    if (el) el.blur();  // sent now: saved if the person stays, and most likely if they leave
    event.preventDefault();
    event.returnValue = "";
  });
})();
"""


def page_scripts() -> None:
    """The app's constant page scripts: fold the phone menu after a choice, and keep a field
    being typed from being lost to a hidden, closed or reloaded tab."""
    st.html(f"<script>{_CLOSE_MENU}{_KEEP_TYPED}</script>", unsafe_allow_javascript=True)
