"""The Kế hoạch page's two forms, a plan's fields and a task's fields, as Streamlit widgets."""

# Kept out of the page file: Streamlit parses a page's source on every run it has not cached
# (AppTest runs, the benchmark), and these widgets are the larger part of that page.

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import plans


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
        year = left.number_input(
            "Năm", 2000, 2100, None if year is None or pd.isna(year) else int(year), step=1
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
