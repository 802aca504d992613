"""Phiếu chấm của tôi: the examiner's assignments, and the scoring sheet of one of them."""

from datetime import datetime
from decimal import Decimal

import streamlit as st

from lib import ui
from lib.access.permissions import (
    can_edit_sheet,
    can_score,
    can_view_authors,
    why_cannot_edit_sheet,
)
from lib.core import clock
from lib.core.errors import Invalid
from lib.core.numbers import format_number
from lib.core.text import label_text, literal
from lib.scoring import entries, sheets, worklist
from lib.scoring.validation import validate_sheet
from lib.ui import auth
from lib.ui.fragments import still_signed_in

user = ui.require(can_score)
con = ui.connection()
BADGES = {"none": "gray", "draft": "orange", "submitted": "green"}
# Fields typed after the login ended, kept outside the widgets (Streamlit forgets a widget's
# value once a run stops drawing it, and the login form draws none): (username, entry id,
# the sheet version they were typed over, {widget key: text}).
PENDING = "phieu_cho_luu"


def open_sheet(entry_id: int | None) -> None:
    if entry_id is None:
        st.query_params.pop("skkn", None)
    else:
        st.query_params["skkn"] = str(entry_id)
    for key in [k for k in st.session_state if str(k).endswith("__confirm")]:
        st.session_state.pop(key, None)  # a confirmation belongs to the sheet it was asked on


def deadline_text(deadline: object, state: str) -> str:
    if deadline is None or deadline != deadline:  # None or NaT
        return "Không đặt hạn chấm"
    day = deadline.date() if isinstance(deadline, datetime) else deadline
    text = f"Hạn chấm: {day:%d/%m/%Y}"
    if state == "open":
        left = (day - clock.today()).days
        text += " (quá hạn)" if left < 0 else (" (hôm nay)" if left == 0 else f" (còn {left} ngày)")
    return text


CARDS_PER_PAGE = 20
HALF = Decimal("0.5")


def status_text(row) -> str:
    return "Đã rút" if row.withdrawn else row.status_label


def cards(group: list, round_id: int) -> None:
    """A card per sheet still to score, with its button, CARDS_PER_PAGE at a time."""
    key = f"ms_so_the_{round_id}"
    limit = st.session_state.get(key, CARDS_PER_PAGE)
    for row in group[:limit]:
        with st.container(border=True):
            badge = f":{BADGES[row.status]}-badge[{row.status_label}]"
            if row.reopened:
                badge += " :blue-badge[Được mở lại]"
            total = ui.number_text(row.total)
            total = f" · {total} điểm" if total and row.status != "none" else ""
            # One markdown per card, not three: elements are what a long list pays for.
            field = f"  \n:gray[:small[Lĩnh vực: {literal(row.field)}]]" if row.field else ""
            st.markdown(
                f"**{literal(row.code)}** · {row.gk} · {badge}{total}  \n"
                f"{literal(row.title)}{field}"
            )
            st.button("Chấm", key=f"mo_phieu_{row.entry_id}", type="primary",
                      icon=":material/edit:", on_click=open_sheet,
                      args=(int(row.entry_id),))  # fmt: skip
    if len(group) > limit:
        st.caption(f"Đang hiện {limit}/{len(group)} phiếu cần chấm của đợt này.")
        st.button(
            f"Hiện thêm {min(CARDS_PER_PAGE, len(group) - limit)} phiếu",
            key=f"ms_them_{round_id}",
            icon=":material/expand_more:",
            on_click=lambda: st.session_state.update({key: limit + CARDS_PER_PAGE}),
        )


def read_only(group: list, round_id: int) -> None:
    """Sheets the examiner can only read (submitted, withdrawn, a round no longer open) as one
    table, and a picker to open one of them."""
    ui.dataframe(
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
if st.session_state.get(PENDING, ("",))[0] not in ("", user.username):
    # What someone else typed on this browser after their login ended: never shown to another.
    st.session_state.pop(PENDING)
# A toast too: after submitting on a phone the list opens scrolled where the sheet's button was.
ui.show_saved("sheet_flash", toast=True)

wanted = st.query_params.get("skkn")
entry_id = int(wanted) if wanted and wanted.isdigit() else None
# Membership by key, in the one read of what the sheet shows (entry, authors, round, own sheet):
# nothing of the examiner's other assignments is read.
view = sheets.own_sheet(con, entry_id, user.username) if entry_id is not None else None
if entry_id is not None and view is None:
    st.warning("Bạn không được phân công chấm SKKN này (hoặc đợt chấm chưa mở).")
    entry_id = None

# --- the list of my assignments -------------------------------------------------------
if entry_id is None:
    mine = worklist.my_assignments(con, user.username)
    if mine.empty:
        st.info("Bạn chưa có SKKN nào để chấm: phiếu sẽ hiện ở đây khi đợt chấm mở.")
        st.stop()
    # Plain tuples, grouped once: pandas filtering and itertuples per round cost more than
    # drawing the cards.
    by_round: dict[int, list] = {}
    for row in mine.itertuples(index=False):
        by_round.setdefault(int(row.round_id), []).append(row)
    todo = worklist.to_score(mine)
    if todo.count:
        due = f" (hạn {todo.deadline:%d/%m/%Y})" if todo.deadline else ""
        st.info(f"Còn {todo.count} phiếu cần chấm{due}.", icon=":material/edit_note:")
    for round_id, group in by_round.items():
        first = group[0]
        st.subheader(literal(first.round_name))
        st.caption(f"{first.state_label} · {deadline_text(first.deadline, first.round_state)}")
        kept = [row for row in group if not row.withdrawn]
        done = sum(row.status == "submitted" for row in kept)
        st.progress(done / len(kept) if len(kept) else 0.0, text=f"Đã nộp {done}/{len(kept)} phiếu")
        # A card for each sheet still to score, so that what is left to do is all there is to
        # scan; what can only be read is one table and a picker (a card per sheet cost a page
        # with several finished rounds most of its time).
        to_do = [row for row in group if row.to_score]
        others = [row for row in group if not row.to_score]
        if to_do:
            cards(to_do, round_id)
        if to_do and others:  # in an open round, the rest is submitted or withdrawn
            withdrawn = sum(bool(row.withdrawn) for row in others)
            counts = {"Đã nộp": len(others) - withdrawn, "SKKN đã rút": withdrawn}
            st.markdown("**" + " · ".join(f"{k} ({n})" for k, n in counts.items() if n) + "**")
        if others:
            read_only(others, round_id)
    st.stop()

# --- one scoring sheet ------------------------------------------------------------------
assert view is not None and entry_id is not None
entry, r = view.entry, view.round
rubric = r.rubric

st.button("Danh sách phiếu", icon=":material/arrow_back:", on_click=open_sheet, args=(None,))
st.subheader(f"{literal(entry.code)} – {literal(entry.title)}")
# The chair who scores this entry is an examiner here like any other (issue 15, point 6).
if can_view_authors(user, r, scoring=True):
    st.markdown(f"**Tác giả:** {literal(entry.authors_text)}")
else:
    st.caption("Chấm ẩn danh: tên tác giả được ẩn.")
if entry.field:
    st.markdown(f"**Lĩnh vực:** {literal(entry.field)}")
if entry.document_name:
    # The file is read when the examiner clicks, not on every rerun while points are typed.
    ui.download_button(
        f"Tải tài liệu SKKN ({entry.document_name})",
        data=lambda: (entries.entry_document(con, entry_id) or (b"",))[0],
        file_name=entry.document_name,
        mime=entry.document_mime,
    )

# Widget keys stay the same across saves: autosave bumps the version on every change, and the
# field being typed must not start again from the database.
prefix = f"phieu_{entry_id}"
SAVED = f"{prefix}__saved"  # the text of each field as this window last saw it stored
VERSION = f"{prefix}__version"  # the sheet version this window last saw
NOTICE = f"{prefix}__notice"  # what the last save said (saved at, refused, other window)
READ = f"{prefix}__read"  # what this run read (the page, or the save), for the sheet drawn now
LIVE = f"{prefix}__live"  # this run's save has already checked that the login is live
CODES = [c.code for c in rubric.criteria]


def key(code: str) -> str:
    return f"{prefix}_{code}"


def shown(sheet: sheets.Sheet) -> dict[str, str]:
    """Every field's text as stored: points as 0,5, comments, the overall comment."""
    texts = {key(c): format_number(sheet.values.get(c)) for c in CODES}
    texts.update({f"{key(c)}_nx": sheet.comments.get(c, "") for c in CODES})
    texts[f"{prefix}_chung"] = sheet.comment
    return texts


def sync(sheet: sheets.Sheet) -> None:
    """Fill each field from the database unless this window holds an edit not stored there."""
    seen = st.session_state.setdefault(SAVED, {})
    known = st.session_state.get(VERSION)
    if known is not None and known != sheet.version and sheet.status == "draft":
        st.session_state[NOTICE] = (
            "warning",
            "Phiếu vừa được lưu ở một cửa sổ khác: các ô đã cập nhật theo bản mới nhất.",
        )
    for k, text in shown(sheet).items():
        # A field holding text that differs from what it last showed as stored is the
        # examiner's (an invalid value kept as typed): never overwrite it.
        if k not in st.session_state or st.session_state[k] == seen.get(k, text):
            st.session_state[k] = text
        seen[k] = text
    st.session_state[VERSION] = sheet.version


# Each field's widget key and the key of its message when a save refuses it.
REFUSAL = {key(c): c for c in CODES} | {f"{key(c)}_nx": f"{c}_comment" for c in CODES}
REFUSAL[f"{prefix}_chung"] = "overall"


def store(typed: dict[str, str], known_version: int | None) -> bool:
    """Save these fields as typed and show what was stored; False if the sheet refused all."""
    points = {c: typed[key(c)] for c in CODES if key(c) in typed}
    notes = {c: typed[f"{key(c)}_nx"] for c in CODES if f"{key(c)}_nx" in typed}
    overall = typed.get(f"{prefix}_chung")
    try:
        done = sheets.autosave(con, user, entry_id, points=points, notes=notes, overall=overall,
                               known_version=known_version)  # fmt: skip
    except Invalid as exc:
        st.session_state[NOTICE] = ("error", " ".join(exc.errors.values()))
        return False
    # A field stored shows what was stored, the Vietnamese way (",75" reads "0,75"); a refused
    # one keeps its text; the others follow the database when the sheet reruns (sync).
    texts = shown(done.sheet)
    for field in typed:
        if REFUSAL[field] not in done.refused:
            st.session_state[field] = texts[field]
            st.session_state.setdefault(SAVED, {})[field] = texts[field]
    st.session_state[VERSION] = done.sheet.version
    st.session_state[READ] = done.view  # read with the save: the sheet needs no second read
    if done.refused:
        # Also in the sticky bar, which is on screen wherever the field is.
        st.session_state[NOTICE] = ("error", "Chưa lưu: " + " ".join(done.refused.values()))
    elif done.elsewhere:
        st.session_state[NOTICE] = (
            "warning",
            "Phiếu vừa được lưu ở một cửa sổ khác: các ô đã cập nhật theo bản mới nhất, "
            "ô vừa sửa đã được lưu.",
        )
    else:
        st.session_state[NOTICE] = ("saved", f"Đã lưu tự động lúc {clock.hhmm()}")
    return True


def autosave(code: str | None, kind: str) -> None:
    """Store the field just changed (on_change: before the sheet reruns)."""
    field = {"points": key(code or ""), "note": f"{key(code or '')}_nx",
             "overall": f"{prefix}_chung"}[kind]  # fmt: skip
    # A rerun of the sheet alone does not run app.py, which checks the login: check it here.
    if not still_signed_in(con, user):
        # Every field that differs from what it last showed as stored, this one included.
        seen = st.session_state.get(SAVED, {})
        typed = {k: st.session_state[k] for k in REFUSAL
                 if k in st.session_state and st.session_state[k] != seen.get(k)}  # fmt: skip
        typed[field] = st.session_state[field]
        st.session_state[PENDING] = (user.username, entry_id, st.session_state.get(VERSION), typed)
        st.session_state[auth.LOGIN_MESSAGE] = (
            "Phiên đăng nhập đã kết thúc. Đăng nhập lại: ô bạn vừa sửa sẽ được lưu ngay."
        )
        return
    st.session_state[LIVE] = True
    store({field: st.session_state[field]}, st.session_state.get(VERSION))


def restore_pending() -> None:
    """Save what this examiner typed on this sheet after their last login ended."""
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    username, entry, version, typed = pending
    if username != user.username or entry != entry_id:
        return  # kept until that sheet is opened again (another user's is dropped on arrival)
    st.session_state.pop(PENDING)
    st.session_state.update(typed)  # shown as typed whatever the save says (sync keeps them)
    if store(typed, version) and st.session_state[NOTICE][0] == "saved":
        st.session_state[NOTICE] = (
            "saved", f"Đã lưu ô bạn sửa trước khi đăng nhập lại (lúc {clock.hhmm()})."
        )  # fmt: skip


def texts_now() -> dict[str, str]:
    return {c: st.session_state.get(key(c), "") for c in CODES}


def bar(sheet: sheets.Sheet, live: sheets.Preview, editable: bool) -> None:
    """The sticky line: section subtotals, total, provisional grade and the saved state."""
    with st.container(key="phieu_thanh_tong"):
        parts = " · ".join(
            f"{s.code}: {format_number(live.sections[s.code])}/"
            f"{format_number(rubric.section_max(s.code))}"
            for s in rubric.sections
        )
        st.markdown(
            f"**Tổng điểm: {format_number(live.total)} / {format_number(rubric.scale)}** · "
            f"Xếp loại tạm tính: **{live.grade}** · đã nhập {live.filled}/{len(CODES)} tiêu chí"
            f"  \n:small[{parts}]"
        )
        kind, message = st.session_state.get(NOTICE, (None, None))
        if not editable:
            st.caption(f"Trạng thái phiếu: {sheet.status_label} (chỉ xem).")
        elif live.errors:
            # Every field whose text is not stored, not only the one the last save refused.
            unsaved = " · ".join(e.short for e in live.errors)
            st.caption(f":red[:material/error: {literal('Chưa lưu: ' + unsaved)}]")
        elif kind == "saved":
            st.caption(f":green[:material/cloud_done: {message}]")
        elif kind == "warning":
            st.caption(f":orange[:material/sync_problem: {message}]")
        elif kind == "error":
            st.caption(f":red[:material/error: {literal(message)}]")
        elif sheet.updated_at is not None:
            st.caption(f":material/cloud_done: Bản đã lưu lúc {clock.stamp(sheet.updated_at)} · "
                       "mọi thay đổi được lưu tự động")  # fmt: skip
        else:
            st.caption(":material/cloud: Mọi thay đổi được lưu tự động, không cần bấm nút.")


CONFIRM = f"{prefix}__confirm"


def forget_confirm() -> None:
    st.session_state.pop(CONFIRM, None)


# Open while the flag is set, so a click inside it finds it again on any rerun; closing it
# (the cross, Esc or "Chưa nộp") clears the flag.
@st.dialog("Nộp phiếu chấm", on_dismiss=forget_confirm)
def confirm_submit(total: Decimal, grade: str) -> None:
    st.markdown(
        f"Nộp phiếu **{literal(entry.code)}** với tổng điểm **{format_number(total)}** "
        f"(xếp loại tạm tính **{grade}**)?"
    )
    st.caption("Sau khi nộp, phiếu chỉ sửa được khi Chủ tịch HĐ mở lại.")
    yes, no = st.columns(2)
    if yes.button("Xác nhận nộp phiếu", type="primary", width="stretch"):
        sheet = sheets.get_sheet(con, entry_id, user.username)
        try:
            sheets.submit_sheet(con, user, entry_id, texts_now(), sheet.comments, sheet.comment,
                                expected_version=st.session_state.get(VERSION))  # fmt: skip
        except Invalid as exc:
            ui.show_errors(exc.errors)
            return
        forget_confirm()
        open_sheet(None)
        ui.saved("sheet_flash", f"Đã nộp phiếu {entry.code} lúc {clock.hhmm()}.")
    if no.button("Chưa nộp", width="stretch"):
        forget_confirm()
        st.rerun()


@st.fragment
def scoring_sheet() -> None:
    """The sheet itself: a change reruns only this, and every valid change is stored at once."""
    now = st.session_state.pop(READ, None)  # what the page or the save just read
    if now is None:
        # A rerun of the sheet alone without a save: app.py did not run, so the login is
        # checked here (unless the save just did), then the sheet is read again, by key.
        if not st.session_state.pop(LIVE, False) and not still_signed_in(con, user):
            st.rerun(scope="app")
        now = sheets.own_sheet(con, entry_id, user.username)
        if now is None:  # no longer assigned: the whole page says so
            st.rerun(scope="app")
    st.session_state.pop(LIVE, None)
    sheet, current = now.sheet, now.round
    editable = can_edit_sheet(user, sheet)
    sync(sheet)
    values = texts_now()
    live = sheets.preview(rubric, values)
    problems = {e.field: e.short for e in live.errors}
    meta = [current.name, sheet.gk, deadline_text(current.deadline, current.state)]
    st.caption(literal(" · ".join(m for m in meta if m)))
    if sheet.reopened_reason and sheet.status == "draft":
        st.info(f"Chủ tịch HĐ đã mở lại phiếu để sửa. Lý do: {literal(sheet.reopened_reason)}")
    if sheet.status == "submitted":
        st.info(f"Phiếu đã nộp {clock.stamp(sheet.submitted_at)}. "
                "Phiếu chỉ sửa được khi Chủ tịch HĐ mở lại.")  # fmt: skip
    elif not editable:
        st.info(why_cannot_edit_sheet(user, sheet) or "")
    bar(sheet, live, editable)
    for section in rubric.sections:
        st.markdown(f"##### {literal(section.code)}. {literal(section.label)}")
        for c in (c for c in rubric.criteria if c.section == section.code):
            # Side by side on a computer; Streamlit stacks the columns on a phone.
            points, note = st.columns([2, 3])
            # Text, never st.number_input: Chromium drops a decimal comma from a number field.
            points.text_input(
                f"{label_text(c.code)}. {label_text(c.label)} (tối đa {format_number(c.max)})",
                key=key(c.code),
                disabled=not editable,
                # The example is a mark this criterion takes (0,5 where it allows that much).
                placeholder=f"0 – {format_number(c.max)}, ví dụ {format_number(min(HALF, c.max))}",
                on_change=autosave,
                args=(c.code, "points"),
            )
            if c.code in problems:
                points.error(literal(problems[c.code]), icon=":material/error:")
            note.text_input(
                f"Nhận xét {label_text(c.code)}",
                key=f"{key(c.code)}_nx",
                disabled=not editable,
                placeholder="Không bắt buộc",
                on_change=autosave,
                args=(c.code, "note"),
            )
        st.caption(
            f"Cộng phần {literal(section.code)}: **{format_number(live.sections[section.code])}**"
            f" / {format_number(rubric.section_max(section.code))}"
        )
    st.text_area("Nhận xét chung", key=f"{prefix}_chung", disabled=not editable,
                 on_change=autosave, args=(None, "overall"))  # fmt: skip
    if editable and st.button("Nộp phiếu", type="primary", icon=":material/send:",
                              width="stretch"):  # fmt: skip
        _, missing = validate_sheet(rubric, values, submit=True)
        if missing:
            st.error("Chưa nộp được phiếu:", icon=":material/error:")
            for problem in missing:
                st.error(literal(problem.short))
        else:
            st.session_state[CONFIRM] = True
    if editable and st.session_state.get(CONFIRM):
        confirm_submit(live.total, live.grade)
    # Fellow examiners' sheets: only once the round is closed (never while scoring).
    others = sheets.fellow_sheets(con, user, entry_id, current)
    if others:
        st.divider()
        st.markdown("##### Phiếu của các giám khảo khác")
        rows = []
        for c in rubric.criteria:
            row = {"Tiêu chí": f"{c.code}. {c.label}", "Tối đa": format_number(c.max)}
            for s in others:
                row[s.gk or s.examiner] = format_number(s.values.get(c.code))
            rows.append(row)
        total_row = {"Tiêu chí": "Tổng", "Tối đa": format_number(rubric.scale)}
        for s in others:
            total_row[s.gk or s.examiner] = format_number(
                sum((v for v in s.values.values() if v is not None), Decimal(0))
            )
        ui.dataframe([*rows, total_row], hide_index=True, width="stretch")


ui.sticky("phieu_thanh_tong")
st.session_state[READ] = view
restore_pending()  # after the page's read: a save hands the sheet its own, newer read
scoring_sheet()
