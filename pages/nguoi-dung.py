"""Người dùng: list accounts, add one, change roles, reset a password, log out, disable, enable."""

import streamlit as st

from lib import ui
from lib.access import sessions, users
from lib.access.permissions import ROLES, can_manage_users
from lib.core.errors import Invalid
from lib.core.text import literal

admin = ui.require(can_manage_users)
con = ui.connection()

st.title("Người dùng")
ui.show_saved("users_flash")

df = users.list_users(con)
table = df.assign(
    roles=df["roles"].map(users.role_labels),
    active=df["active"].map({True: "Hoạt động", False: "Đã khóa"}),
    has_password=df["has_password"].map({True: "Có", False: "Chưa đặt"}),
)
ui.dataframe(
    table[["username", "full_name", "position", "group_name", "roles", "active", "has_password"]],
    hide_index=True,
    width="stretch",
    column_config={
        "username": "Tên đăng nhập",
        "full_name": "Họ và tên",
        "position": "Chức vụ",
        "group_name": "Tổ",
        "roles": "Vai trò",
        "active": "Trạng thái",
        "has_password": "Mật khẩu",
    },
)


def done(message: str) -> None:
    ui.saved("users_flash", message)


add_tab, edit_tab = st.tabs(["Thêm tài khoản", "Sửa tài khoản"])

# A new, empty form after each account added (the password not left in it, a second click not
# refused as a duplicate); a refused one keeps what was typed.
gen = st.session_state.setdefault("them_tk_gen", 0)
with add_tab, st.form(f"them_tai_khoan_{gen}", clear_on_submit=False):
    left, right = st.columns(2)
    username = left.text_input("Tên đăng nhập", help="Chữ thường không dấu, số, dấu chấm",
                               key=f"them_tk_ten_{gen}")  # fmt: skip
    full_name = right.text_input("Họ và tên", key=f"them_tk_ho_ten_{gen}")
    position = left.text_input("Chức vụ", key=f"them_tk_chuc_vu_{gen}")
    group_name = right.text_input("Tổ", key=f"them_tk_to_{gen}")
    email = left.text_input("Email", key=f"them_tk_email_{gen}")
    roles = right.multiselect(
        "Vai trò", list(ROLES), format_func=ROLES.get, placeholder="Chọn vai trò",
        key=f"them_tk_vai_tro_{gen}",
    )  # fmt: skip
    password = left.text_input("Mật khẩu", type="password", key=f"them_tk_mk_{gen}")
    confirm = right.text_input("Nhập lại mật khẩu", type="password", key=f"them_tk_mk2_{gen}")
    if st.form_submit_button("Thêm tài khoản", type="primary"):
        with ui.errors_shown():
            new = users.check_new_user(
                con, username, full_name, roles, password,
                position=position, group_name=group_name, email=email,
            )  # fmt: skip
            if password != confirm:
                raise Invalid({"confirm": "Hai lần nhập mật khẩu không khớp."})
            users.add_user(con, new, admin.username)
            st.session_state["them_tk_gen"] = gen + 1
            done(f"Đã thêm tài khoản {literal(new.username)}.")

with edit_tab:
    if df.empty:
        st.info("Chưa có tài khoản nào.")
    else:
        names = dict(zip(df["username"], df["full_name"], strict=True))
        chosen = st.selectbox(
            "Tài khoản", list(names), format_func=lambda u: f"{names[u]} ({u})", key="sua_tk"
        )
        row = df[df["username"] == chosen].iloc[0]
        current_roles = [r for r in row["roles"].split(",") if r]

        with st.form("doi_vai_tro"):
            new_roles = st.multiselect(
                "Vai trò",
                list(ROLES),
                default=current_roles,
                format_func=ROLES.get,
                placeholder="Chọn vai trò",
            )
            if st.form_submit_button("Lưu vai trò"):
                with ui.errors_shown():
                    users.set_roles(con, chosen, new_roles, admin.username)
                    done(f"Đã cập nhật vai trò của {literal(chosen)}.")

        with st.form("dat_lai_mat_khau", clear_on_submit=True):
            st.markdown("**Đặt lại mật khẩu**")
            new_password = st.text_input("Mật khẩu mới", type="password")
            again = st.text_input("Nhập lại mật khẩu mới", type="password")
            if st.form_submit_button("Đặt lại mật khẩu"):
                with ui.errors_shown():
                    if new_password != again:
                        raise Invalid({"confirm": "Hai lần nhập mật khẩu không khớp."})
                    users.set_password(con, chosen, new_password, admin.username)
                    done(f"Đã đặt lại mật khẩu của {literal(chosen)}.")

        logins = sessions.live(con, chosen)
        st.markdown(f"**Đăng nhập đang mở:** {ui.count_text(len(logins))}")
        if st.button("Đăng xuất mọi nơi", key="dang_xuat_tk", disabled=logins.empty):
            ended = users.log_out_everywhere(con, chosen, admin.username)
            done(f"Đã đăng xuất {chosen} ở {ended} nơi.")

        if row["active"]:
            if st.button("Khóa tài khoản", key="khoa_tk", type="secondary"):
                with ui.errors_shown():
                    users.set_active(con, chosen, False, admin.username)
                    done(f"Đã khóa tài khoản {literal(chosen)}.")
        elif st.button("Mở khóa tài khoản", key="mo_khoa_tk"):
            users.set_active(con, chosen, True, admin.username)
            done(f"Đã mở khóa tài khoản {literal(chosen)}.")
