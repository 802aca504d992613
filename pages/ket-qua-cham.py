"""Kết quả chấm: results and progress of a round; the chair settles disagreements and publishes.

Admins see every round at any time; staff and examiners only rounds whose results are
published (đã công bố)."""

import pandas as pd
import streamlit as st

from lib import ui
from lib.access.permissions import (
    can_assign,
    can_manage_rounds,
    can_override_grade,
    can_view_authors,
    can_view_overview,
    can_view_results,
    is_published,
)
from lib.core import clock, frames
from lib.core.text import literal
from lib.documents import recognition, skkn
from lib.scoring import assignment, charts, conflicts, council, results, rounds, sheets, states
from lib.scoring.rubric import format_number
from lib.ui import round_documents

user = ui.require(can_view_overview)
con = ui.connection()
admin = can_manage_rounds(user)

st.title("Kết quả chấm")
ui.show_saved("results_flash")


def done(message: str) -> None:
    ui.saved("results_flash", message)


listed = rounds.list_rounds(con, counts=False)
visible = {int(row.id): row.label for row in listed.itertuples() if can_view_results(user, row)}
if not visible:
    st.info("Chưa có kết quả chấm SKKN nào được công bố." if not admin
            else "Chưa có đợt chấm nào: tạo đợt chấm ở trang Đợt chấm.")  # fmt: skip
    st.stop()
round_id = ui.pick_round(visible, key="kq_dot")
assert round_id is not None
r = rounds.require_round(con, round_id)
df = results.results(con, round_id)

line = f"Trạng thái: **{r.state_label}** · {literal(r.level)} · {literal(r.rubric.name)}"
if is_published(r) and r.finalized_at is not None:
    line += f" · công bố bởi {literal(r.finalized_by)} lúc {clock.stamp(r.finalized_at)}"
st.markdown(line)
if r.is_demo:
    st.caption(":orange-badge[Dữ liệu mẫu]")


# Long titles must not push the examiners' totals out of sight.
COLUMNS = {
    "Tên SKKN": st.column_config.TextColumn(width="medium"),
    "Tác giả": st.column_config.TextColumn(width="medium"),
    "Ghi chú": st.column_config.TextColumn(width="medium"),
}


def grade_cells(frame) -> list[str]:
    return [
        "" if grade is None else (f"{grade} (điều chỉnh)" if overridden else grade)
        for grade, overridden in zip(frame["grade"], frame["overridden"], strict=True)
    ]


def note_cells(frame) -> list[str]:
    return [
        f"Chủ tịch HĐ điều chỉnh (tính theo điểm: {computed}): {why}" if overridden
        else (reason or "")
        for overridden, computed, why, reason in zip(
            frame["overridden"], frame["computed_grade"], frame["override_reason"],
            frame["reason"], strict=True)
    ]  # fmt: skip


def number_cells(values) -> list[str]:
    # Each distinct number formatted once: a city round's thousands of means and totals take a
    # few hundred values.
    texts = {v: ui.number_text(v) for v in set(values)}
    return [texts[v] for v in values]


def totals_table(frame, with_examiners: bool, with_authors: bool):
    # The outcome first (grade, mean, state), long texts last: at 1440 px the chair saw no
    # Trạng thái and a cut Xếp loại, and a phone showed only Mã, Tên and Tác giả.
    table = {
        "Mã": frame["code"],
        "Xếp loại": grade_cells(frame),
        "Điểm TB": number_cells(frame["mean_total"]),
    }
    if with_examiners:
        table["Trạng thái"] = frame["status"]
        for i in (1, 2, 3):
            if i == 3 and frame["gk3_total"].isna().all():
                continue
            table[f"GK{i}"] = number_cells(frame[f"gk{i}_total"])
        table["Số phiếu"] = frame["n_sheets"]
    table["Tên SKKN"] = frame["title"]
    if with_authors:
        table["Tác giả"] = frame["authors"]
    table["Lĩnh vực"] = frame["field"]
    table["Tổ"] = frame["group_name"]
    table["Ghi chú"] = note_cells(frame)
    return table


def picked_sheets(having, key: str, include_drafts: bool):
    """The round's sheets for a picker; over results.PICKER_INLINE entries, those of one SKKN
    picked first from these results rows (a city round has 12,500 sheets)."""
    if len(df) <= results.PICKER_INLINE:
        return results.sheet_list(con, round_id, include_drafts=include_drafts)
    labels = {int(i): f"{code} – {title}"
              for i, code, title in frames.rows(having, "entry_id", "code", "title")}  # fmt: skip
    if not labels:  # no SKKN has a sheet: the round's list is empty, and cheap
        return results.sheet_list(con, round_id, include_drafts=include_drafts)
    entry_id = st.selectbox("SKKN", list(labels), format_func=labels.get, key=key)
    return results.sheet_list(con, round_id, include_drafts=include_drafts, entry_id=entry_id)


# --- what staff and examiners see: the published results ----------------------------------
if not admin:
    kept = df[~df["withdrawn"]]
    counts = kept["grade"].value_counts()
    parts = [f"{'loại ' + g if len(g) <= 2 else g}: {int(counts.get(g, 0))}"
             for g in results.grade_choices(r)]  # fmt: skip
    st.markdown(f"**{ui.count_text(len(kept))} SKKN** · " + " · ".join(parts))
    ui.dataframe(totals_table(kept, False, can_view_authors(user, r)), hide_index=True,
                 width="stretch", column_config=COLUMNS)  # fmt: skip
    grades = charts.grade_counts(kept, [g.grade for g in r.rubric.grades])
    st.vega_lite_chart(spec=grades, width="stretch")
    st.stop()

# --- the chair's view ------------------------------------------------------------------
s = results.headline_counts(con, round_id, df)
a, b, c, d = st.columns(4)
a.metric("SKKN", ui.count_text(s["entries"]))
b.metric("Phiếu đã nộp", f"{ui.count_text(s['submitted'])}/{ui.count_text(s['expected'])}")
c.metric("Cần giám khảo thứ 3", ui.count_text(s["needs_third"]))
# Until the results are published a grade can still change (a sheet to come, a third examiner,
# the chair's decision): the count says so.
d.metric("Loại A" if is_published(r) else "Loại A (tạm tính)", ui.count_text(s.get("grade:A", 0)),
         help=None if is_published(r) else "Theo các phiếu đã nộp đến lúc này; chắc chắn khi "
         "kết quả được công bố.")  # fmt: skip

if r.state == "open":
    with st.expander("Đóng đợt chấm", icon=":material/lock_clock:"):
        st.caption("Sau khi đóng, giám khảo không chấm được nữa; phiếu nháp không được tính.")
        if st.button("Đóng đợt chấm", key="kq_dong"):
            states.close_round(con, round_id, user.username)
            done("Đã đóng đợt chấm.")
elif r.state == "closed":
    with st.expander("Công bố kết quả", icon=":material/publish:", expanded=True):
        waiting = results.unsettled(con, round_id, df)
        if waiting:
            st.warning("Còn SKKN cần giám khảo thứ 3 hoặc quyết định của Chủ tịch HĐ: "
                       + literal(", ".join(waiting)))  # fmt: skip
        empty = df[(~df["withdrawn"]) & (df["n_sheets"] == 0)]
        if not empty.empty:
            st.warning(f"{len(empty)} SKKN chưa có phiếu nào được nộp: "
                       + literal(", ".join(empty["code"])))  # fmt: skip
        st.caption("Công bố khóa mọi phiếu chấm và kết quả, và cho CBGVNV xem kết quả.")
        sure = st.checkbox("Tôi đã kiểm tra kết quả", key="kq_chac")
        if st.button("Công bố kết quả", type="primary", disabled=not sure, key="kq_cong_bo"):
            with ui.errors_shown():
                recognition.publish_round(con, round_id, user.username)
                done("Đã công bố kết quả. CBGVNV đã xem được kết quả của đợt chấm.")

# Only the chosen tab runs: each reads and draws a whole round, which at city scale costs
# seconds when all six run on every click.
tab_results, tab_progress, tab_charts, tab_settle, tab_sheets, tab_docs = st.tabs(
    ["Kết quả", "Tiến độ", "Biểu đồ", "Xử lý chênh lệch", "Phiếu chấm", "Văn bản"],
    key="kq_the",
    on_change="rerun",
)

if tab_results.open:
    with tab_results:
        only_flagged = st.toggle("Chỉ hiện SKKN cần giám khảo thứ 3", key="kq_chi_gk3")
        shown = df[df["unsettled"]] if only_flagged else df
        if shown.empty:
            st.info("Không có SKKN nào." if not only_flagged else "Không có SKKN nào cần GK3.")
        else:
            ui.dataframe(totals_table(shown, True, True), hide_index=True, width="stretch",
                         column_config=COLUMNS)  # fmt: skip

if tab_progress.open:
    with tab_progress:
        by_examiner = results.progress_by_examiner(con, round_id)
        st.vega_lite_chart(spec=charts.examiner_progress(by_examiner), width="stretch")
        ui.dataframe(
            {
                "Giám khảo": by_examiner["full_name"],
                "Được giao": by_examiner["assigned"],
                "Đã nộp": by_examiner["submitted"],
                "Đang chấm": by_examiner["drafts"],
                "Chưa chấm": by_examiner["not_started"],
                "Tỉ lệ nộp (%)": by_examiner["percent"],
            },
            hide_index=True,
            width="stretch",
        )
        by_entry = results.progress_by_entry(con, round_id)
        many = len(by_entry) > results.PICKER_INLINE
        if many:  # a city round: those still waiting first, a page at a time, all in a file
            short = by_entry[by_entry["submitted"] < by_entry["needed"]]
            st.caption(f"{ui.count_text(len(by_entry) - len(short))}/"
                       f"{ui.count_text(len(by_entry))} SKKN đủ phiếu đã nộp.")  # fmt: skip
            if st.toggle("Chỉ SKKN chưa đủ phiếu", value=True, key="kq_td_thieu"):
                by_entry = short
        table = pd.DataFrame(
            {
                "Mã": by_entry["code"],
                "Tên SKKN": by_entry["title"],
                "Phiếu đã nộp": [f"{s}/{n}" for s, n in zip(
                    by_entry["submitted"], by_entry["needed"], strict=True)],
                "Giám khảo được phân công": by_entry["assigned"],
            }
        )  # fmt: skip
        if not many:
            ui.dataframe(table, hide_index=True, width="stretch")
        else:
            ui.long_table(
                table, "kq_td_trang", con=con, actor=user.username, csv=(
                    "Tải tiến độ từng SKKN (CSV)", f"tien-do-dot-{round_id}.csv",
                    lambda c: results.progress_table(c, round_id),
                    {"kind": "progress", "round": round_id}),
            )  # fmt: skip

if tab_charts.open:
    with tab_charts:
        kept = df[~df["withdrawn"]]
        left, right = st.columns(2)
        grades = charts.grade_counts(kept, [g.grade for g in r.rubric.grades])
        left.vega_lite_chart(spec=grades, width="stretch")
        right.vega_lite_chart(spec=charts.score_distribution(kept, r.rubric.scale),
                              width="stretch")  # fmt: skip
        st.vega_lite_chart(spec=charts.gk_scatter(kept, r.rubric.scale, r.max_gap),
                           width="stretch")  # fmt: skip

if tab_settle.open:
    with tab_settle:
        flagged = df[df["needs_third"]]
        st.markdown("##### Cần giám khảo thứ 3")
        if flagged.empty:
            st.success("Không có SKKN nào có hai giám khảo chênh lệch.")
        names = council.council_names(con, round_id)
        if not flagged.empty:
            # One table and one picker: a form per entry costs a query per council member each,
            # which a district round with hundreds of flagged entries cannot afford.
            ui.dataframe(
                {
                    "Mã": list(flagged["code"]),
                    "Tên SKKN": list(flagged["title"]),
                    "Điểm các GK": [", ".join(f"GK{i}: {ui.number_text(t)}" for i, t in
                                              enumerate(totals, start=1) if t is not None)
                                    for totals in flagged["totals"]],
                    "Lý do": list(flagged["reason"]),
                    "Trạng thái": list(flagged["status"]),
                },
                hide_index=True, width="stretch",
            )  # fmt: skip
            if not can_assign(r):
                st.caption("Mở lại đợt để chấm (trang Đợt chấm) để phân công giám khảo thứ 3.")
            else:
                waiting = {
                    int(i): f"{code} – {title}"
                    for i, code, title in frames.rows(flagged, "entry_id", "code", "title")
                }
                entry_id = st.selectbox("SKKN cần giám khảo thứ 3", list(waiting),
                                        format_func=waiting.get, key="kq_gk3_skkn")  # fmt: skip
                row = flagged[flagged["entry_id"] == entry_id].iloc[0]
                others = [u for u in names if u not in row["examiners"]]
                # Its third already assigned: nothing more to pick (no fourth is offered).
                third = len(row["examiners"]) >= 3
                barred = set() if third else conflicts.conflicted_examiners(con, entry_id, others)
                free = [u for u in others if u not in barred]
                if third:
                    st.info(f"{literal(row['code'])} đã có giám khảo thứ 3: "
                            + literal(", ".join(names.get(u, u) for u in row["examiners"][2:]))
                            + ". Chờ phiếu của GK3 hoặc quyết định của Chủ tịch HĐ.")  # fmt: skip
                elif not free:
                    st.caption("Không còn giám khảo nào trong hội đồng chấm được SKKN này.")
                else:
                    pick = st.selectbox(
                        "Giám khảo thứ 3",
                        free,
                        format_func=lambda u: f"{names[u]} ({u})",
                        key="kq_gk3",
                    )
                    if st.button("Phân công GK3", key="kq_gk3_nut"):
                        with ui.errors_shown():
                            assignment.assign(con, entry_id, pick, user.username)
                            done(
                                f"Đã phân công {literal(names[pick])} chấm {literal(row['code'])}."
                            )

        st.markdown("##### Điều chỉnh xếp loại (quyết định của Chủ tịch HĐ)")
        scored = df[(~df["withdrawn"]) & (df["n_sheets"] > 0)]
        if not can_override_grade(r):
            st.caption("Kết quả đã công bố: mở lại đợt (trang Đợt chấm) để điều chỉnh.")
        elif scored.empty:
            st.caption("Chưa có SKKN nào có phiếu đã nộp.")
        else:
            labels = {
                int(i): f"{code} – {title}"
                + (" · cần quyết định" if waits else "")
                + (f" · đã phân công GK3 ({len(who)} giám khảo)" if len(who) >= 3 else "")
                for i, code, title, waits, who in frames.rows(
                    scored, "entry_id", "code", "title", "unsettled", "examiners")
            }  # fmt: skip
            # The picker opens on the SKKN that waits for the chair's decision, not the first.
            needing = [int(i) for i, waits in frames.rows(scored, "entry_id", "unsettled")
                       if waits]  # fmt: skip
            first = list(labels).index(needing[0]) if needing else 0
            with st.form("kq_dieu_chinh"):
                entry_pick = st.selectbox("SKKN", list(labels), format_func=labels.get,
                                          index=first)  # fmt: skip
                clear = "— Bỏ điều chỉnh, dùng xếp loại theo điểm —"
                grade = st.selectbox("Xếp loại", [*results.grade_choices(r), clear])
                reason = st.text_area("Lý do (bắt buộc, được ghi lại và hiện trong kết quả)")
                if st.form_submit_button("Lưu quyết định", type="primary"):
                    with ui.errors_shown():
                        results.set_override(con, entry_pick, None if grade == clear else grade,
                                             reason, user.username)  # fmt: skip
                        done(f"Đã lưu quyết định cho {labels[entry_pick].split(' – ')[0]}.")

        st.markdown("##### Mở lại phiếu đã nộp")
        if r.state != "open":
            st.caption("Chỉ mở lại phiếu khi đợt chấm đang mở.")
        elif (submitted := picked_sheets(df[df["n_sheets"] > 0], "kq_mo_lai_skkn", False)).empty:
            st.caption("Chưa có phiếu nào được nộp.")
        else:
            options = {int(sid): f"{code} – {gk} {name}" for sid, code, gk, name in frames.rows(
                submitted, "sheet_id", "code", "gk", "examiner_name")}  # fmt: skip
            with st.form("kq_mo_lai_phieu"):
                sheet_pick = st.selectbox("Phiếu", list(options), format_func=options.get)
                reason = st.text_input("Lý do mở lại")
                if st.form_submit_button("Mở lại phiếu"):
                    with ui.errors_shown():
                        sheets.reopen_sheet(con, user, sheet_pick, reason)
                        done(f"Đã mở lại phiếu {options[sheet_pick]}.")

if tab_sheets.open:
    with tab_sheets:
        # The picker lists every sheet; only the chosen one's points are read.
        having = df[(df["n_assigned"] > 0) | (df["n_sheets"] > 0)]
        everything = picked_sheets(having, "kq_xem_skkn", True)
        if everything.empty:
            st.info("Chưa có phiếu chấm nào." if having.empty or len(df) <= results.PICKER_INLINE
                    else "SKKN này chưa có phiếu chấm nào.")  # fmt: skip
        else:
            status_word = {"submitted": "đã nộp", "draft": "nháp"}
            columns = ["sheet_id", "code", "gk", "examiner_name", "status"]
            options = {
                int(sid): f"{code} – {gk} {name} ({status_word[status]})"
                for sid, code, gk, name, status in frames.rows(everything, *columns)
            }
            chosen = st.selectbox(
                "Phiếu", list(options), format_func=options.get, key="kq_xem_phieu"
            )
            found = results.submitted_sheets(con, round_id, include_drafts=True, sheet_id=chosen)
            if not found:  # removed between the two reads (its assignment was just undone)
                st.info("Phiếu này vừa bị xóa: hãy chọn phiếu khác.")
                st.stop()
            sheet = found[0]
            st.markdown(f"**{literal(sheet.code)} – {literal(sheet.title)}**  \n"
                        f"Tác giả: {literal(sheet.authors)}  \n"
                        f"Giám khảo: {literal(sheet.examiner_name)} ({sheet.gk})")  # fmt: skip
            rows = []
            for section in r.rubric.sections:
                rows.append({"Mục": section.code, "Tiêu chí": section.label.upper(),
                             "Tối đa": format_number(r.rubric.section_max(section.code)),
                             "Điểm": format_number(sheet.section_totals[section.code]),
                             "Nhận xét": ""})  # fmt: skip
                for c in r.rubric.criteria:
                    if c.section == section.code:
                        rows.append({"Mục": c.code, "Tiêu chí": c.label,
                                     "Tối đa": format_number(c.max),
                                     "Điểm": ui.number_text(sheet.scores.get(c.code)),
                                     "Nhận xét": sheet.comments.get(c.code, "")})  # fmt: skip
            rows.append({"Mục": "", "Tiêu chí": "TỔNG ĐIỂM",
                         "Tối đa": format_number(r.rubric.scale),
                         "Điểm": format_number(sheet.total), "Nhận xét": ""})  # fmt: skip
            ui.dataframe(rows, hide_index=True, width="stretch")
            st.markdown(
                f"Xếp loại theo phiếu: **{sheet.grade}**  \n"
                f"Nhận xét chung: {literal(sheet.overall)}"
            )
            if admin:
                ui.download_button(
                    "Tải phiếu này (Word) để ký",
                    data=lambda: skkn.round_sheet_docx(con, round_id, sheet),
                    file_name=f"phieu-cham-{sheet.code}-{sheet.gk or sheet.examiner}.docx",
                    icon=":material/download:",
                    key="kq_tai_phieu",
                )

if tab_docs.open:
    with tab_docs:
        round_documents.render(con, user, round_id)
