"""Bỏ phiếu thi đua: a council member's anonymous ballot, on the phone, once per ballot."""

import streamlit as st

from lib import ui
from lib.access.permissions import can_vote_titles
from lib.core.text import label_text
from lib.titles import ballots
from lib.titles.rules import TITLES

user = ui.require(can_vote_titles)
con = ui.connection()

st.title("Bỏ phiếu thi đua")
ui.show_saved("bptd_flash")
ballot = ballots.open_now(con)
voted = ballot is not None and ballots.has_voted(con, ballot.id, user.username)
refused = ballots.why_not_voting(con, user, ballot)
if refused:
    (st.success if voted else st.info)(refused)
    st.button("Tải lại", key="bptd_tai_lai")
    st.stop()
assert ballot is not None
st.caption(
    f"Năm học {ballot.school_year}. Phiếu kín: không ai (kể cả quản trị) biết bạn chọn gì; "
    "mỗi người bỏ phiếu một lần."
)
candidates = ballots.ballot_candidates(con, ballot.id)
CHOICES = ["Đồng ý", "Không đồng ý"]
with st.form(f"bptd_phieu_{ballot.id}"):
    picked = {}
    for row in candidates.itertuples():
        picked[(row.subject, row.title)] = st.radio(
            f"{label_text(row.name)} – {TITLES[row.title]}", CHOICES, index=None, horizontal=True,
            key=f"bptd_{ballot.id}_{row.subject}_{row.title}",
        )  # fmt: skip
    if st.form_submit_button("Gửi phiếu", type="primary"):
        missing = [k for k, v in picked.items() if v is None]
        if missing:
            st.error(f"Còn {len(missing)} dòng chưa chọn Đồng ý hoặc Không đồng ý.")
        else:
            with ui.errors_shown():
                ballots.cast_vote(
                    con, user, ballot.id, {k: v == "Đồng ý" for k, v in picked.items()}
                )
                ui.saved("bptd_flash", "Đã gửi phiếu.")
