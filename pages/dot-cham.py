"""Đợt chấm: create a round, its settings and state, its rubric (edit, YAML import/export),
its council, and its audit trail."""

from datetime import date

import streamlit as st

from lib import ui
from lib.access import users
from lib.access.permissions import can_edit_round, can_manage_rounds
from lib.core import clock
from lib.core.text import literal
from lib.scoring import council, history, rounds, rubric_edit, states
from lib.scoring.rubric import format_number, load_rubric_yaml

user = ui.require(can_manage_rounds)
con = ui.connection()

st.title("Đợt chấm")
ui.show_saved("rounds_flash")


def done(message: str, round_id: int | None = None) -> None:
    if round_id is not None:
        st.session_state["chosen_round"] = round_id
        st.session_state.pop("dc_dot", None)
    ui.saved("rounds_flash", message)


def rubric_errors(errors: list[str]) -> None:
    st.error("Mẫu phiếu chưa hợp lệ:\n\n" + "\n".join(f"- {literal(e)}" for e in errors),
             icon=":material/error:")  # fmt: skip


listed = rounds.list_rounds(con, counts=False)
templates = rounds.templates()

with (
    st.expander("Tạo đợt chấm mới", icon=":material/add:", expanded=listed.empty),
    st.form("dc_tao"),
):
    name = st.text_input("Tên đợt chấm", placeholder="Chấm SKKN năm học 2024-2025")
    left, right = st.columns(2)
    level = left.text_input("Cấp", value=rounds.DEFAULT_LEVEL)
    year = right.text_input("Năm học", placeholder="2024-2025")
    template = left.selectbox("Mẫu phiếu chấm", list(templates))
    uploaded = right.file_uploader("…hoặc nhập mẫu phiếu từ tệp YAML", type=["yaml", "yml"])
    per_entry = left.selectbox("Số giám khảo mỗi SKKN", rounds.EXAMINER_COUNTS, index=1)
    gap = right.text_input("Chênh lệch tối đa giữa hai giám khảo",
                               placeholder="để trống: theo mẫu phiếu")  # fmt: skip
    deadline = left.date_input("Hạn chấm", value=None, format="DD/MM/YYYY")
    blind = right.checkbox("Chấm ẩn danh (giám khảo không thấy tên tác giả)")
    if st.form_submit_button("Tạo đợt chấm", type="primary"):
        if uploaded is not None:
            rubric, errors = load_rubric_yaml(uploaded.getvalue().decode("utf-8", "replace"))
        else:
            rubric, errors = load_rubric_yaml(templates[template].read_text(encoding="utf-8"))
        if rubric is None:
            rubric_errors(errors)
        else:
            with ui.errors_shown():
                new_id = rounds.create_round(
                        con, user.username, name, rubric, level=level, school_year=year,
                        examiners_per_entry=per_entry, max_gap=gap, blind=blind,
                        deadline=deadline,
                    )  # fmt: skip
                done(f"Đã tạo đợt chấm '{literal(name.strip())}'.", new_id)

if listed.empty:
    st.info("Chưa có đợt chấm nào.")
    st.stop()

options = {int(row.id): f"{row.name} – {row.state_label}" for row in listed.itertuples()}
round_id = ui.pick_round(options, key="dc_dot")
assert round_id is not None
r = rounds.require_round(con, round_id)
if r.is_demo:
    st.caption(":orange-badge[Dữ liệu mẫu] Đợt chấm và các SKKN mẫu là hư cấu, để dùng thử.")

# Only the chosen tab runs: the council's counts and the audit trail are read when asked for.
tab_state, tab_rubric, tab_council, tab_audit = st.tabs(
    ["Thông tin và trạng thái", "Mẫu phiếu chấm", "Hội đồng", "Nhật ký"],
    key="dc_the",
    on_change="rerun",
)

# --- settings and state -----------------------------------------------------------------
if tab_state.open:
    with tab_state:
        steps = list(rounds.STATES.values())
        st.markdown(" → ".join(f"**{s}**" if s == r.state_label else s for s in steps))
        if r.state == "draft":
            st.caption("Đăng ký SKKN, ghi xung đột và phân công giám khảo, rồi mở đợt chấm.")
            if st.button("Mở đợt chấm", type="primary", icon=":material/play_arrow:"):
                with ui.errors_shown():
                    states.open_round(con, round_id, user.username)
                    done("Đã mở đợt chấm: giám khảo đã thấy phiếu chấm của mình.")
        elif r.state == "open":
            st.caption("Giám khảo đang chấm. Đóng đợt khi mọi phiếu đã nộp.")
            if st.button("Đóng đợt chấm", icon=":material/lock_clock:"):
                states.close_round(con, round_id, user.username)
                done("Đã đóng đợt chấm.")
        elif r.state == "closed":
            st.caption("Xem kết quả, xử lý chênh lệch, rồi công bố ở trang Kết quả chấm.")
            with st.form("dc_mo_lai_cham"):
                reason = st.text_input("Lý do mở lại để chấm (vd. cần giám khảo thứ 3)")
                if st.form_submit_button("Mở lại để chấm"):
                    with ui.errors_shown():
                        states.reopen_scoring(con, round_id, user.username, reason)
                        done("Đã mở lại đợt chấm.")
        else:
            at = clock.stamp(r.finalized_at)
            st.success(
                f"Kết quả đã công bố bởi {literal(r.finalized_by)} lúc {at}. Mọi phiếu đã khóa."
            )
            with st.form("dc_mo_lai"):
                reason = st.text_input("Lý do mở lại đợt đã công bố (được ghi vào nhật ký)")
                if st.form_submit_button("Mở lại đợt đã công bố"):
                    with ui.errors_shown():
                        states.reopen_round(con, round_id, user.username, reason)
                        done("Đã mở lại đợt chấm (trạng thái: đã đóng).")
        if r.reopen_reason:
            st.caption(f"Lần mở lại gần nhất: {literal(r.reopen_reason)}")

        st.markdown("##### Thông tin đợt chấm")
        locked = not can_edit_round(r)
        with st.form("dc_sua"):
            name = st.text_input("Tên đợt chấm", value=r.name, disabled=locked)
            left, right = st.columns(2)
            level = left.text_input("Cấp", value=r.level, disabled=locked)
            year = right.text_input("Năm học", value=r.school_year, disabled=locked)
            per_entry = left.selectbox(
                "Số giám khảo mỗi SKKN", rounds.EXAMINER_COUNTS,
                index=rounds.EXAMINER_COUNTS.index(r.examiners_per_entry), disabled=locked,
            )  # fmt: skip
            gap = right.text_input("Chênh lệch tối đa giữa hai giám khảo",
                                   value=format_number(r.max_gap), disabled=locked)  # fmt: skip
            deadline = left.date_input("Hạn chấm", value=r.deadline, format="DD/MM/YYYY",
                                       disabled=locked)  # fmt: skip
            blind = right.checkbox("Chấm ẩn danh (giám khảo không thấy tên tác giả)", value=r.blind,
                                   disabled=locked)  # fmt: skip
            if st.form_submit_button("Lưu thông tin", disabled=locked):
                with ui.errors_shown():
                    rounds.update_round(
                        con, round_id, user.username, name=name, level=level, school_year=year,
                        examiners_per_entry=per_entry, max_gap=gap, blind=blind,
                        deadline=deadline if isinstance(deadline, date) else None,
                    )  # fmt: skip
                    done("Đã lưu thông tin đợt chấm.")

# --- the rubric -------------------------------------------------------------------------
if tab_rubric.open:
    with tab_rubric:
        rubric = r.rubric
        frozen = rounds.is_rubric_frozen(con, round_id) or not can_edit_round(r)
        st.markdown(
            f"**{literal(rubric.name)}** · thang {format_number(rubric.scale)} điểm · bước "
            f"{format_number(rubric.step)} · chênh lệch tối đa {format_number(r.max_gap)}"
        )
        ui.download_button(
            "Tải mẫu phiếu (YAML)",
            data=rounds.rubric_yaml(r).encode("utf-8"),
            file_name="mau-phieu-cham.yaml",
            mime="application/x-yaml",
            icon=":material/download:",
        )  # fmt: skip
        if frozen:
            st.info("Mẫu phiếu đã khóa: đã có phiếu chấm được nộp trong đợt này.",
                    icon=":material/lock:")  # fmt: skip
        # The templates' thresholds are placeholders: the council confirms them before opening.
        thresholds = "; ".join(f"{literal(g.grade)}: từ {format_number(g.min_total)} điểm"
                               for g in rubric.grades)  # fmt: skip
        if states.thresholds_confirmed(con, round_id):
            st.success(f"Hội đồng đã xác nhận ngưỡng xếp loại ({thresholds}).",
                       icon=":material/verified:")  # fmt: skip
        elif can_edit_round(r):
            st.warning(f"Ngưỡng xếp loại chưa được hội đồng xác nhận ({thresholds}); chưa mở "
                       "đợt chấm được. Sửa ngưỡng thì phải xác nhận lại.")  # fmt: skip
            sure = st.checkbox("Hội đồng đã xác nhận ngưỡng xếp loại", key=f"dc_nguong_{round_id}")
            if st.button("Ghi xác nhận", disabled=not sure, key=f"dc_ghi_nguong_{round_id}"):
                with ui.errors_shown():
                    states.confirm_thresholds(con, round_id, user.username)
                    done("Đã ghi: hội đồng đã xác nhận ngưỡng xếp loại.")
        sections, criteria, grades = rubric_edit.rubric_tables(rubric)
        with st.form(f"dc_mau_{round_id}"):
            name = st.text_input("Tên mẫu phiếu", value=rubric.name, disabled=frozen)
            a, b, c = st.columns(3)
            scale = a.text_input("Thang điểm", value=format_number(rubric.scale), disabled=frozen)
            step = b.text_input("Bước điểm", value=format_number(rubric.step), disabled=frozen)
            gap = c.text_input("Chênh lệch tối đa", value=format_number(r.max_gap), disabled=frozen)
            st.caption("Các phần")
            new_sections = st.data_editor(sections, num_rows="dynamic", hide_index=True,
                                          width="stretch", disabled=frozen)  # fmt: skip
            st.caption("Tiêu chí (tổng điểm tối đa phải bằng thang điểm)")
            new_criteria = st.data_editor(
                criteria, num_rows="dynamic", hide_index=True, width="stretch", disabled=frozen,
                column_config={"Tối đa": st.column_config.NumberColumn(min_value=0, format="%g")},
            )  # fmt: skip
            st.caption("Xếp loại, xét từ trên xuống; dưới mọi mức: Không xếp loại. "
                       "Điểm phần tối thiểu viết như 'II: 11'.")  # fmt: skip
            new_grades = st.data_editor(
                grades, num_rows="dynamic", hide_index=True, width="stretch", disabled=frozen,
                column_config={"Tổng từ": st.column_config.NumberColumn(min_value=0, format="%g")},
            )  # fmt: skip
            if st.form_submit_button("Kiểm tra và lưu mẫu phiếu", type="primary", disabled=frozen):
                edited, errors = rubric_edit.rubric_from_tables(
                    name, scale, step, gap, new_sections, new_criteria, new_grades
                )
                if edited is None:
                    rubric_errors(errors)
                else:
                    with ui.errors_shown():
                        rounds.set_rubric(con, round_id, edited, user.username)
                        done("Đã lưu mẫu phiếu chấm.")
        if not frozen:
            with st.form("dc_nhap_mau"):
                st.markdown("**Thay bằng mẫu có sẵn hoặc tệp YAML**")
                template = st.selectbox("Mẫu có sẵn", ["", *templates],
                                        format_func=lambda t: t or "— chọn mẫu —")  # fmt: skip
                uploaded = st.file_uploader("Tệp YAML", type=["yaml", "yml"], key="dc_yaml")
                if st.form_submit_button("Thay mẫu phiếu"):
                    if uploaded is not None:
                        text = uploaded.getvalue().decode("utf-8", "replace")
                    elif template:
                        text = templates[template].read_text(encoding="utf-8")
                    else:
                        text = ""
                    if not text:
                        st.error("Hãy chọn một mẫu có sẵn hoặc một tệp YAML.")
                    else:
                        new_rubric, errors = load_rubric_yaml(text)
                        if new_rubric is None:
                            rubric_errors(errors)
                        else:
                            with ui.errors_shown():
                                rounds.set_rubric(con, round_id, new_rubric, user.username)
                                done(f"Đã thay mẫu phiếu: {literal(new_rubric.name)}.")

# --- the council ------------------------------------------------------------------------
if tab_council.open:
    with tab_council:
        members = council.round_examiners(con, round_id)
        st.caption("Hội đồng của đợt chấm: những người được phân công chấm. Lĩnh vực giúp phân "
                   "công tự động chọn người cùng lĩnh vực với SKKN.")  # fmt: skip
        if members.empty:
            st.info("Hội đồng chưa có ai.")
        else:
            if not members["has_password"].all():
                st.warning(
                    "Tài khoản ghi “chưa có mật khẩu” chưa đăng nhập được: không được phân công "
                    "tự động cho đến khi có mật khẩu (trang Người dùng)."
                )
            ui.dataframe(
                {
                    "Họ và tên": members["full_name"],
                    "Tài khoản": [
                        "" if has else council.NO_PASSWORD for has in members["has_password"]
                    ],
                    "Tên đăng nhập": members["username"],
                    "Nhiệm vụ": members["duty"],
                    "Lĩnh vực": members["fields"],
                    "Tổ": members["group_name"],
                    "Được giao": members["n_assigned"],
                    "Đã nộp": members["n_submitted"],
                },
                hide_index=True,
                width="stretch",
            )
        accounts = users.examiner_accounts(con)
        if can_edit_round(r) and not accounts.empty:
            names = dict(zip(accounts["username"], accounts["full_name"], strict=True))
            locked_out = set(accounts.loc[~accounts["has_password"], "username"])
            member = st.selectbox(
                "Giám khảo", list(names), key="dc_thanh_vien",
                format_func=lambda u: f"{names[u]} ({u})"
                + (f" – {council.NO_PASSWORD}" if u in locked_out else ""),
            )  # fmt: skip
            current = members[members["username"] == member]
            with st.form(f"dc_hd_{member}"):
                duty = st.text_input(
                    "Nhiệm vụ trong hội đồng",
                    value=current["duty"].iloc[0] if len(current) else rounds.DEFAULT_DUTY,
                )
                fields = st.text_input(
                    "Lĩnh vực (cách nhau bằng dấu ;)",
                    value=current["fields"].iloc[0] if len(current) else "",
                )
                if st.form_submit_button("Lưu vào hội đồng"):
                    with ui.errors_shown():
                        council.set_council_member(
                            con, round_id, member, user.username, duty, fields
                        )
                        done(f"Đã cập nhật hội đồng: {literal(names[member])}.")
            if len(current) and st.button("Bỏ khỏi hội đồng", key="dc_bo_hd"):
                with ui.errors_shown():
                    council.remove_council_member(con, round_id, member, user.username)
                    done(f"Đã bỏ {literal(names[member])} khỏi hội đồng.")

# --- audit ------------------------------------------------------------------------------
if tab_audit.open:
    with tab_audit:
        log = history.round_history(con, round_id)
        if log.empty:
            st.info("Chưa có thay đổi nào.")
        else:
            kinds = sorted(set(log["action_label"]))
            chosen = st.multiselect("Loại việc", kinds, placeholder="Tất cả", key="dc_nk_loai")
            if chosen:
                log = log[log["action_label"].isin(chosen)]
            shown = {"Thời gian": log["time"], "Nội dung": log["sentence"]}
            if st.toggle("Xem giá trị trước và sau", key="dc_nk_chi_tiet"):
                shown["Chi tiết"] = log["details"]
            ui.dataframe(shown, hide_index=True, width="stretch")
