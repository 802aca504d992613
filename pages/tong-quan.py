"""Tổng quan: the followed plan's headline numbers, what is overdue and what is due soon."""

from datetime import date

import streamlit as st

from lib import ui
from lib.access.permissions import can_view_overview
from lib.core.text import literal
from lib.plans import charts, plans

user = ui.require(can_view_overview)
con = ui.connection()

st.title("Tổng quan")
labels = plans.plan_labels(con)
if not labels:
    st.info("Chưa có kế hoạch nào.")
    st.stop()

plan_id = st.selectbox("Kế hoạch", list(labels), format_func=labels.get, key="home_plan")
plan = plans.get_plan(con, plan_id)
assert plan is not None
today = date.today()
df = plans.tasks(con, plan_id, today)
s = plans.summarize(df, today)

issued_on = plans.as_date(plan["issued_on"])  # a plan made on the page may have no date
issued = f"{issued_on:%d/%m/%Y}" if issued_on else "—"
st.caption(
    literal(f"{plan['unit']} · Số {plan['code']} · ngày {issued} · người ký: {plan['signer']}")
)
if plan["is_demo"]:
    st.caption(":orange-badge[Dữ liệu mẫu]")

a, b, c, d = st.columns(4)
a.metric(f"Hoàn thành ({s.percent_done}%)", f"{s.done}/{s.total - s.cancelled}")
b.metric("Quá hạn", s.overdue, delta_color="off")
c.metric("Đến hạn trong 30 ngày", len(s.upcoming))
d.metric("Tổng số công việc", s.total)
st.progress(s.percent_done / 100, text=f"Tiến độ chung: {s.percent_done}%")

if not df.empty:
    st.vega_lite_chart(spec=charts.styled(charts.by_month(df, today)), width="stretch")
config = {"Hạn": st.column_config.DateColumn(format="DD/MM/YYYY")}

st.subheader("Việc quá hạn")
late = df[df["overdue"]]
if late.empty:
    st.success("Không có việc nào quá hạn.")
else:
    ui.dataframe(
        plans.shown_list(late, with_plan=False),
        hide_index=True,
        column_config=config,
        width="stretch",
    )

st.subheader("Sắp đến hạn (30 ngày tới)")
if s.upcoming.empty:
    st.info("Không có việc nào đến hạn trong 30 ngày tới.")
else:
    ui.dataframe(
        plans.shown_list(s.upcoming, with_plan=False),
        hide_index=True,
        column_config=config,
        width="stretch",
    )
