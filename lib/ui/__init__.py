"""Streamlit glue: the process-wide database, the login widget, the current user, shared widgets."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn
from urllib.parse import urlsplit

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit_authenticator.controllers import AuthenticationController
from streamlit_authenticator.utilities.exceptions import LoginError

from lib import demo
from lib.access import sessions, users
from lib.access.permissions import User
from lib.core import db
from lib.core.errors import Invalid
from lib.core.numbers import format_number
from lib.core.text import literal
from lib.ui import downloads

AUTH_KEYS = ("authentication_status", "username")
COOKIE = "thidua_dang_nhap"
SESSION = "login_session"  # the hash of this login's session id (a row in sessions)
PENDING_COOKIE = "login_cookie_to_store"  # the signed cookie this session's browser is given


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


def requested_page() -> str:
    """The page address this run was opened at ("phieu-cham"; "" at the app's root)."""
    url = st.context.url
    return PurePosixPath(urlsplit(url).path).name if isinstance(url, str) else ""


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


LOGIN_FORM = "dang_nhap"
TYPED_NAME = "dang_nhap_ten"
TYPED_PASSWORD = "dang_nhap_mat_khau"
LOGIN_MESSAGE = "login_message"  # what the last try says (wrong password, wait N minutes)
LOGGED_OUT = "logged_out"  # this browser logged out: its cookie is removed on the login page
LOGOUT_BUTTON = "nut_dang_xuat"
_LOGIN_COLUMNS = [1, 2, 1]  # the login form in the middle
_CHECKED = threading.local()  # the user app.py checked in this script run, for the page


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


# The browser tab's icon, served by the app itself: a material icon there makes every browser
# fetch it from fonts.gstatic.com, a third party that an offline school network cannot reach.
ICON = str(Path(__file__).with_name("icon.png"))


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
