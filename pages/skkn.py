"""SKKN và phân công: register entries (authors, shares, document), withdraw them, record
conflicts, and assign examiners by hand or automatically (shown for confirmation first)."""

import pandas as pd
import streamlit as st

from lib import ui
from lib.access.permissions import (
    can_edit_round,
    can_manage_rounds,
    why_cannot_add_entries,
    why_cannot_assign,
)
from lib.core import frames
from lib.core.text import literal
from lib.scoring import assignment, conflicts, council, entries, rounds
from lib.scoring.authors import parse_authors_text
from lib.ui import downloads

user = ui.require(can_manage_rounds)
con = ui.connection()

st.title("SKKN và phân công")
ui.show_saved("entries_flash")


def done(message: str) -> None:
    st.session_state.pop("auto_plan", None)
    ui.saved("entries_flash", message)


listed = rounds.list_rounds(con, counts=False)
if listed.empty:
    st.info("Chưa có đợt chấm nào: tạo đợt chấm ở trang Đợt chấm trước.")
    st.stop()
options = {int(row.id): f"{row.name} – {row.state_label}" for row in listed.itertuples()}
round_id = ui.pick_round(options, key="sk_dot")
assert round_id is not None
r = rounds.require_round(con, round_id)
SUGGESTIONS_INLINE = 30
DOCUMENT_MB = entries.MAX_DOCUMENT_BYTES // (1024 * 1024)
GRID_COLUMNS = {"Tên SKKN": st.column_config.TextColumn(width="medium")}
AUTHORS_HELP = ("Mỗi dòng một tác giả, kèm tỉ lệ đóng góp khi có nhiều tác giả, "
                "vd. Nguyễn Thị A (60%). Tổng phải bằng 100%.")  # fmt: skip

# Only the chosen tab runs: a city round has thousands of entries, and every tab reads them.
tab_list, tab_add, tab_edit, tab_conflicts, tab_assign = st.tabs(
    ["Danh sách SKKN", "Đăng ký SKKN", "Sửa / rút SKKN", "Xung đột", "Phân công"],
    key="sk_the",
    on_change="rerun",
)
if tab_edit.open:
    items = entries.entry_list(con, round_id)
if tab_conflicts.open or tab_assign.open:
    names = council.council_names(con, round_id)
    kept_labels = entries.kept_entry_labels(con, round_id)

if tab_list.open:
    with tab_list:
        table = entries.entry_table(con, round_id)
        if table.empty:
            st.info("Chưa có SKKN nào trong đợt chấm này.")
        else:
            kept = int((~table["withdrawn"]).sum())
            st.caption(
                f"{ui.count_text(kept)} SKKN"
                + (f", {len(table) - kept} đã rút" if kept < len(table) else "")
            )
            ui.dataframe(
                {
                    "Mã": table["code"],
                    "Tên SKKN": table["title"],
                    "Tác giả": table["authors"],
                    "Lĩnh vực": table["field"],
                    "Tổ": table["group_name"],
                    "Tài liệu": table["document_name"],
                    "Giám khảo": table["examiners"],
                    "Trạng thái": [
                        f"Đã rút: {why}" if w else ("Dữ liệu mẫu" if demo else "")
                        for w, why, demo in zip(table["withdrawn"], table["withdrawn_reason"],
                                                table["is_demo"], strict=True)
                    ],
                },
                hide_index=True,
                width="stretch",
            )  # fmt: skip

if tab_add.open:
    with tab_add:
        if why_cannot_add_entries(r):
            st.info(why_cannot_add_entries(r))
        else:
            # A new, empty form after each registration (a second click would register the
            # same SKKN again); a refused one keeps what was typed.
            gen = st.session_state.setdefault("sk_them_gen", 0)
            with st.form(f"sk_them_{gen}", clear_on_submit=False):
                code = st.text_input(
                    "Mã SKKN", placeholder=f"để trống: {entries.next_code(con, round_id)}",
                    key=f"sk_them_ma_{gen}",
                )  # fmt: skip
                title = st.text_input("Tên SKKN", key=f"sk_them_ten_{gen}")
                left, right = st.columns(2)
                field = left.text_input("Lĩnh vực", placeholder="vd. Mẫu giáo, Nhà trẻ, Quản lý",
                                        key=f"sk_them_linh_vuc_{gen}")  # fmt: skip
                group = right.text_input("Tổ", placeholder="để trống: tổ của tác giả thứ nhất",
                                         key=f"sk_them_to_{gen}")  # fmt: skip
                authors = st.text_area("Tác giả", help=AUTHORS_HELP,
                                       placeholder="Nguyễn Thị A (60%)\nTrần Thị B (40%)",
                                       key=f"sk_them_tac_gia_{gen}")  # fmt: skip
                document = st.file_uploader("Tài liệu SKKN (PDF hoặc DOCX, không bắt buộc)",
                                            type=["pdf", "docx"], max_upload_size=DOCUMENT_MB,
                                            key=f"sk_them_tai_lieu_{gen}")  # fmt: skip
                if st.form_submit_button("Đăng ký SKKN", type="primary"):
                    with ui.errors_shown():
                        new_id = entries.add_entry(
                            con, round_id, user.username, title=title, code=code, field=field,
                            group_name=group, authors=parse_authors_text(authors),
                            document=document.getvalue() if document else None,
                            document_name=document.name if document else None,
                        )  # fmt: skip
                        st.session_state["sk_them_gen"] = gen + 1
                        done(f"Đã đăng ký {literal(entries.require_entry(con, new_id).code)}.")

if tab_edit.open:
    with tab_edit:
        if not items:
            st.info("Chưa có SKKN nào.")
        else:
            labels = {e.id: f"{e.code} – {e.title}" for e in items}
            chosen = st.selectbox("SKKN", list(labels), format_func=labels.get, key="sk_sua_chon")
            e = next(x for x in items if x.id == chosen)
            locked = not can_edit_round(r)
            with st.form(f"sk_sua_{e.id}"):
                code = st.text_input("Mã SKKN", value=e.code, disabled=locked)
                title = st.text_input("Tên SKKN", value=e.title, disabled=locked)
                left, right = st.columns(2)
                field = left.text_input("Lĩnh vực", value=e.field, disabled=locked)
                group = right.text_input("Tổ", value=e.group_name, disabled=locked)
                authors = st.text_area("Tác giả", value=e.authors_text.replace("; ", "\n"),
                                       help=AUTHORS_HELP, disabled=locked)  # fmt: skip
                if st.form_submit_button("Lưu SKKN", disabled=locked):
                    with ui.errors_shown():
                        entries.update_entry(
                            con, e.id, user.username, code=code, title=title, field=field,
                            group_name=group, authors=parse_authors_text(authors),
                        )  # fmt: skip
                        done(f"Đã lưu {literal(code.strip() or e.code)}.")
            if not locked:
                st.markdown("**Tài liệu**")
                st.caption(
                    f"Hiện có: {literal(e.document_name)}"
                    if e.document_name
                    else "Chưa có tài liệu."
                )
                document = st.file_uploader("Tải lên tài liệu mới (PDF hoặc DOCX)",
                                            type=["pdf", "docx"], key=f"sk_tl_{e.id}",
                                            max_upload_size=DOCUMENT_MB)  # fmt: skip
                left, right = st.columns(2)
                if left.button("Lưu tài liệu", disabled=document is None, key=f"sk_tl_luu_{e.id}"):
                    with ui.errors_shown():
                        entries.set_document(con, e.id, user.username, document.getvalue(),
                                            document.name)  # fmt: skip
                        done(f"Đã lưu tài liệu của {literal(e.code)}.")
                if e.document_name and right.button("Xóa tài liệu", key=f"sk_tl_xoa_{e.id}"):
                    entries.set_document(con, e.id, user.username, None, None)
                    done(f"Đã xóa tài liệu của {literal(e.code)}.")
                st.markdown("**Rút SKKN**")
                if e.withdrawn:
                    st.caption(f"Đã rút. Lý do: {literal(e.withdrawn_reason)}")
                    if st.button("Khôi phục SKKN", key=f"sk_khoi_phuc_{e.id}"):
                        entries.withdraw_entry(con, e.id, user.username, withdrawn=False)
                        done(f"Đã khôi phục {literal(e.code)}.")
                else:
                    with st.form(f"sk_rut_{e.id}"):
                        reason = st.text_input("Lý do rút (SKKN vẫn được giữ, đánh dấu đã rút)")
                        if st.form_submit_button("Rút SKKN"):
                            with ui.errors_shown():
                                entries.withdraw_entry(con, e.id, user.username, reason)
                                done(f"Đã rút {literal(e.code)}.")

if tab_conflicts.open:
    with tab_conflicts:
        authors = conflicts.council_authors(con, round_id)
        n_recorded = conflicts.conflict_count(con, round_id)
        # A city round after "Ghi tất cả" holds ~200,000 conflicts: counts, a file, and removal
        # picked per SKKN instead of the whole list and one picker of every conflict.
        many = n_recorded + len(authors) > conflicts.LIST_INLINE
        found = authors if many else conflicts.conflicts(con, round_id, authors=authors)
        st.caption("Tác giả không bao giờ được phân công chấm SKKN của mình (tự động). "
                   "Ghi thêm các xung đột khác: cùng tổ, người thân, lý do khác.")  # fmt: skip
        if not many and found.empty:
            st.info("Chưa có xung đột nào.")
        elif not many:
            ui.dataframe(
                {"Mã SKKN": found["code"], "Giám khảo": found["full_name"],
                 "Loại": found["kind_label"], "Ghi chú": found["note"]},
                hide_index=True, width="stretch",
            )  # fmt: skip
        else:
            summary = conflicts.conflict_summary(con, round_id, authors)
            st.caption(f"{ui.count_text(n_recorded)} xung đột đã ghi"
                       + (f", {ui.count_text(len(authors))} giám khảo là tác giả"
                          if len(authors) else "")
                       + "; danh sách đầy đủ trong tệp tải về.")  # fmt: skip
            ui.dataframe(
                {"Tổ": [g or "(chưa ghi tổ)" for g in summary["group_name"]],
                 "Số SKKN": summary["n_entries"].map(ui.count_text),
                 **{label: summary[kind].map(ui.count_text)
                    for kind, label in conflicts.CONFLICT_KINDS.items()},
                 conflicts.AUTHOR: summary["author"].map(ui.count_text),
                 "Tổng": summary["total"].map(ui.count_text)},
                hide_index=True, width="stretch",
            )  # fmt: skip
            file_name = f"xung-dot-dot-{round_id}.csv"
            ui.download_button(
                "Tải danh sách xung đột (CSV)",
                data=downloads.csv_export(
                    con, user.username, lambda c: conflicts.conflict_table(c, round_id),
                    file_name, {"kind": "conflicts", "round": round_id},
                ),
                file_name=file_name, mime="text/csv", key="sk_xung_dot_tai",
            )  # fmt: skip
        if can_edit_round(r) and kept_labels and names:
            if many:  # one SKKN picked, then its conflicts: one picker of 5,000, not 200,000
                st.markdown("**Xung đột của một SKKN**")
                picker = {**kept_labels, **conflicts.withdrawn_conflict_entries(con, round_id)}
                entry_pick = st.selectbox("SKKN", list(picker), format_func=picker.get,
                                          key="sk_xd_skkn")  # fmt: skip
                mine = conflicts.entry_conflicts(con, entry_pick)
                writers = authors[authors["entry_id"] == entry_pick]
                if mine.empty and writers.empty:
                    st.caption("SKKN này chưa có xung đột nào.")
                else:
                    shown = pd.concat([mine, writers], ignore_index=True)
                    ui.dataframe(
                        {"Giám khảo": shown["full_name"], "Tên đăng nhập": shown["examiner"],
                         "Loại": shown["kind_label"], "Ghi chú": shown["note"]},
                        hide_index=True, width="stretch",
                    )  # fmt: skip
            with st.form("sk_xung_dot"):
                if not many:
                    entry_pick = st.selectbox(
                        "SKKN", list(kept_labels), format_func=kept_labels.get
                    )
                examiner = st.selectbox("Giám khảo", list(names),
                                        format_func=lambda u: f"{names[u]} ({u})")  # fmt: skip
                kind = st.selectbox("Loại xung đột", list(conflicts.CONFLICT_KINDS),
                                    format_func=conflicts.CONFLICT_KINDS.get)  # fmt: skip
                note = st.text_input("Ghi chú")
                if st.form_submit_button("Ghi xung đột"):
                    with ui.errors_shown():
                        conflicts.add_conflict(con, entry_pick, examiner, kind, user.username, note)
                        done("Đã ghi xung đột.")
            if many and not mine.empty:
                labels = {
                    int(i): f"{name} ({u}) – {kind}" + (f": {note}" if note else "")
                    for i, u, name, kind, note in frames.rows(
                        mine, "id", "examiner", "full_name", "kind_label", "note"
                    )
                }
                with st.form(f"sk_xoa_xung_dot_{entry_pick}"):
                    pick = st.selectbox("Xóa xung đột với giám khảo", list(labels),
                                        format_func=labels.get)  # fmt: skip
                    if st.form_submit_button("Xóa xung đột"):
                        with ui.errors_shown():
                            conflicts.remove_conflict(con, pick, user.username)
                            done("Đã xóa xung đột.")
            summary = conflicts.same_group_summary(con, round_id, found)
            total = int(summary["n_suggestions"].sum())
            if total:
                st.markdown("**Gợi ý: giám khảo cùng tổ với tác giả**")
                if total <= SUGGESTIONS_INLINE:
                    suggested = conflicts.same_group_conflicts(con, round_id, found)
                    st.caption(
                        "; ".join(
                            literal(f"{code} – {names.get(u, u)}")
                            for code, u in frames.rows(suggested, "code", "examiner")
                        )
                    )
                else:  # a city round suggests ~200,000 pairs: counts per tổ, the list as a file
                    st.caption(f"{ui.count_text(total)} gợi ý (SKKN và giám khảo cùng tổ); "
                               "danh sách đầy đủ trong tệp tải về.")  # fmt: skip
                    ui.dataframe(
                        {"Tổ": summary["group_name"],
                         "Số SKKN": summary["n_entries"].map(ui.count_text),
                         "Số giám khảo": summary["n_examiners"].map(ui.count_text),
                         "Số gợi ý": summary["n_suggestions"].map(ui.count_text)},
                        hide_index=True, width="stretch",
                    )  # fmt: skip
                    file_name = f"goi-y-xung-dot-cung-to-dot-{round_id}.csv"
                    ui.download_button(
                        "Tải danh sách gợi ý (CSV)",
                        data=downloads.csv_export(
                            con, user.username, lambda c: conflicts.same_group_table(c, round_id),
                            file_name, {"kind": "same_group", "round": round_id},
                        ),
                        file_name=file_name, mime="text/csv", key="sk_cung_to_tai",
                    )  # fmt: skip
                if st.button("Ghi tất cả là xung đột cùng tổ", key="sk_cung_to"):
                    with ui.errors_shown():
                        n = conflicts.add_same_group_conflicts(con, round_id, user.username)
                        done(f"Đã ghi {ui.count_text(n)} xung đột cùng tổ.")
            recorded = found[found["id"].notna()]
            if not many and not recorded.empty:
                labels = {
                    int(i): f"{code} – {name} ({kind})"
                    for i, code, name, kind in frames.rows(
                        recorded, "id", "code", "full_name", "kind_label"
                    )
                }
                with st.form("sk_xoa_xung_dot"):
                    pick = st.selectbox("Xóa xung đột", list(labels), format_func=labels.get)
                    if st.form_submit_button("Xóa xung đột"):
                        conflicts.remove_conflict(con, pick, user.username)
                        done("Đã xóa xung đột.")

if tab_assign.open:
    with tab_assign:
        current = assignment.assignments(con, round_id)
        grid = assignment.assignment_grid(current)
        # A city round's grid is 5,000 rows (~1 MB to the browser, with the pickers ~1.8 MB):
        # counts, a page of it at a time, the whole grid as a file; pickers per SKKN.
        many = len(grid) > assignment.GRID_INLINE
        if current.empty:
            st.info("Chưa có phân công nào.")
        elif not many:
            ui.dataframe(grid, hide_index=True, width="stretch", column_config=GRID_COLUMNS)
        else:
            counts = assignment.assignment_counts(current, kept_labels, r.examiners_per_entry)
            st.caption(
                f"{ui.count_text(counts['entries'])} SKKN có giám khảo, "
                f"{ui.count_text(counts['sheets'])} phiếu: "
                + ", ".join(f"{ui.count_text(counts[s])} {word}"
                            for s, word in assignment.SHEET_WORDS.items())
                + (f"; {ui.count_text(counts['short'])} SKKN chưa đủ {r.examiners_per_entry} "
                   "giám khảo" if counts["short"] else "") + "."
            )  # fmt: skip
            ui.long_table(
                grid, "sk_pc_trang", rows=assignment.GRID_PAGE, column_config=GRID_COLUMNS,
                con=con, actor=user.username, csv=(
                    "Tải bảng phân công (CSV)", f"phan-cong-dot-{round_id}.csv",
                    lambda c: assignment.assignment_grid(assignment.assignments(c, round_id)),
                    {"kind": "assignments", "round": round_id}),
            )  # fmt: skip
        if why_cannot_assign(r):
            st.info(why_cannot_assign(r))
        elif not names:
            st.warning("Hội đồng chưa có giám khảo: thêm ở trang Đợt chấm, thẻ Hội đồng.")
        else:
            st.markdown("##### Phân công tự động")
            st.caption(
                f"Mỗi SKKN {r.examiners_per_entry} giám khảo; chia đều số phiếu, ưu tiên cùng lĩnh "
                "vực, tránh tác giả và xung đột. Phân công đã có không bao giờ bị đổi."
            )
            if st.button("Đề xuất phân công", icon=":material/auto_fix_high:", key="sk_de_xuat"):
                st.session_state["auto_plan"] = (
                    round_id,
                    assignment.propose_assignments(con, round_id),
                )
            saved = st.session_state.get("auto_plan")
            if saved and saved[0] == round_id:
                plan = saved[1]
                for problem in plan.problems:
                    st.warning(literal(problem))
                if not plan.proposals:
                    st.info("Không có phân công nào cần thêm: mọi SKKN đã đủ giám khảo.")
                else:
                    shown = plan.table()
                    proposed = pd.DataFrame(
                        {"Mã": shown["code"], "Tên SKKN": shown["title"], "GK": shown["gk"],
                         "Giám khảo": shown["examiner_name"],
                         "Cùng lĩnh vực": shown["same_field"].map({True: "có", False: ""})}
                    )  # fmt: skip
                    if len(proposed) <= assignment.GRID_INLINE:
                        ui.dataframe(proposed, hide_index=True, width="stretch")
                    else:  # a new city round: 10,000 proposals, a page at a time and a file
                        st.caption(f"{ui.count_text(len(proposed))} phiếu đề xuất cho "
                                   f"{ui.count_text(shown['code'].nunique())} SKKN, "
                                   f"{ui.count_text(int(shown['same_field'].sum()))} "
                                   "cùng lĩnh vực.")  # fmt: skip
                        ui.long_table(
                            proposed, "sk_de_xuat_trang", rows=assignment.GRID_PAGE,
                            con=con, actor=user.username, csv=(
                                "Tải đề xuất phân công (CSV)",
                                f"de-xuat-phan-cong-dot-{round_id}.csv", lambda _: proposed,
                                {"kind": "proposed_assignments", "round": round_id}),
                        )  # fmt: skip
                    loads = [literal(f"{names.get(u, u)}: {n}") for u, n in plan.loads.items()]
                    st.caption("Số phiếu sau phân công: " + ", ".join(loads))
                    yes, no = st.columns(2)
                    if yes.button("Xác nhận phân công", type="primary", key="sk_xac_nhan"):
                        with ui.errors_shown():
                            n = assignment.apply_assignments(
                                con, round_id, plan.proposals, user.username
                            )
                            done(f"Đã phân công {n} phiếu chấm.")
                    if no.button("Bỏ đề xuất", key="sk_bo_de_xuat"):
                        st.session_state.pop("auto_plan", None)
                        st.rerun()

            st.markdown("##### Phân công bằng tay")
            if many:  # one SKKN picked, then its examiners: no picker of 12,000 pairs
                picker = {**kept_labels, **{
                    int(i): f"{code} – {title} (đã rút)"
                    for i, code, title, gone in frames.rows(
                        current, "entry_id", "code", "title", "withdrawn") if gone}}  # fmt: skip
                entry_pick = st.selectbox("SKKN", list(picker), format_func=picker.get,
                                          key="sk_pc_skkn")  # fmt: skip
                theirs = current[current["entry_id"] == entry_pick]
                st.caption(
                    "Giám khảo: " + "; ".join(literal(cell) for cell in
                                               grid[grid["Mã"] == theirs["code"].iloc[0]]
                                               .iloc[0, 2:] if cell)
                    if not theirs.empty else "SKKN này chưa có giám khảo."
                )  # fmt: skip
            if kept_labels:
                with st.form("sk_phan_cong"):
                    if not many:
                        entry_pick = st.selectbox(
                            "SKKN", list(kept_labels), format_func=kept_labels.get
                        )
                    examiner = st.selectbox("Giám khảo", list(names),
                                            format_func=lambda u: f"{names[u]} ({u})")  # fmt: skip
                    if st.form_submit_button("Phân công"):
                        with ui.errors_shown():
                            order = assignment.assign(con, entry_pick, examiner, user.username)
                            code = kept_labels[entry_pick].split(" – ")[0]
                            done(f"Đã phân công {literal(names[examiner])} là GK{order} của "
                                 f"{literal(code)}.")  # fmt: skip
            removable = theirs if many else current
            if not removable.empty:
                pairs = {
                    f"{entry}|{examiner}": f"{code} – {gk} {name}"
                    for entry, examiner, code, gk, name in frames.rows(
                        removable, "entry_id", "examiner", "code", "gk", "full_name"
                    )
                }
                with st.form("sk_bo_phan_cong"):
                    pick = st.selectbox("Bỏ phân công", list(pairs), format_func=pairs.get)
                    st.caption("Phiếu đã có điểm hoặc nhận xét thì không bỏ phân công được.")
                    if st.form_submit_button("Bỏ phân công"):
                        entry_text, examiner = pick.split("|", 1)
                        with ui.errors_shown():
                            assignment.unassign(con, int(entry_text), examiner, user.username)
                            done(f"Đã bỏ phân công {literal(pairs[pick])}.")
