"""Entry point: page config, login, and the role-filtered navigation, built on every run."""

import time

import streamlit as st
from streamlit_authenticator.utilities.exceptions import LoginError

from lib import demo, ui
from lib.access.navigation import PAGES, landing_for, pages_for
from lib.access.users import role_labels
from lib.core import db

st.set_page_config(
    page_title="Thi đua – Khen thưởng",
    page_icon=":material/military_tech:",
    layout="wide",
)


def database_error_page() -> None:
    st.title("Không mở được cơ sở dữ liệu")
    st.error(st.session_state.get("_db_error", ""))


def login_page() -> None:
    con = ui.connection()
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Thi đua – Khen thưởng")
        st.caption("Hội đồng thi đua – khen thưởng và Hội đồng chấm sáng kiến kinh nghiệm")
        try:
            auth.login(location="main", fields=ui.LOGIN_FIELDS, key="dang_nhap")
        except (LoginError, ValueError):
            ui.forget_login()
            st.error("Không đăng nhập được bằng phiên cũ. Hãy nhập lại tên đăng nhập và mật khẩu.")
        status = st.session_state.get("authentication_status")
        if status:
            # Give the cookie component a moment to store the login before the page changes.
            st.success("Đăng nhập thành công.")
            time.sleep(0.6)
            st.rerun()
        elif status is False:
            st.error("Sai tên đăng nhập hoặc mật khẩu.")
        if not con.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            st.info(
                "Chưa có tài khoản nào. Tạo tài khoản quản trị bằng lệnh: "
                "`python -m lib.cli user add TEN --name 'Họ và tên' --role admin`"
            )
        accounts = demo.demo_accounts(con)
        if accounts:
            with st.expander("Tài khoản dùng thử (dữ liệu mẫu)", expanded=True):
                st.caption(f"Mật khẩu chung: `{demo.DEMO_PASSWORD}`")
                st.table(
                    {
                        "Tên đăng nhập": [a[0] for a in accounts],
                        "Họ và tên": [a[1] for a in accounts],
                        "Vai trò": [a[2] for a in accounts],
                    }
                )


try:
    con = ui.connection()
except db.DatabaseLocked as exc:
    # st.navigation must still run, or Streamlit would serve every file in pages/.
    st.session_state["_db_error"] = str(exc)
    st.navigation([st.Page(database_error_page, title="Lỗi")], position="hidden").run()
    st.stop()

auth = ui.authenticator(con)
user = ui.current_user(con)


def forbidden_page() -> None:
    st.error("Bạn không có quyền mở trang này.")


if user is None:
    # Every page address shows the login form (never the page), and keeps the address so a
    # login (or the login cookie, read on the next run) lands on the page that was asked for.
    page = st.navigation(
        [st.Page(login_page, title="Đăng nhập", icon=":material/login:", default=True)]
        + [st.Page(login_page, title="Đăng nhập", url_path=spec.url_path) for spec in PAGES],
        position="hidden",
    )
else:
    specs = pages_for(user)
    landing = landing_for(user)
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
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{role_labels(user.roles)}")
        section = None
        for spec, target in zip(specs, pages, strict=True):
            if spec.section != section:
                section = spec.section
                st.caption(section)
            st.page_link(target, label=spec.title, icon=spec.icon)
        ui.close_menu_on_choice()
        st.divider()
        auth.logout(button_name="Đăng xuất", location="sidebar", key="nut_dang_xuat")
    if not st.session_state.get("authentication_status"):
        # The login cookie is deleted by a browser component drawn in this very run; a rerun now
        # could drop it before it acts. So finish this run with a goodbye instead of the page.
        st.success("Đã đăng xuất.")
        st.button("Đăng nhập lại", type="primary")  # any click reruns into the login page
        st.stop()

page.run()
