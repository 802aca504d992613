"""Tài khoản của tôi: who I am, my roles, and changing my own password."""

import streamlit as st

from lib import ui
from lib.access import users
from lib.access.permissions import can_manage_own_account
from lib.core.text import literal

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
            users.change_own_password(con, user.username, current, new, confirm)
            ui.saved("account_flash", "Đã đổi mật khẩu. Lần đăng nhập sau hãy dùng mật khẩu mới.")
