"""Kế hoạch: plans, one plan's text and schedule; admins add, edit, reorder, delete and copy."""

from datetime import date

import pandas as pd
import streamlit as st

from lib import plan_forms, plans, ui
from lib.errors import Invalid
from lib.permissions import can_edit_plans, can_view_plans

user = ui.require(can_view_plans)
con = ui.connection()
editor = can_edit_plans(user)
today = date.today()

st.title("Kế hoạch")
flash = st.session_state.pop("plans_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")


def done(message: str, plan_id: int | None = None) -> None:
    st.session_state["plans_flash"] = message
    if plan_id is not None:
        st.session_state["plans_open"] = plan_id  # the selectbox takes it on the next run
    st.rerun()


all_plans = plans.list_plans(con)
if all_plans.empty:
    st.info("Chưa có kế hoạch nào.")
    plan_id = None
else:
    st.dataframe(
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
    st.header(f"{plan['code']} – {plan['title']}")
    issued = plans.as_date(plan["issued_on"])
    facts = [
        plan["unit"],
        f"ngày {issued:%d/%m/%Y}" if issued else "",
        f"người ký: {plan['signer']}"
        + (f" ({plan['signer_title']})" if plan["signer_title"] else ""),
        f"năm {int(plan['year'])}" if not pd.isna(plan["year"]) else "",
        f"năm học {plan['school_year']}" if plan["school_year"] else "",
    ]
    st.caption(" · ".join(f for f in facts if f))
    if plan["is_demo"]:
        st.caption(":orange-badge[Dữ liệu mẫu]")
    if plan["body"]:
        with st.expander("Nội dung kế hoạch", icon=":material/description:"):
            st.markdown(plans.body_markdown(plan["body"]))

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
        st.dataframe(
            table[["position", "period_label", "start_date", "due_date", "content", "unit",
                   "leader", "note", "status_label", "done_on", "evidence", "updated"]],
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
            f"- Dòng {r.position}: “{r.period_label or '(trống)'}” — {r.content}"
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


def edit_task() -> None:
    """Sửa công việc: one task's form, then move it up or down, or delete it."""
    if df.empty:
        st.info("Kế hoạch chưa có việc nào: thêm việc ở mục “Thêm công việc”.")
        return
    choices = {int(r.id): f"{r.position}. {r.content}" for r in df.itertuples()}
    if st.session_state.get("plans_task") not in choices:
        st.session_state.pop("plans_task", None)
    task_id = st.selectbox("Việc cần sửa", list(choices), format_func=choices.get, key="plans_task")
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
            f"{row['updated_by']} vừa sửa việc này lúc "
            f"{pd.Timestamp(row['updated_at']):%H:%M %d/%m/%Y}, sau khi bạn mở. "
            "Bảng ở trên là bản mới; những gì bạn nhập dưới đây chưa được lưu.",
            icon=":material/sync_problem:",
        )
        st.button("Tải bản mới (bỏ những gì tôi vừa nhập)", on_click=reload)
    with st.form(f"sua_viec_{task_id}_{gen}"):
        edited = plan_forms.task_fields(f"t{task_id}_{gen}_", row)
        save = st.form_submit_button("Lưu thay đổi", type="primary")
    if save:
        try:
            plans.update_task(con, task_id, edited, opened, user)
            reload()
            done(f"Đã lưu việc số {row['position']}.")
        except Invalid as exc:
            ui.show_errors(exc.errors)

    up, down, remove = st.columns(3)
    if up.button(
        "Đưa lên trên", icon=":material/arrow_upward:", width="stretch",
        disabled=row["position"] == df["position"].min(),
    ):  # fmt: skip
        plans.move_task(con, task_id, -1, user)
        done(f"Đã đưa việc “{row['content']}” lên trên.")
    if down.button(
        "Đưa xuống dưới", icon=":material/arrow_downward:", width="stretch",
        disabled=row["position"] == df["position"].max(),
    ):  # fmt: skip
        plans.move_task(con, task_id, +1, user)
        done(f"Đã đưa việc “{row['content']}” xuống dưới.")
    if remove.button("Xóa việc này", icon=":material/delete:", width="stretch"):
        st.session_state["plans_delete"] = task_id
    if st.session_state.get("plans_delete") != task_id:
        return
    st.warning(f"Xóa hẳn việc “{row['content']}”? Không thể hoàn tác.")
    yes, no = st.columns(2)
    if yes.button("Xóa hẳn", type="primary", width="stretch"):
        st.session_state.pop("plans_delete", None)
        try:
            plans.delete_task(con, task_id, opened, user)
            done(f"Đã xóa việc “{row['content']}”.")
        except Invalid as exc:
            ui.show_errors(exc.errors)
    if no.button("Không xóa", width="stretch"):
        st.session_state.pop("plans_delete", None)
        st.rerun()


def add_task() -> None:
    """Thêm công việc: a new task at the end of the schedule."""
    gen = st.session_state.setdefault("plans_add_gen", 0)
    with st.form(f"them_viec_{gen}"):
        new = plan_forms.task_fields(f"new_{gen}_")
        add = st.form_submit_button("Thêm công việc", type="primary")
    if add:
        try:
            plans.add_task(con, plan_id, new, user)
            st.session_state["plans_add_gen"] = gen + 1
            done("Đã thêm công việc vào cuối biểu tiến độ.")
        except Invalid as exc:
            ui.show_errors(exc.errors)


def edit_plan() -> None:
    """Sửa kế hoạch: the plan's own fields."""
    changed = plan_forms.plan_form(f"sua_ke_hoach_{plan_id}", plan)
    if changed is not None:
        try:
            plans.update_plan(con, plan_id, changed, user)
            done("Đã lưu kế hoạch.")
        except Invalid as exc:
            ui.show_errors(exc.errors)


def copy_plan() -> None:
    """Sao chép sang năm mới: a new plan with every task, dates moved on."""
    with st.form("sao_chep"):
        st.markdown(
            "Tạo kế hoạch mới với **mọi việc** của kế hoạch này: ngày và năm ghi trong thời "
            "gian được dời đi, trạng thái trở về “Chưa bắt đầu”, minh chứng để trống."
        )
        left, right = st.columns(2)
        code = left.text_input("Số kế hoạch mới", placeholder="ví dụ 09/KH-MNAS")
        years = right.number_input("Dời đi (năm)", 1, 5, 1, step=1)
        if st.form_submit_button("Sao chép", type="primary"):
            try:
                new_id = plans.copy_plan(con, plan_id, code, user, int(years))
                done(f"Đã tạo kế hoạch {code.strip()} từ {plan['code']}.", new_id)
            except Invalid as exc:
                ui.show_errors(exc.errors)


def new_plan() -> None:
    """Tạo kế hoạch mới: an empty plan, opened once saved."""
    created = plan_forms.plan_form("ke_hoach_moi")
    if created is not None:
        try:
            new_id = plans.new_plan(con, created, user)
            done(
                f"Đã tạo kế hoạch {created.code.strip()}. Thêm việc ở mục “Thêm công việc”.", new_id
            )
        except Invalid as exc:
            ui.show_errors(exc.errors)


if plan_id is None:
    sections = {"Tạo kế hoạch mới": new_plan}
    tabs = st.tabs(list(sections))
else:
    sections = {"Sửa công việc": edit_task, "Thêm công việc": add_task, "Sửa kế hoạch": edit_plan,
                "Sao chép sang năm mới": copy_plan, "Tạo kế hoạch mới": new_plan}  # fmt: skip
    # Only the open tab's forms are built: switching tabs reruns the page.
    tabs = st.tabs(list(sections), key="plans_tab", on_change="rerun")
for tab, section in zip(tabs, sections.values(), strict=True):
    if tab.open is not False:  # None: a single tab, always open
        with tab:
            section()
