"""Kế hoạch: plans, one plan's text and schedule; admins add, edit, reorder, delete and copy."""

from datetime import date

import pandas as pd
import streamlit as st

from lib import ui
from lib.access.permissions import can_edit_plans, can_view_plans
from lib.core.text import literal
from lib.plans import editing, plans
from lib.ui import plan_forms

user = ui.require(can_view_plans)
con = ui.connection()
editor = can_edit_plans(user)
today = date.today()

st.title("Kế hoạch")
ui.show_saved("plans_flash")


all_plans = plans.list_plans(con)
if all_plans.empty:
    st.info("Chưa có kế hoạch nào.")
    plan_id = None
else:
    ui.dataframe(
        all_plans[["code", "title", "year", "school_year", "issued_on", "tasks", "done"]],
        hide_index=True,
        width="stretch",
        column_config={
            "code": "Số",
            "title": "Tên kế hoạch",
            "year": st.column_config.NumberColumn("Năm", format="%d"),
            "school_year": "Năm học",
            "issued_on": st.column_config.DateColumn("Ngày ban hành", format="DD/MM/YYYY"),
            "tasks": "Số việc",
            "done": "Đã hoàn thành",
        },
    )
    labels = {int(r.id): f"{r.code} – {r.title}" for r in all_plans.itertuples()}
    if "plans_open" in st.session_state:
        st.session_state["plans_plan"] = st.session_state.pop("plans_open")
    if st.session_state.get("plans_plan") not in labels:
        st.session_state.pop("plans_plan", None)
    plan_id = st.selectbox("Xem kế hoạch", list(labels), format_func=labels.get, key="plans_plan")

if plan_id is not None:
    plan = plans.get_plan(con, plan_id)
    assert plan is not None
    st.header(literal(f"{plan['code']} – {plan['title']}"))
    issued = plans.as_date(plan["issued_on"])
    facts = [
        plan["unit"],
        f"ngày {issued:%d/%m/%Y}" if issued else "",
        f"người ký: {plan['signer']}"
        + (f" ({plan['signer_title']})" if plan["signer_title"] else ""),
        f"năm {int(plan['year'])}" if not pd.isna(plan["year"]) else "",
        f"năm học {plan['school_year']}" if plan["school_year"] else "",
    ]
    st.caption(literal(" · ".join(f for f in facts if f)))
    if plan["is_demo"]:
        st.caption(":orange-badge[Dữ liệu mẫu]")
    if plan["body"]:
        with st.expander("Nội dung kế hoạch", icon=":material/description:"):
            st.markdown(editing.body_markdown(plan["body"]))

    df = plans.tasks(con, plan_id, today)
    s = plans.summarize(df, today)
    st.subheader(f"Biểu tiến độ thực hiện ({len(df)} việc)")
    st.caption(
        f"Hoàn thành {s.done}/{s.total - s.cancelled} ({s.percent_done}%) · quá hạn {s.overdue}"
    )
    if df.empty:
        st.info("Kế hoạch chưa có việc nào.")
    else:
        table = df.assign(
            updated=[
                f"{who or '—'} · {pd.Timestamp(when):%d/%m/%Y %H:%M}"
                for who, when in zip(df["updated_by"], df["updated_at"], strict=True)
            ]
        )
        ui.dataframe(
            table[["position", "period_label", "start_date", "due_date", "content", "unit",
                   "leader", "note", "status_label", "done_on", "evidence", "updated"]]
        # Dates as dates: a column of date objects and None showed a grey "None".
        .assign(done_on=lambda t: t["done_on"].astype("date32[pyarrow]")),
            hide_index=True,
            width="stretch",
            column_config={
                "position": st.column_config.NumberColumn("STT", width="small"),
                "period_label": "Thời gian",
                "start_date": st.column_config.DateColumn("Bắt đầu", format="DD/MM/YYYY"),
                "due_date": st.column_config.DateColumn("Hạn", format="DD/MM/YYYY"),
                "content": st.column_config.TextColumn("Nội dung", width="large"),
                "unit": "Bộ phận thực hiện",
                "leader": "Lãnh đạo phụ trách",
                "note": "Lưu ý",
                "status_label": "Trạng thái",
                "done_on": st.column_config.DateColumn("Ngày hoàn thành", format="DD/MM/YYYY"),
                "evidence": "Minh chứng",
                "updated": "Cập nhật lần cuối",
            },
        )  # fmt: skip
    unread = plans.needs_dates(df)
    if not unread.empty:
        lines = "\n".join(
            f"- Dòng {r.position}: “{literal(r.period_label or '(trống)')}” — {literal(r.content)}"
            for r in unread.itertuples()
        )
        st.warning(
            f"Chưa hiểu được thời gian của {len(unread)} việc nên chưa có ngày "
            f"(chữ ghi trong kế hoạch vẫn được giữ):\n{lines}"
            + ("\n\nHãy sửa cột thời gian hoặc nhập ngày ở mục “Sửa công việc”." if editor else ""),
            icon=":material/event_busy:",
        )
    if not editor:
        st.caption("Bạn có quyền xem. Chủ tịch hoặc Thư ký Hội đồng cập nhật kế hoạch và tiến độ.")

if not editor:
    st.stop()

st.divider()
st.subheader("Cập nhật")


if plan_id is None:
    sections = {"Tạo kế hoạch mới": lambda: plan_forms.new_plan_tab(con, user)}
    tabs = st.tabs(list(sections))
else:
    sections = {
        "Sửa công việc": lambda: plan_forms.edit_task_tab(con, user, df),
        "Thêm công việc": lambda: plan_forms.add_task_tab(con, user, plan_id),
        "Sửa kế hoạch": lambda: plan_forms.edit_plan_tab(con, user, plan_id, plan),
        "Sao chép sang năm mới": lambda: plan_forms.copy_plan_tab(con, user, plan_id, plan),
        "Tạo kế hoạch mới": lambda: plan_forms.new_plan_tab(con, user),
    }
    # Only the open tab's forms are built: switching tabs reruns the page.
    tabs = st.tabs(list(sections), key="plans_tab", on_change="rerun")
for tab, section in zip(tabs, sections.values(), strict=True):
    if tab.open is not False:  # None: a single tab, always open
        with tab:
            section()
