"""Hồ sơ thi đua: a person's titles, SKKN recognitions and medal over the years."""

import streamlit as st

from lib import ui
from lib.access.permissions import can_manage_titles, can_view_dossier
from lib.titles import dossier as D

user = ui.require(can_view_dossier)
con = ui.connection()

st.title("Hồ sơ thi đua")
person_id = user.person_id
if can_manage_titles(user):
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
st.subheader(record.name)
if record.group:
    st.caption(record.group)
st.markdown("**Danh hiệu thi đua** (kết quả biểu quyết từng năm học)")
if record.titles.empty:
    st.info("Chưa có danh hiệu nào được biểu quyết.")
else:
    st.dataframe(record.titles, hide_index=True, width="stretch")
st.markdown("**Sáng kiến kinh nghiệm được công nhận**")
if record.skkn.empty:
    st.info("Chưa có SKKN nào được công nhận (sau khi đợt chấm công bố và lập quyết định).")
else:
    st.dataframe(record.skkn, hide_index=True, width="stretch")
st.markdown("**Kỷ niệm chương**")
st.write(record.medal or "Chưa nhận Kỷ niệm chương “Vì sự nghiệp giáo dục”.")
