"""Streamlit glue: the process-wide database, the login widget, the current user, shared widgets."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import streamlit as st
import streamlit_authenticator as stauth

from lib import demo
from lib.access import users
from lib.access.permissions import User
from lib.core import db
from lib.core.errors import Invalid
from lib.core.numbers import format_number

LOGIN_FIELDS = {
    "Form name": "Đăng nhập",
    "Username": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Login": "Đăng nhập",
}
AUTH_KEYS = ("authentication_status", "username", "name", "email", "roles")


@st.cache_resource(show_spinner=False)
def _database(path: str) -> db.Connection:
    # One DuckDB database per process; sessions get their own cursor from it.
    con = db.connect(path)
    if demo.should_autoload(con):
        demo.load_demo(con)
    return con


def connection() -> db.Connection:
    """A cursor on the app's database for this script run (DuckDB: one per thread)."""
    return _database(str(db.db_path())).cursor()


def _configured_cookie_key() -> str | None:
    if os.environ.get("THIDUA_COOKIE_KEY"):
        return os.environ["THIDUA_COOKIE_KEY"]
    try:
        return st.secrets.get("cookie_key")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def authenticator(con: db.Connection) -> stauth.Authenticate:
    """The login widget over the accounts in the database (never a credentials file)."""
    return stauth.Authenticate(
        users.credentials(con),
        cookie_name="thidua_dang_nhap",
        cookie_key=users.cookie_key(con, _configured_cookie_key()),
        cookie_expiry_days=7,
        auto_hash=False,
        # The library waits this long for the cookie on every logged-out run.
        login_sleep_time=float(os.environ.get("THIDUA_LOGIN_SLEEP", "0.5")),
    )


def forget_login() -> None:
    """Clear the login from this session (the account was disabled or removed)."""
    for key in AUTH_KEYS:
        st.session_state[key] = None


def current_user(con: db.Connection) -> User | None:
    """The logged-in, still active user of this session, or None."""
    if not st.session_state.get("authentication_status"):
        return None
    user = users.get_user(con, st.session_state.get("username"))
    if user is None:
        forget_login()
    return user


def require(permission: Callable[[User | None], bool]) -> User:
    """Stop the page unless the current user passes the permission check."""
    user = current_user(connection())
    if user is None or not permission(user):
        st.error("Bạn không có quyền mở trang này.")
        st.stop()
    assert user is not None
    return user


def show_errors(errors: dict[str, str]) -> None:
    """Show each refused field's message."""
    for message in errors.values():
        st.error(message, icon=":material/error:")


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
    (where or st).download_button(label, data=data, file_name=file_name, mime=mime,
                       icon=kwargs.pop("icon", ":material/download:"), on_click="ignore",
                       **kwargs)  # type: ignore[arg-type]  # fmt: skip


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
_CLOSE_MENU = """<script>
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
</script>"""


def close_menu_on_choice() -> None:
    """On a phone, fold the sidebar menu away once a page has been chosen in it."""
    st.html(_CLOSE_MENU, unsafe_allow_javascript=True)
