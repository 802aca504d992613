"""The Kế hoạch page's editing tabs and their forms (a plan's fields, a task's fields)."""

# Kept out of the page file: Streamlit parses a page's source again on every run it has not
# cached (each AppTest run, so each benchmark run), and these widgets were most of the page.

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import ui
from lib.access.permissions import User
from lib.core import frames
from lib.core.db import Connection
from lib.core.text import literal
from lib.plans import editing, plans


def done(message: str, plan_id: int | None = None) -> None:
    """Say what was saved on the next run (and open plan_id there), then rerun."""
    if plan_id is not None:
        st.session_state["plans_open"] = plan_id  # the selectbox takes it on the next run
    ui.saved("plans_flash", message)


def plan_form(key: str, plan: dict | None = None) -> plans.PlanIn | None:
    """The plan's own fields; returns what was typed when the form is sent."""
    plan = plan or {}
    year = plan.get("year")
    with st.form(key):
        left, right = st.columns(2)
        code = left.text_input("Số kế hoạch", plan.get("code", ""), placeholder="13/KH-MNAS")
        title = right.text_input("Tên kế hoạch", plan.get("title", ""))
        unit = left.text_input("Đơn vị ban hành", plan.get("unit", ""))
        parent_unit = right.text_input("Cơ quan chủ quản", plan.get("parent_unit", ""))
        issued_on = left.date_input(
            "Ngày ban hành", plans.as_date(plan.get("issued_on")), format="DD/MM/YYYY"
        )
        place = right.text_input("Địa danh", plan.get("place", ""))
        signer = left.text_input("Người ký", plan.get("signer", ""))
        signer_title = right.text_input("Chức vụ người ký", plan.get("signer_title", ""))
        # A picker, not st.number_input (Chromium drops a comma from a number field).
        years = [None, *range(2000, 2101)]
        year = left.selectbox(
            "Năm",
            years,
            index=years.index(None if year is None or pd.isna(year) else int(year)),
            format_func=lambda y: "—" if y is None else str(y),
        )
        school_year = right.text_input(
            "Năm học", plan.get("school_year", ""), placeholder="2024-2025"
        )
        body = st.text_area(
            "Nội dung (mục đích, yêu cầu, nội dung, tổ chức thực hiện)",
            plan.get("body", ""),
            height=260,
        )
        if not st.form_submit_button("Lưu kế hoạch", type="primary"):
            return None
    return plans.PlanIn(
        code=code, title=title, unit=unit, parent_unit=parent_unit, place=place,
        issued_on=issued_on, signer=signer, signer_title=signer_title,
        year=None if year is None else int(year), school_year=school_year, body=body,
    )  # fmt: skip


def task_fields(key: str, row: dict | None = None) -> plans.TaskIn:
    """The task's fields inside a form; the widgets keep what was typed until it is saved."""
    row = row or {}
    period = st.text_input(
        "Thời gian (ghi như trong kế hoạch)",
        row.get("period_label", ""),
        key=key + "period",
        placeholder="Tháng 5/2024, Quý I/2025, Học kỳ I, Thường xuyên…",
    )
    left, right = st.columns(2)
    start = left.date_input(
        "Ngày bắt đầu", row.get("start_date"), format="DD/MM/YYYY", key=key + "start"
    )
    due = right.date_input(
        "Hạn hoàn thành", row.get("due_date"), format="DD/MM/YYYY", key=key + "due"
    )
    st.caption(
        "Để trống ngày thì ngày được tính từ thời gian; đổi thời gian thì ngày tự tính lại, "
        "trừ ngày bạn đã tự sửa."
    )
    content = st.text_area("Nội dung công việc", row.get("content", ""), key=key + "content")
    left, right = st.columns(2)
    unit = left.text_input(
        "Bộ phận thực hiện", row.get("unit", ""), key=key + "unit",
        placeholder="HĐTĐKT, HĐSKKN, tổ chuyên môn…",
    )  # fmt: skip
    leader = right.text_input("Lãnh đạo phụ trách", row.get("leader", ""), key=key + "leader")
    codes = list(plans.STATUSES)
    status = left.selectbox(
        "Trạng thái", codes, codes.index(row.get("status", "todo")),
        format_func=plans.STATUSES.get, key=key + "status",
    )  # fmt: skip
    done_on = right.date_input(
        "Ngày hoàn thành", row.get("done_on"), format="DD/MM/YYYY", key=key + "done_on",
        help="Để trống: khi chọn “Hoàn thành” sẽ ghi ngày hôm nay.",
    )  # fmt: skip
    evidence = st.text_input(
        "Minh chứng (ghi chú hoặc đường dẫn)", row.get("evidence", ""), key=key + "evidence"
    )
    note = st.text_input("Lưu ý", row.get("note", ""), key=key + "note")
    return plans.TaskIn(
        period_label=period, content=content, unit=unit, leader=leader, note=note,
        status=status, done_on=done_on, start_date=start, due_date=due, evidence=evidence,
    )  # fmt: skip


def edit_task_tab(con: Connection, user: User, df: pd.DataFrame) -> None:
    """Sửa công việc: one task's form, then move it up or down, or delete it."""
    if df.empty:
        st.info("Kế hoạch chưa có việc nào: thêm việc ở mục “Thêm công việc”.")
        return
    choices = {
        int(i): f"{n}. {text}" for i, n, text in frames.rows(df, "id", "position", "content")
    }
    if st.session_state.get("plans_task") not in choices:
        st.session_state.pop("plans_task", None)
    # No task until one is chosen: the form's dozen fields (three date pickers) were most of
    # what the browser drew each time the page opened, for the people who only read the plan.
    task_id = st.selectbox("Việc cần sửa", list(choices), format_func=choices.get, index=None,
                           placeholder="Chọn việc để sửa, đổi thứ tự hoặc xóa",
                           key="plans_task")  # fmt: skip
    if task_id is None:
        st.caption("Chọn một việc ở trên (gõ vài chữ để tìm) để sửa, đổi thứ tự hoặc xóa.")
        return
    row = df[df["id"] == task_id].iloc[0].to_dict()
    gen_key, version_key = f"task_gen_{task_id}", f"task_version_{task_id}"
    gen = st.session_state.setdefault(gen_key, 0)
    # The version this form was opened on: saving checks nobody changed it since.
    opened = st.session_state.setdefault(version_key, int(row["version"]))

    def reload() -> None:
        st.session_state[gen_key] = gen + 1
        st.session_state.pop(version_key, None)

    if opened != int(row["version"]):
        st.warning(
            f"{literal(row['updated_by'])} vừa sửa việc này lúc "
            f"{pd.Timestamp(row['updated_at']):%H:%M %d/%m/%Y}, sau khi bạn mở. "
            "Bảng ở trên là bản mới; những gì bạn nhập dưới đây chưa được lưu.",
            icon=":material/sync_problem:",
        )
        st.button("Tải bản mới (bỏ những gì tôi vừa nhập)", on_click=reload)
    with st.form(f"sua_viec_{task_id}_{gen}"):
        edited = task_fields(f"t{task_id}_{gen}_", row)
        save = st.form_submit_button("Lưu thay đổi", type="primary")
    if save:
        with ui.errors_shown():
            editing.update_task(con, task_id, edited, opened, user)
            reload()
            done(f"Đã lưu việc số {row['position']}.")

    up, down, remove = st.columns(3)
    if up.button(
        "Đưa lên trên", icon=":material/arrow_upward:", width="stretch",
        disabled=row["position"] == df["position"].min(),
    ):  # fmt: skip
        editing.move_task(con, task_id, -1, user)
        done(f"Đã đưa việc “{literal(row['content'])}” lên trên.")
    if down.button(
        "Đưa xuống dưới", icon=":material/arrow_downward:", width="stretch",
        disabled=row["position"] == df["position"].max(),
    ):  # fmt: skip
        editing.move_task(con, task_id, +1, user)
        done(f"Đã đưa việc “{literal(row['content'])}” xuống dưới.")
    if remove.button("Xóa việc này", icon=":material/delete:", width="stretch"):
        st.session_state["plans_delete"] = task_id
    if st.session_state.get("plans_delete") != task_id:
        return
    st.warning(f"Xóa hẳn việc “{literal(row['content'])}”? Không thể hoàn tác.")
    yes, no = st.columns(2)
    if yes.button("Xóa hẳn", type="primary", width="stretch"):
        st.session_state.pop("plans_delete", None)
        with ui.errors_shown():
            editing.delete_task(con, task_id, opened, user)
            done(f"Đã xóa việc “{literal(row['content'])}”.")
    if no.button("Không xóa", width="stretch"):
        st.session_state.pop("plans_delete", None)
        st.rerun()


def add_task_tab(con: Connection, user: User, plan_id: int) -> None:
    """Thêm công việc: a new task at the end of the schedule."""
    gen = st.session_state.setdefault("plans_add_gen", 0)
    with st.form(f"them_viec_{gen}"):
        new = task_fields(f"new_{gen}_")
        add = st.form_submit_button("Thêm công việc", type="primary")
    if add:
        with ui.errors_shown():
            editing.add_task(con, plan_id, new, user)
            st.session_state["plans_add_gen"] = gen + 1
            done("Đã thêm công việc vào cuối biểu tiến độ.")


def edit_plan_tab(con: Connection, user: User, plan_id: int, plan: dict) -> None:
    """Sửa kế hoạch: the plan's own fields."""
    changed = plan_form(f"sua_ke_hoach_{plan_id}", plan)
    if changed is not None:
        with ui.errors_shown():
            editing.update_plan(con, plan_id, changed, user)
            done("Đã lưu kế hoạch.")


def copy_plan_tab(con: Connection, user: User, plan_id: int, plan: dict) -> None:
    """Sao chép sang năm mới: a new plan with every task, dates moved on."""
    with st.form("sao_chep"):
        st.markdown(
            "Tạo kế hoạch mới với **mọi việc** của kế hoạch này: ngày và năm ghi trong thời "
            "gian được dời đi, trạng thái trở về “Chưa bắt đầu”, minh chứng để trống."
        )
        left, right = st.columns(2)
        code = left.text_input("Số kế hoạch mới", placeholder="ví dụ 09/KH-MNAS")
        years = right.selectbox("Dời đi (năm)", [1, 2, 3, 4, 5])
        if st.form_submit_button("Sao chép", type="primary"):
            with ui.errors_shown():
                new_id = editing.copy_plan(con, plan_id, code, user, int(years))
                done(f"Đã tạo kế hoạch {literal(code.strip())} từ {literal(plan['code'])}.", new_id)


def new_plan_tab(con: Connection, user: User) -> None:
    """Tạo kế hoạch mới: an empty plan, opened once saved."""
    created = plan_form("ke_hoach_moi")
    if created is not None:
        with ui.errors_shown():
            new_id = editing.new_plan(con, created, user)
            done(
                f"Đã tạo kế hoạch {literal(created.code.strip())}. "
                "Thêm việc ở mục “Thêm công việc”.",
                new_id,
            )
