"""Streamlit glue: the process-wide database, the login widget, the current user, shared widgets."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import NoReturn
from urllib.parse import urlsplit

import streamlit as st
import streamlit_authenticator as stauth
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit_authenticator.utilities.exceptions import LoginError

from lib import demo
from lib.access import sessions, users
from lib.access.permissions import User
from lib.core import db
from lib.core.errors import Invalid
from lib.core.numbers import format_number
from lib.core.text import literal

LOGIN_FIELDS = {
    "Form name": "Đăng nhập",
    "Username": "Tên đăng nhập",
    "Password": "Mật khẩu",
    "Login": "Đăng nhập",
}
AUTH_KEYS = ("authentication_status", "username", "name", "email", "roles")
COOKIE = "thidua_dang_nhap"
SESSION = "login_session"  # the hash of this login's session id (a row in sessions)
PENDING_COOKIE = "login_cookie_to_store"


@st.cache_resource(show_spinner=False)
def _database(path: str) -> db.Connection:
    # One DuckDB database per process; sessions get their own cursor from it.
    con = db.connect(path)
    sessions.purge(con)  # logins that ended by time while the app was stopped
    if demo.should_autoload(con):
        demo.load_demo(con)
    return con


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


class LoginRefused(LoginError):
    """Too many failed logins: the message says how long to wait."""


class _ServerSessionCookie:
    """The authenticator's cookie handling, with every login a row in the sessions table."""

    def __init__(self, con: db.Connection, key: str, manager: object) -> None:
        self.con, self.key, self.manager = con, key, manager

    def get_cookie(self) -> dict | None:
        """The account of a live login whose id the browser's cookie carries, else None."""
        session_id = sessions.decode(st.context.cookies.get(COOKIE), self.key)
        if session_id is None:
            return None
        hashed = sessions.id_hash(session_id)
        username = sessions.user_of(self.con, hashed)
        if username is None:
            return None
        st.session_state[SESSION] = hashed
        return {"username": username}

    def set_cookie(self) -> None:
        """Open a login for the user just checked; its cookie is stored by keep_login()."""
        session_id = sessions.start(self.con, st.session_state["username"], client())
        st.session_state[SESSION] = sessions.id_hash(session_id)
        st.session_state[PENDING_COOKIE] = sessions.encode(session_id, self.key)

    def delete_cookie(self) -> None:
        """End this login on the server, then remove the cookie from the browser."""
        sessions.end(self.con, st.session_state.pop(SESSION, None))
        st.session_state.pop(PENDING_COOKIE, None)
        # KeyError: the component had not reported the cookie yet; the delete still runs.
        with suppress(KeyError):
            self.manager.delete(COOKIE, key="xoa_cookie_dang_nhap")  # type: ignore[attr-defined]


def authenticator(con: db.Connection, key: str) -> stauth.Authenticate:
    """The login widget over the accounts in the database, with server-side sessions."""
    auth = stauth.Authenticate(
        users.credentials(con),
        cookie_name=COOKIE,
        cookie_key=key,
        cookie_expiry_days=sessions.LIFETIME.days,
        auto_hash=False,
        # The library reads the cookie from the request headers: waiting for it gains nothing.
        login_sleep_time=0,
    )
    manager = auth.cookie_controller.cookie_model.cookie_manager
    auth.cookie_controller = _ServerSessionCookie(con, key, manager)  # type: ignore[assignment]

    def check_credentials(username: str, password: str) -> bool:
        # Our check: throttled, constant time for unknown names, NFC passwords, audited.
        try:
            users.authenticate(con, username, password, client())
        except Invalid as exc:
            if exc.errors["login"] != users.LOGIN_FAILED:
                raise LoginRefused(exc.errors["login"]) from exc
            return False
        return True

    model = auth.authentication_controller.authentication_model
    model.check_credentials = check_credentials  # type: ignore[method-assign]
    return auth


def keep_login(auth: stauth.Authenticate) -> None:
    """Store a new login's cookie in the browser: the component runs until it reports done."""
    token = st.session_state.get(PENDING_COOKIE)
    if not token:
        return
    manager = auth.cookie_controller.manager  # type: ignore[attr-defined]
    url = st.context.url
    secure = st.context.headers.get("X-Forwarded-Proto") == "https" or (
        isinstance(url, str) and url.startswith("https:")
    )
    # Drawn on every run (not once, then a sleep) until the browser says the cookie is set:
    # a rerun right after login would otherwise remove the component before it acts.
    done = manager.set(
        COOKIE,
        token,
        key=f"luu_dang_nhap_{sessions.id_hash(token)[:12]}",
        expires_at=datetime.now() + sessions.LIFETIME,
        same_site="strict",
        secure=secure or None,
    )
    if done:
        st.session_state.pop(PENDING_COOKIE, None)


def session_hash() -> str | None:
    """The hash of this browser session's login id (to keep it when ending the others)."""
    return st.session_state.get(SESSION)


def forget_login() -> None:
    """Clear the login from this session (ended elsewhere, expired, or the account disabled)."""
    for key in AUTH_KEYS:
        st.session_state[key] = None
    st.session_state.pop(SESSION, None)
    st.session_state.pop(PENDING_COOKIE, None)


def current_user(con: db.Connection) -> User | None:
    """The user of this session's live server-side login (checked on every run), or None."""
    if not st.session_state.get("authentication_status"):
        return None
    username = sessions.user_of(con, st.session_state.get(SESSION))
    user = users.get_user(con, username) if username == st.session_state.get("username") else None
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
