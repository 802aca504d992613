"""Thông tin đơn vị: the school's name, governing body, place, code and head for every document."""

import streamlit as st

from lib import ui
from lib.access.permissions import can_manage_organization
from lib.documents import organization

user = ui.require(can_manage_organization)
con = ui.connection()

st.title("Thông tin đơn vị")
st.caption(
    "Tiêu đề, số văn bản, địa danh và người ký của mọi văn bản (biên bản, quyết định, phiếu chấm, "
    "bảng Excel) lấy từ đây, không lấy từ kế hoạch nhập gần nhất. Cơ quan chủ quản ghi đúng như "
    "hiện hành (Hà Nội sắp xếp lại cấp huyện từ 01/7/2025)."
)
ui.show_saved("org_flash")
org = organization.get(con)
missing = org.missing()
if missing:
    st.warning("Chưa khai báo: " + ", ".join(missing) + ". Chưa lập được văn bản.")

with st.form("thong_tin_don_vi"):
    values = {
        name: st.text_input(label + (" *" if required else ""), value=getattr(org, name),
                            key=f"org_{name}")
        for name, (label, required) in organization.FIELDS.items()
    }  # fmt: skip
    if st.form_submit_button("Lưu", type="primary"):
        with ui.errors_shown():
            organization.update(con, user.username, **values)
            ui.saved("org_flash", "Đã lưu Thông tin đơn vị.")
