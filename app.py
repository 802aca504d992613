"""Entry point: page config, login, and the role-filtered navigation, built on every run."""

import logging

import streamlit as st

from lib import demo, ui
from lib.access.navigation import PAGES, default_for, pages_for
from lib.access.sessions import KeyProblem
from lib.access.users import role_labels
from lib.core import db
from lib.core.text import literal
from lib.ui import auth

st.set_page_config(
    page_title="Thi đua – Khen thưởng",
    page_icon=ui.ICON,
    layout="wide",
)


def database_error_page() -> None:
    # Anyone can open this page: the file path, the interpreter and the PID of the process that
    # holds the lock go to the server's log only.
    st.title("Không mở được cơ sở dữ liệu")
    st.error(
        "Cơ sở dữ liệu đang được một tiến trình khác sử dụng nên ứng dụng chưa mở được. "
        "Hãy thử lại sau ít phút hoặc báo người quản trị (chi tiết đã ghi vào nhật ký máy chủ)."
    )


def refused_page() -> None:
    st.title("Không mở được ứng dụng")
    st.error(st.session_state.get("_refused", ""))


def login_page() -> None:
    con = ui.connection()
    with auth.login_column():
        st.title("Thi đua – Khen thưởng")
        st.caption("Hội đồng thi đua – khen thưởng và Hội đồng chấm sáng kiến kinh nghiệm")
        if st.session_state.get(auth.LOGGED_OUT) and not st.session_state.get(auth.LOGIN_MESSAGE):
            st.success("Đã đăng xuất.")
        auth.login_form()
        if not con.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            st.info(
                "Chưa có tài khoản nào. Tạo tài khoản quản trị bằng lệnh: "
                "`python -m lib.cli user add TEN --name 'Họ và tên' --role admin`"
            )
        accounts = demo.demo_accounts(con)
        if accounts:
            # One markdown table, not an expander with st.table: the browser draws every
            # element of the page a person waits on (measured: usable ~50-80 ms sooner).
            rows = "".join(
                f"| {literal(name)} | {literal(full)} | {literal(roles)} |\n"
                for name, full, roles in accounts
            )
            st.markdown(
                f"**Tài khoản dùng thử (dữ liệu mẫu)** · mật khẩu chung `{demo.DEMO_PASSWORD}`"
                f"\n\n| Tên đăng nhập | Họ và tên | Vai trò |\n|---|---|---|\n{rows}"
            )


# An address no page has (a mistyped bookmark): the first page, and a word in Vietnamese.
unknown = ui.unknown_address()

try:
    ui.check_origin()
    cookie_key = ui.cookie_key()
except (ui.ForeignOrigin, KeyProblem) as exc:
    # Nothing of the app for a page of another origin, nor without a usable signing key.
    st.session_state["_refused"] = str(exc)
    st.navigation([st.Page(refused_page, title="Lỗi")], position="hidden").run()
    st.stop()

try:
    con = ui.connection()
except db.DatabaseLocked as exc:
    logging.getLogger("thidua").error("Không mở được cơ sở dữ liệu: %s", exc)
    # st.navigation must still run, or Streamlit would serve every file in pages/.
    st.navigation([st.Page(database_error_page, title="Lỗi")], position="hidden").run()
    st.stop()

auth.login_from_cookie(con, cookie_key)
user = ui.current_user(con)


def forbidden_page() -> None:
    st.error("Bạn không có quyền mở trang này.")


if user is None:
    # Every page address shows the login form (never the page), and keeps the address so a
    # login (or the login cookie) lands on the page that was asked for, in the same run.
    page = st.navigation(
        [st.Page(login_page, title="Đăng nhập", icon=":material/login:", default=True)]
        + [st.Page(login_page, title="Đăng nhập", url_path=spec.url_path) for spec in PAGES],
        position="hidden",
    )
else:
    specs = pages_for(user)
    landing = default_for(user, ui.requested_page())
    pages = [
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                default=spec == landing)
        for spec in specs
    ]  # fmt: skip
    # Our own menu: config hides Streamlit's, which would otherwise list pages/ to visitors.
    refused = [
        st.Page(forbidden_page, title="Không có quyền", url_path=spec.url_path)
        for spec in PAGES
        if spec not in specs
    ]
    page = st.navigation(pages + refused, position="hidden")
    auth.cookie_script()  # first thing on the first page: a reload right after login stays in
    with st.sidebar:
        st.markdown(f"**{literal(user.name)}**  \n{role_labels(user.roles)}")
        section = None
        for spec, target in zip(specs, pages, strict=True):
            if spec.section != section:
                section = spec.section
                st.caption(section)
            st.page_link(target, label=spec.title, icon=spec.icon)
        ui.page_scripts()
        st.divider()
        auth.logout_button()

if unknown:
    st.toast(f"Không có trang «{literal(unknown)}». Đã mở trang đầu.", icon=":material/link_off:")
with ui.checked(user):
    page.run()
if user is None:
    auth.cookie_script()  # after the form: removes the cookie after a logout, fetches code early
ui.warm_up()  # after the page is drawn: the pages' imports, while the first visitor types
