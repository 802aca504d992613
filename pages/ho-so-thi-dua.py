"""Hồ sơ thi đua: a person's titles, SKKN recognitions and medal over the years."""

import streamlit as st

from lib import ui
from lib.access.permissions import can_manage_titles, can_view_dossier
from lib.core.text import literal
from lib.titles import dossier as D

user = ui.require(can_view_dossier)
con = ui.connection()

st.title("Hồ sơ thi đua")
person_id = user.person_id
admin = can_manage_titles(user)
if admin and st.radio("Xem hồ sơ", ["Cá nhân", "Tập thể (tổ)"], horizontal=True,
                      key="hstd_loai") == "Tập thể (tổ)":  # fmt: skip
    groups = D.group_choices(con)
    if not groups:
        st.info("Chưa có tổ nào.")
        st.stop()
    group = st.selectbox("Tổ", groups, key="hstd_to")
    st.subheader(literal(group))
    st.markdown("**Danh hiệu tập thể** (kết quả biểu quyết từng năm học)")
    titles = D.group_titles(con, group)
    if titles.empty:
        st.info("Tổ này chưa có danh hiệu tập thể nào được biểu quyết.")
    else:
        ui.dataframe(titles, hide_index=True, width="stretch")
    st.stop()
if admin:
    choices = D.people_choices(con)
    if not choices:
        st.info("Chưa có cán bộ nào trong danh sách.")
        st.stop()
    start = list(choices).index(person_id) if person_id in choices else 0
    person_id = st.selectbox(
        "Cán bộ", list(choices), index=start, format_func=choices.get, key="hstd_nguoi"
    )
if not can_view_dossier(user, person_id):
    st.error("Chỉ xem được hồ sơ thi đua của mình.")
    st.stop()

record = D.dossier(con, person_id)
st.subheader(literal(record.name))
if record.group:
    st.caption(literal(record.group))
st.markdown("**Danh hiệu thi đua** (kết quả biểu quyết từng năm học)")
if record.titles.empty:
    st.info("Chưa có danh hiệu nào được biểu quyết.")
else:
    ui.dataframe(record.titles, hide_index=True, width="stretch")
st.markdown("**Danh hiệu tập thể của tổ**")
if record.groups.empty:
    st.info("Tổ chưa có danh hiệu tập thể nào được biểu quyết.")
else:
    ui.dataframe(record.groups, hide_index=True, width="stretch")
st.markdown("**Sáng kiến kinh nghiệm được công nhận**")
if record.skkn.empty:
    st.info("Chưa có SKKN nào được công nhận (sau khi đợt chấm công bố và lập quyết định).")
else:
    ui.dataframe(record.skkn, hide_index=True, width="stretch")
st.markdown("**Kỷ niệm chương**")
st.write(record.medal or "Chưa nhận Kỷ niệm chương “Vì sự nghiệp giáo dục”.")
