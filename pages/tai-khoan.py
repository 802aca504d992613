"""Tài khoản của tôi: who I am, my roles, my logins, and changing my own password."""

import streamlit as st

from lib import ui
from lib.access import sessions, users
from lib.access.permissions import can_manage_own_account
from lib.core.text import literal
from lib.ui import auth

user = ui.require(can_manage_own_account)
con = ui.connection()

st.title("Tài khoản của tôi")
st.markdown(
    f"**{literal(user.name)}** · {literal(user.username)}  \n{users.role_labels(user.roles)}"
)
ui.show_saved("account_flash")

with st.form("doi_mat_khau", clear_on_submit=True):
    st.subheader("Đổi mật khẩu")
    current = st.text_input("Mật khẩu hiện tại", type="password")
    new = st.text_input("Mật khẩu mới", type="password", help="Ít nhất 8 ký tự, tối đa 72 byte")
    confirm = st.text_input("Nhập lại mật khẩu mới", type="password")
    if st.form_submit_button("Đổi mật khẩu", type="primary"):
        with ui.errors_shown():
            users.change_own_password(
                con, user.username, current, new, confirm, session=auth.session_hash()
            )
            ui.saved(
                "account_flash",
                "Đã đổi mật khẩu. Các nơi khác đang đăng nhập tài khoản này đã bị đăng xuất.",
            )

st.subheader("Đăng nhập đang mở")
logins = sessions.live(con, user.username)
st.caption(
    f"Tài khoản đang đăng nhập ở {ui.count_text(len(logins))} nơi (trình duyệt, máy tính). "
    "Mất máy hoặc quên đăng xuất ở máy dùng chung: bấm «Đăng xuất mọi nơi», rồi đổi mật khẩu."
)
if st.button("Đăng xuất mọi nơi", key="dang_xuat_moi_noi", help="Kể cả trình duyệt này"):
    users.log_out_everywhere(con, user.username, user.username)
    auth.forget_login()
    st.rerun()
