"""Phiếu chấm của tôi: the examiner's assignments, and the scoring sheet of one of them."""

from datetime import date, datetime
from decimal import Decimal

import streamlit as st

from lib import ui
from lib.access.permissions import (
    can_edit_sheet,
    can_score,
    can_view_authors,
    can_view_sheet,
    why_cannot_edit_sheet,
)
from lib.core.errors import Invalid
from lib.scoring import entries, rounds, sheets
from lib.scoring.rubric import format_number
from lib.scoring.validation import validate_sheet

user = ui.require(can_score)
con = ui.connection()
BADGES = {"none": "gray", "draft": "orange", "submitted": "green"}


def open_sheet(entry_id: int | None) -> None:
    if entry_id is None:
        st.query_params.pop("skkn", None)
    else:
        st.query_params["skkn"] = str(entry_id)
    st.session_state.pop("confirm_submit", None)


def deadline_text(deadline: object, state: str) -> str:
    if deadline is None or deadline != deadline:  # None or NaT
        return "Không đặt hạn chấm"
    day = deadline.date() if isinstance(deadline, datetime) else deadline
    text = f"Hạn chấm: {day:%d/%m/%Y}"
    if state == "open":
        left = (day - date.today()).days
        text += " (quá hạn)" if left < 0 else (" (hôm nay)" if left == 0 else f" (còn {left} ngày)")
    return text


CARDS_PER_PAGE = 20


def status_text(row) -> str:
    return "Đã rút" if row.withdrawn else row.status_label


def cards(group: list, round_id: int) -> None:
    """A card per assignment with its button, CARDS_PER_PAGE at a time."""
    key = f"ms_so_the_{round_id}"
    limit = st.session_state.get(key, CARDS_PER_PAGE)
    for row in group[:limit]:
        with st.container(border=True):
            badge = (":gray-badge[Đã rút]" if row.withdrawn
                     else f":{BADGES[row.status]}-badge[{row.status_label}]")  # fmt: skip
            total = ui.number_text(row.total)
            total = f" · {total} điểm" if total and row.status != "none" else ""
            if row.reopened and not row.withdrawn:
                badge += " :blue-badge[Được mở lại]"
            # One markdown per card, not three: elements are what a long list pays for.
            field = f"  \n:gray[:small[Lĩnh vực: {row.field}]]" if row.field else ""
            st.markdown(f"**{row.code}** · {row.gk} · {badge}{total}  \n{row.title}{field}")
            editable = row.round_state == "open" and not row.withdrawn \
                and row.status != "submitted"  # fmt: skip
            st.button(
                "Chấm" if editable else "Xem phiếu",
                key=f"mo_phieu_{row.entry_id}",
                type="primary" if editable else "secondary",
                icon=":material/edit:" if editable else ":material/visibility:",
                on_click=open_sheet,
                args=(int(row.entry_id),),
            )
    if len(group) > limit:
        st.caption(f"Đang hiện {limit}/{len(group)} phiếu của đợt này.")
        st.button(
            f"Hiện thêm {min(CARDS_PER_PAGE, len(group) - limit)} phiếu",
            key=f"ms_them_{round_id}",
            icon=":material/expand_more:",
            on_click=lambda: st.session_state.update({key: limit + CARDS_PER_PAGE}),
        )


def past_round(group: list, round_id: int) -> None:
    """The sheets of a published round as one table, and a picker to open one of them."""
    st.dataframe(
        {
            "Mã": [row.code for row in group],
            "GK": [row.gk for row in group],
            "Tên SKKN": [row.title for row in group],
            "Trạng thái": [status_text(row) for row in group],
            "Tổng điểm": [ui.number_text(row.total) if row.status != "none" else ""
                          for row in group],
        },
        hide_index=True,
        width="stretch",
        column_config={"Tên SKKN": st.column_config.TextColumn(width="large")},
    )  # fmt: skip
    labels = {int(row.entry_id): f"{row.code} – {row.title}" for row in group}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    pick = left.selectbox("Phiếu", list(labels), format_func=labels.get, key=f"ms_xem_{round_id}")
    right.button("Xem phiếu", key=f"ms_xem_nut_{round_id}", icon=":material/visibility:",
                 on_click=open_sheet, args=(pick,), width="stretch")  # fmt: skip


st.title("Phiếu chấm của tôi")
ui.show_saved("sheet_flash")

mine = sheets.my_assignments(con, user.username)
wanted = st.query_params.get("skkn")
entry_id = int(wanted) if wanted and wanted.isdigit() else None
if entry_id is not None and entry_id not in set(mine["entry_id"]):
    st.warning("Bạn không được phân công chấm SKKN này (hoặc đợt chấm chưa mở).")
    entry_id = None

# --- the list of my assignments -------------------------------------------------------
if entry_id is None:
    if mine.empty:
        st.info("Bạn chưa có SKKN nào để chấm: phiếu sẽ hiện ở đây khi đợt chấm mở.")
        st.stop()
    # Plain tuples, grouped once: pandas filtering and itertuples per round cost more than
    # drawing the cards.
    by_round: dict[int, list] = {}
    for row in mine.itertuples(index=False):
        by_round.setdefault(int(row.round_id), []).append(row)
    for round_id, group in by_round.items():
        first = group[0]
        st.subheader(first.round_name)
        st.caption(f"{first.state_label} · {deadline_text(first.deadline, first.round_state)}")
        kept = [row for row in group if not row.withdrawn]
        done = sum(row.status == "submitted" for row in kept)
        st.progress(done / len(kept) if len(kept) else 0.0, text=f"Đã nộp {done}/{len(kept)} phiếu")
        if first.round_state == "final":
            # A published round is history: one table and a picker instead of a card per sheet,
            # which cost a page with several finished rounds most of its time.
            past_round(group, round_id)
        else:
            cards(group, round_id)
    st.stop()

# --- one scoring sheet ------------------------------------------------------------------
entry = entries.require_entry(con, entry_id)
r = rounds.require_round(con, entry.round_id)
rubric = r.rubric
sheet = sheets.get_sheet(con, entry_id, user.username)
editable = can_edit_sheet(user, sheet)

st.button("Danh sách phiếu", icon=":material/arrow_back:", on_click=open_sheet, args=(None,))
st.subheader(f"{entry.code} – {entry.title}")
meta = [r.name, sheet.gk, deadline_text(r.deadline, r.state)]
st.caption(" · ".join(m for m in meta if m))
if can_view_authors(user, r):
    st.markdown(f"**Tác giả:** {entry.authors_text}")
else:
    st.caption("Chấm ẩn danh: tên tác giả được ẩn.")
if entry.field:
    st.markdown(f"**Lĩnh vực:** {entry.field}")
if entry.document_name:
    # The file is read when the examiner clicks, not on every rerun while points are typed.
    st.download_button(
        f"Tải tài liệu SKKN ({entry.document_name})",
        data=lambda: (entries.entry_document(con, entry_id) or (b"",))[0],
        file_name=entry.document_name,
        mime=entry.document_mime,
        icon=":material/download:",
    )
st.markdown(f"Trạng thái phiếu: :{BADGES[sheet.status_code]}-badge[{sheet.status_label}]")
if sheet.reopened_reason and sheet.status == "draft":
    st.info(f"Chủ tịch HĐ đã mở lại phiếu để sửa. Lý do: {sheet.reopened_reason}")
if not editable:
    reason = why_cannot_edit_sheet(user, sheet)
    if sheet.status == "submitted":
        at = sheet.submitted_at.strftime("%H:%M %d/%m/%Y") if sheet.submitted_at else ""
        st.info(f"Phiếu đã nộp {at}. Phiếu chỉ sửa được khi Chủ tịch HĐ mở lại.")
    elif reason:
        st.info(reason)

# Widget keys carry the sheet's version: after a save the inputs start again from the database.
prefix = f"phieu_{entry_id}_{sheet.version}"
decimals = max(0, -rubric.step.normalize().as_tuple().exponent)
number_format = f"%.{decimals}f"


def stored(code: str) -> float | None:
    value = sheet.values.get(code)
    return float(value) if value is not None else None


values = {
    c.code: st.session_state.get(f"{prefix}_{c.code}", stored(c.code)) for c in rubric.criteria
}
comments = {c.code: st.session_state.get(f"{prefix}_{c.code}_nx", sheet.comments.get(c.code, ""))
            for c in rubric.criteria}  # fmt: skip
overall = st.session_state.get(f"{prefix}_chung", sheet.comment)
live = sheets.preview(rubric, values)


def summary_line() -> str:
    return (
        f"**Tổng điểm: {format_number(live.total)} / {format_number(rubric.scale)}** · "
        f"Xếp loại tạm tính: **{live.grade}** · "
        f"đã nhập {live.filled}/{len(rubric.criteria)} tiêu chí"
    )


st.markdown(summary_line())
for section in rubric.sections:
    st.markdown(f"##### {section.code}. {section.label}")
    for c in (c for c in rubric.criteria if c.section == section.code):
        # Side by side on a computer; Streamlit stacks the columns on a phone.
        points, note = st.columns([2, 3], vertical_alignment="bottom")
        points.number_input(
            f"{c.code}. {c.label} (tối đa {format_number(c.max)})",
            min_value=0.0,
            max_value=float(c.max),
            step=float(rubric.step),
            value=stored(c.code),
            format=number_format,
            key=f"{prefix}_{c.code}",
            disabled=not editable,
            placeholder="Nhập điểm",
        )
        note.text_input(
            f"Nhận xét {c.code}",
            value=sheet.comments.get(c.code, ""),
            key=f"{prefix}_{c.code}_nx",
            disabled=not editable,
            placeholder="Không bắt buộc",
        )
    st.caption(
        f"Cộng phần {section.code}: **{format_number(live.sections[section.code])}** / "
        f"{format_number(rubric.section_max(section.code))}"
    )
for problem in live.errors:
    st.error(problem.message, icon=":material/error:")
st.text_area("Nhận xét chung", value=sheet.comment, key=f"{prefix}_chung", disabled=not editable)

st.divider()
st.markdown(summary_line())
if editable:
    changed = (
        any(v != stored(k) for k, v in values.items())
        or any((comments[k] or "") != sheet.comments.get(k, "") for k in comments)
        or (overall or "") != sheet.comment
    )
    if changed:
        st.caption(":orange[Có thay đổi chưa lưu.]")
    notes = {k: v for k, v in comments.items() if v}

    def write(submit: bool) -> None:
        action = sheets.submit_sheet if submit else sheets.save_draft
        try:
            action(
                con, user, entry_id, values, notes, overall or "", expected_version=sheet.version
            )
        except Invalid as exc:
            ui.show_errors(exc.errors)
            return
        st.session_state.pop("confirm_submit", None)
        now = datetime.now().strftime("%H:%M")
        if submit:
            open_sheet(None)
        ui.saved("sheet_flash", f"Đã nộp phiếu {entry.code} lúc {now}." if submit
                 else f"Đã lưu nháp lúc {now}.")  # fmt: skip

    left, right = st.columns(2)
    if left.button("Lưu nháp", icon=":material/save:", width="stretch"):
        write(submit=False)
    if right.button("Nộp phiếu", type="primary", icon=":material/send:", width="stretch"):
        _, problems = validate_sheet(rubric, values, submit=True)
        if problems:
            st.error("Chưa nộp được phiếu:", icon=":material/error:")
            for problem in problems:
                st.error(problem.message)
        else:
            st.session_state["confirm_submit"] = entry_id
    if st.session_state.get("confirm_submit") == entry_id:
        with st.container(border=True):
            st.warning(
                f"Nộp phiếu {entry.code} với tổng điểm {format_number(live.total)} "
                f"(xếp loại {live.grade})? Sau khi nộp, phiếu chỉ sửa được khi Chủ tịch HĐ mở lại."
            )
            yes, no = st.columns(2)
            if yes.button("Xác nhận nộp phiếu", type="primary", width="stretch"):
                write(submit=True)
            if no.button("Chưa nộp", width="stretch"):
                st.session_state.pop("confirm_submit", None)
                st.rerun()

# Fellow examiners' sheets: only once the round is closed (never while scoring).
others = [s for s in sheets.entry_sheets(con, entry_id)
          if s.examiner != user.username and can_view_sheet(user, s)]  # fmt: skip
if others:
    st.divider()
    st.markdown("##### Phiếu của các giám khảo khác")
    rows = []
    for c in rubric.criteria:
        row = {"Tiêu chí": f"{c.code}. {c.label}", "Tối đa": format_number(c.max)}
        for s in others:
            row[s.gk or s.examiner] = format_number(s.values.get(c.code)) if s.values.get(
                c.code) is not None else ""  # fmt: skip
        rows.append(row)
    total_row = {"Tiêu chí": "Tổng", "Tối đa": format_number(rubric.scale)}
    for s in others:
        total_row[s.gk or s.examiner] = format_number(
            sum((v for v in s.values.values() if v is not None), Decimal(0))
        )
    st.dataframe([*rows, total_row], hide_index=True, width="stretch")
