"""The "Văn bản" tab of Kết quả chấm: the council meeting record, numbers, and every document."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import ui
from lib.access.permissions import User, can_manage_rounds, is_published
from lib.core.db import Connection
from lib.documents import catalog, numbers, organization, recognition, skkn
from lib.scoring import entries, meetings, rounds
from lib.ui import downloads
from lib.ui.meeting_fields import attendance_table, meeting_head

MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
NEEDS_MEETING = {"bien-ban", "ho-so"}
NEEDS_FINAL = {"quyet-dinh", "giay-chung-nhan", "to-trinh", "danh-sach", "ho-so"}
# document kind -> (register subject, ký hiệu) for the numbers the admin may set by hand
NUMBERED = {
    "bien-ban": (skkn.minutes_subject, "BB"),
    "quyet-dinh": (recognition.decision_subject, "QĐ"),
    "to-trinh": (recognition.proposal_subject, "TTr"),
}
NO_ENTRY = "— (không gắn SKKN) —"


def _count(text: object, label: str, row: int, errors: dict[str, str]) -> int:
    value = "" if text is None or pd.isna(text) else str(text).strip()
    if not value.isdigit():
        errors[f"{row}.{label}"] = (
            f"Dòng {row}, cột “{label}”: ghi số nguyên, không phải '{value}'."
        )
        return 0
    return int(value)


def _meeting_form(
    con: Connection, user: User, r: rounds.Round, meeting: meetings.Meeting | None
) -> None:
    people = list(meeting.attendance) if meeting else meetings.default_attendance(con, r.id)
    # Only the codes: the page has computed the results already, and this is a form of codes.
    codes = entries.entry_codes(con, r.id)
    by_id = {i: c for c, i in codes.items()}
    chair = next((a.name for a in people if meetings.duty_rank(a.duty) == 0), "")
    clerk = next((a.name for a in people if meetings.duty_rank(a.duty) == 3), "")
    st.markdown("##### Cuộc họp của hội đồng")
    st.caption("Biên bản in đúng những gì ghi ở đây: ngày giờ, địa điểm, chủ trì, thư ký, thành "
               "phần có mặt / vắng và từng nội dung biểu quyết. Điều chỉnh xếp loại một SKKN mà "
               "Chủ tịch HĐ đã chấm cần biểu quyết gắn với mã SKKN đó.")  # fmt: skip
    with st.form(f"hop_{r.id}"):
        head = meeting_head(meeting, chair=chair, clerk=clerk, keys=str(r.id),
                            hours=("08:00", "10:30"))  # fmt: skip
        st.markdown("Thành phần tham dự")
        shown = st.data_editor(
            attendance_table(people),
            hide_index=True, width="stretch", disabled=["Họ và tên", "Nhiệm vụ"],
            key=f"hop_tp_{r.id}",
        )  # fmt: skip
        st.markdown("Nội dung biểu quyết (đồng ý / không đồng ý / tổng số biểu quyết)")
        decisions = list(meeting.decisions) if meeting else []
        votes = st.data_editor(
            pd.DataFrame({
                "Nội dung": [d.content for d in decisions],
                "Mã SKKN": [by_id.get(d.entry_id, NO_ENTRY) if d.entry_id else NO_ENTRY
                            for d in decisions],
                "Đồng ý": [str(d.agree) for d in decisions],
                "Không đồng ý": [str(d.disagree) for d in decisions],
                "Tổng số": [str(d.total) for d in decisions],
            }, dtype=object),
            column_config={"Mã SKKN": st.column_config.SelectboxColumn(
                options=[NO_ENTRY, *codes], default=NO_ENTRY)},
            num_rows="dynamic", hide_index=True, width="stretch", key=f"hop_bq_{r.id}",
        )  # fmt: skip
        content = st.text_area("Ý kiến tại cuộc họp (không bắt buộc)",
                               value=meeting.content if meeting else "")  # fmt: skip
        if st.form_submit_button("Lưu thông tin cuộc họp", type="primary"):
            errors: dict[str, str] = {}
            attendance = [
                meetings.Attendance(p.name, p.duty, bool(present), str(reason or ""), p.username)
                for p, present, reason in zip(people, shown["Có mặt"], shown["Lý do vắng"],
                                              strict=True)
            ]  # fmt: skip
            found = []
            for i, row in enumerate(votes.to_dict("records"), start=1):
                if not str(row.get("Nội dung") or "").strip():
                    continue
                code = row.get("Mã SKKN") or NO_ENTRY
                found.append(meetings.Decision(
                    str(row["Nội dung"]), _count(row.get("Đồng ý"), "Đồng ý", i, errors),
                    _count(row.get("Không đồng ý"), "Không đồng ý", i, errors),
                    _count(row.get("Tổng số"), "Tổng số", i, errors), codes.get(code),
                ))  # fmt: skip
            if errors:
                ui.show_errors(errors)
            else:
                with ui.errors_shown():
                    meetings.save_meeting(
                        con, r.id, user.username, **head.__dict__, attendance=attendance,
                        decisions=found, content=content,
                    )  # fmt: skip
                    ui.saved("results_flash", "Đã lưu thông tin cuộc họp của hội đồng.")


def _numbers_form(
    con: Connection, user: User, r: rounds.Round, meeting: meetings.Meeting | None
) -> None:
    st.markdown("##### Số văn bản")
    year = r.finalized_at.year if r.finalized_at else None
    rows = []
    for kind, (subject, code) in NUMBERED.items():
        number = numbers.get_number(con, subject(r.id))
        rows.append({"Văn bản": catalog.LABELS[kind], "Số": "chưa cấp" if number is None
                     else f"{number:02d}/{code}"})  # fmt: skip
    ui.dataframe(rows, hide_index=True, width="stretch")
    st.caption("Số được cấp lần đầu lập văn bản (số tiếp theo trong năm). Đã lấy số trên sổ "
               "văn bản giấy thì ghi lại ở đây.")  # fmt: skip
    with st.form(f"so_vb_{r.id}"):
        a, b = st.columns(2)
        kind = a.selectbox("Văn bản", list(NUMBERED), format_func=catalog.LABELS.get)
        text = b.text_input("Số", placeholder="5")
        if st.form_submit_button("Lưu số"):
            subject, code = NUMBERED[kind]
            on_year = meeting.held_on.year if kind == "bien-ban" and meeting else year
            if on_year is None:
                ui.show_errors({"year": "Chưa có ngày của văn bản (họp hoặc công bố) để biết năm."})
            else:
                with ui.errors_shown():
                    numbers.set_number(con, subject(r.id), code, on_year, text, user.username)
                    ui.saved("results_flash", "Đã lưu số văn bản.")


def _why_not(
    r: rounds.Round, kind: str, missing: list[str], meeting: meetings.Meeting | None
) -> str | None:
    if missing:
        return "Chưa khai báo Thông tin đơn vị: " + ", ".join(missing) + "."
    if kind in NEEDS_MEETING and meeting is None:
        return "Chưa ghi thông tin cuộc họp."
    if kind in NEEDS_FINAL and not is_published(r):
        return "Lập sau khi công bố kết quả."
    return None


def render(con: Connection, user: User, round_id: int) -> None:
    """The tab's body: admins record the meeting and download every document of the round."""
    if not can_manage_rounds(user):
        st.info("Văn bản của hội đồng do Chủ tịch, Thư ký HĐ tải về.")
        return
    r = rounds.require_round(con, round_id)
    st.caption("Văn bản lập theo Nghị định 30/2020 từ Thông tin đơn vị và kết quả hiện tại của "
               "đợt chấm; sau khi công bố, kết quả không đổi nữa.")  # fmt: skip
    # Read once for the nine buttons and both forms: each read is several queries.
    missing = organization.get(con).missing()
    meeting = meetings.get_meeting(con, r.id)
    for kind, (build, suffix) in catalog.DOCUMENTS.items():
        problem = _why_not(r, kind, missing, meeting)
        name, cursor = f"{kind}-dot-{round_id}.{suffix}", con.cursor()  # built on another thread
        ui.download_button(
            catalog.LABELS[kind],
            data=downloads.on_click(
                cursor, user.username, "document", lambda build=build, cursor=cursor: build(
                    cursor, round_id, user.username), name, MIME[suffix], {"kind": kind},
            ) if not problem else b"",
            file_name=name, mime=MIME[suffix], key=f"kq_van_ban_{kind}",
            disabled=problem is not None, help=problem,
        )  # fmt: skip
        if problem:
            st.caption(problem)
    _meeting_form(con, user, r, meeting)
    _numbers_form(con, user, r, meeting)
