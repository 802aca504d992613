"""The login: its form and the check behind it, the browser's cookie, this session's login state."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit_authenticator.controllers import AuthenticationController
from streamlit_authenticator.utilities.exceptions import LoginError

from lib.access import sessions, users
from lib.core import db
from lib.core.errors import Invalid
from lib.ui.context import ForeignOrigin, check_origin, client, connection, cookie_key

AUTH_KEYS = ("authentication_status", "username")
COOKIE = "thidua_dang_nhap"
SESSION = "login_session"  # the hash of this login's session id (a row in sessions)
PENDING_COOKIE = "login_cookie_to_store"  # the signed cookie this session's browser is given
LOGIN_FORM = "dang_nhap"
TYPED_NAME = "dang_nhap_ten"
TYPED_PASSWORD = "dang_nhap_mat_khau"
LOGIN_MESSAGE = "login_message"  # what the last try says (wrong password, wait N minutes)
LOGGED_OUT = "logged_out"  # this browser logged out: its cookie is removed on the login page
LOGOUT_BUTTON = "nut_dang_xuat"
_LOGIN_COLUMNS = [1, 2, 1]  # the login form in the middle


def _authenticator(con: db.Connection, account: str) -> AuthenticationController:
    """streamlit-authenticator's login over the one account typed, with our password check."""
    # Its controller sets the session's login state the library's way; the check is ours:
    # throttled, constant time for unknown names, NFC passwords, audited (users.authenticate).
    # Its view (Authenticate.login) is not used: its cookie component costs a second run.
    controller = AuthenticationController(users.credentials(con, account), auto_hash=False)

    def check_credentials(username: str, password: str) -> bool:
        try:
            users.authenticate(con, username, password, client())
        except Invalid as exc:
            if exc.errors["login"] != users.LOGIN_FAILED:
                raise  # a wait, not a wrong password
            return False
        return True

    controller.authentication_model.check_credentials = check_credentials  # type: ignore[method-assign]
    return controller


def _log_in() -> None:
    # The form's callback: it runs before the script does, so a right password draws the first
    # page in this very run (no rerun, no sleep), with the cookie stored at its top.
    state = st.session_state
    typed, password = state.get(TYPED_NAME) or "", state.get(TYPED_PASSWORD) or ""
    state[TYPED_PASSWORD] = ""  # the password stays nowhere, whatever the outcome
    state.pop(LOGIN_MESSAGE, None)
    try:
        check_origin()  # app.py refuses such a run too; check no password for it meanwhile
        key = cookie_key()
        con = connection()
    except (ForeignOrigin, sessions.KeyProblem, db.DatabaseLocked):
        return  # app.py shows why in this run
    _draw_login_page_top()  # the browser draws it while bcrypt checks the password
    try:
        if not _authenticator(con, users.username_key(typed)).login(
            users.username_key(typed), password
        ):
            state[LOGIN_MESSAGE] = users.LOGIN_FAILED
            return
        username = str(state["username"])
    except Invalid as exc:  # too many failures: wait
        state["authentication_status"] = False
        state[LOGIN_MESSAGE] = exc.errors["login"]
        return
    except (LoginError, ValueError):  # the library or bcrypt refusing what it was given
        forget_login()
        state[LOGIN_MESSAGE] = "Không đăng nhập được. Hãy nhập lại tên đăng nhập và mật khẩu."
        return
    session_id = sessions.start(con, username, client())
    state[SESSION] = sessions.id_hash(session_id)
    state[PENDING_COOKIE] = sessions.encode(session_id, key)
    state.pop(LOGGED_OUT, None)


def login_form() -> None:
    """The login form; a right password opens the first page in the run its button starts."""
    with st.form(LOGIN_FORM):
        st.subheader("Đăng nhập")
        st.text_input("Tên đăng nhập", key=TYPED_NAME, autocomplete="off")
        st.text_input("Mật khẩu", type="password", key=TYPED_PASSWORD, autocomplete="off")
        st.form_submit_button("Đăng nhập", on_click=_log_in)
    message = st.session_state.get(LOGIN_MESSAGE)
    if message:
        st.error(message)


def login_from_cookie(con: db.Connection, key: str) -> None:
    """Resume the live login whose id the browser's cookie carries (read from the request)."""
    state = st.session_state
    if state.get("authentication_status") or state.get(LOGGED_OUT):
        return  # logged in already, or logged out in this tab (the old cookie is going away)
    session_id = sessions.decode(st.context.cookies.get(COOKIE), key)
    if session_id is None:
        return
    hashed = sessions.id_hash(session_id)
    username = sessions.user_of(con, hashed)
    if username is None:
        return
    state["authentication_status"] = True
    state["username"] = username
    state[SESSION] = hashed


def _log_out() -> None:
    # The button's callback: the login ends on the server before the run draws the login form.
    with suppress(db.DatabaseLocked):
        sessions.end(connection(), st.session_state.get(SESSION))
    # The library clears its login state (name, username, roles…); forget_login clears ours.
    AuthenticationController({"usernames": {}}, auto_hash=False).logout()
    forget_login()
    st.session_state[LOGGED_OUT] = True
    st.session_state[LOGIN_MESSAGE] = None


def logout_button() -> None:
    """The logout button (it ends this login on the server and removes the browser's cookie)."""
    st.button("Đăng xuất", key=LOGOUT_BUTTON, on_click=_log_out)


def _secure() -> bool:
    url = st.context.url
    return st.context.headers.get("X-Forwarded-Proto") == "https" or (
        isinstance(url, str) and url.startswith("https:")
    )


_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{1,4096}$")
_CHUNK = re.compile(r"^[A-Za-z0-9_.-]+\.js$")
_STYLE = re.compile(r"^[A-Za-z0-9_.-]+\.css$")
_BOX = "thidua_cookie"  # the hidden box of the page's scripts (and the login run's specimens)
# Out of the page's flow and invisible (not read aloud, not focusable), yet laid out: Vega draws
# nothing into a box of no width. The same for the login page's columns once the form has gone
# from them (the run of a right password), so the first page starts at the top. One rule each:
# a browser without :has() drops only the rules that use it.
_HIDE_BOX = (
    "<style>"
    + "".join(
        f"{selector} {{position: absolute; top: 0; left: -200vw; width: 30rem; "
        "visibility: hidden; pointer-events: none;}"
        for selector in (
            f".st-key-{_BOX}",
            f'[data-testid="stLayoutWrapper"]:has(> .st-key-{_BOX})',
            f'[data-testid="stLayoutWrapper"]:has(.st-key-{_BOX}):not(:has([data-testid="stForm"]))',
        )
    )
    + "</style>"
)


def _page_link_specimen() -> None:
    url = st.context.url  # a page link needs a page of this run's menu, or an address
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        st.page_link(url, label="·")


# The kinds of element the first pages after login draw (the menu, the overview's metrics,
# tables and chart, an examiner's list), by the name of the code Streamlit loads for each, with
# a hidden specimen of each. The browser fetches a kind's code the first time a page draws one,
# and React shows the first element of each kind on a page as a grey placeholder, then reveals
# them together, held back 150-300 ms (measured after login: 24 placeholders). So the login
# page has the code fetched while a person types, and the run of the login button draws one
# specimen of each kind before the password check: the browser draws them while bcrypt runs.
_FIRST_PAGE_KINDS: dict[str, Callable[[], object]] = {
    "Html": lambda: st.html(_HIDE_BOX),
    "PageLink": _page_link_specimen,
    "Button": lambda: st.button("·", key="thidua_mau_nut", disabled=True),
    "Selectbox": lambda: st.selectbox("·", ["·"], key="thidua_mau_chon", disabled=True),
    "Metric": lambda: st.metric("·", 0),
    "Progress": lambda: st.progress(0),
    "DataFrame": lambda: st.dataframe({"·": [0]}),
    "ArrowVegaLiteChart": lambda: st.vega_lite_chart(
        {
            "mark": "bar",
            "data": {"values": [{"a": 1}]},
            "encoding": {"x": {"field": "a", "type": "quantitative"}},
        }
    ),
}


@functools.cache
def _preload() -> str:
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    names = sorted(
        path.name
        for kind in _FIRST_PAGE_KINDS
        for path in folder.glob(f"{kind}.*.js")
        if _CHUNK.match(path.name)
    )  # none found (another Streamlit layout): nothing is fetched early, nothing breaks
    imports = "".join(f"import({json.dumps('./static/js/' + n)}).catch(() => {{}});" for n in names)
    # A kind's stylesheet too (the table's): the browser fetched it only once the first page's
    # table had arrived, and drew the table after it; a stylesheet already in the page is not
    # fetched again.
    styles = sorted(
        path.name
        for kind in _FIRST_PAGE_KINDS
        for path in (folder.parent / "css").glob(f"{kind}.*.css")
        if _STYLE.match(path.name)
    )
    imports += "".join(
        "document.head.appendChild(Object.assign(document.createElement('link'), "
        f"{{rel: 'stylesheet', href: {json.dumps('./static/css/' + n)}}}));"
        for n in styles
    )
    # Once the login form is drawn and the browser has nothing else to do: never before it.
    return f"(window.requestIdleCallback || setTimeout)(() => {{{imports}}}, {{timeout: 3000}});"


_RUN = threading.local()  # what the login button's callback drew at the top of this run's page


@dataclass
class _LoginDrawn:
    cursors: object  # the run's cursors: ScriptRunContext.reset makes a new dict for every run
    middle: DeltaGenerator  # the login page's middle column
    box: DeltaGenerator | None  # the hidden box, until cookie_script writes into it


def _drawn_in_this_run() -> _LoginDrawn | None:
    drawn = getattr(_RUN, "login", None)
    ctx = get_script_run_ctx()
    # One from an earlier run (cut short by a rerun) is never written to.
    return drawn if drawn is not None and ctx is not None and drawn.cursors is ctx.cursors else None


def login_column() -> DeltaGenerator:
    """Where the login page draws: one block in the middle column, of the columns the login
    button's callback opened in this run if it did (the form stays while bcrypt runs)."""
    drawn = _drawn_in_this_run()
    return (drawn.middle if drawn else st.columns(_LOGIN_COLUMNS)[1]).container()


def _draw_login_page_top() -> None:
    # The callback runs before app.py, so what it draws comes first on the page: the login
    # page's columns (the form is drawn into the same middle column after, and stays on screen
    # meanwhile), and in the empty left one the first pages' specimens (_FIRST_PAGE_KINDS).
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    left, middle, _ = st.columns(_LOGIN_COLUMNS)
    box = left.container(key=_BOX)
    _RUN.login = _LoginDrawn(ctx.cursors, middle, box)
    with box:
        for specimen in _FIRST_PAGE_KINDS.values():
            specimen()


def cookie_script() -> None:
    """Store this login's cookie in the browser at once (or remove it after a logout).

    A script in the page itself: app.py draws it at the top of every logged-in run, so it sets
    document.cookie as the first page arrives and a reload right after login finds the cookie
    (the cookie component it replaces loaded an iframe and stored it only in the runs after the
    first page). Logged out, it is written after the form, so the browser already has the code
    that runs it (and the first page's other element kinds) when the login button is clicked."""
    token = st.session_state.get(PENDING_COOKIE)
    script = ""
    if token and _TOKEN.match(token):
        value = f"{COOKIE}={token}; Path=/; Max-Age={int(sessions.LIFETIME.total_seconds())}"
    elif st.session_state.get(LOGGED_OUT):
        value = f"{COOKIE}=; Path=/; Max-Age=0"
    else:
        value = ""
    if value:
        value += "; SameSite=Strict" + ("; Secure" if _secure() else "")
        script = f"document.cookie = {json.dumps(value)};"
    if not st.session_state.get("authentication_status"):
        script += _preload()
    drawn = _drawn_in_this_run()
    if drawn and st.session_state.get("authentication_status"):
        drawn.middle.empty()  # a right password: the form goes as the first page comes
    if drawn and drawn.box is not None:
        box, style, drawn.box = drawn.box, "", None  # the login run's box, hidden already
    elif script:
        box, style = st.container(key=_BOX), _HIDE_BOX
    else:
        return
    box.html(f"{style}<script>{script}</script>", unsafe_allow_javascript=True)


def session_hash() -> str | None:
    """The hash of this browser session's login id (to keep it when ending the others)."""
    return st.session_state.get(SESSION)


def forget_login() -> None:
    """Clear the login from this session (ended elsewhere, expired, or the account disabled)."""
    for key in AUTH_KEYS:
        st.session_state[key] = None
    st.session_state.pop(SESSION, None)
    st.session_state.pop(PENDING_COOKIE, None)
