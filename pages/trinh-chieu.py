"""Trình chiếu: big numbers, the month chart, the timeline and what is late, for a projector."""

from datetime import date

import streamlit as st

from lib import ui
from lib.access.permissions import can_view_plans
from lib.core.text import literal
from lib.plans import charts, plans, reports

user = ui.require(can_view_plans)
con = ui.connection()
today = date.today()

# Projector type: bigger numbers, no sidebar, the whole width for the charts.
st.html(
    """<style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
    [data-testid="stExpandSidebarButton"] { display: none; }
    [data-testid="stMainBlockContainer"] { padding: 1.2rem 2.5rem 2rem; max-width: 100%; }
    /* A phone keeps Streamlit's top bar over the page: the title starts below it. */
    @media (max-width: 640px) {
      [data-testid="stMainBlockContainer"] { padding: 4.5rem 1rem 2rem; }
    }
    [data-testid="stMetricValue"] { font-size: 3.6rem; line-height: 1.1; }
    [data-testid="stMetricLabel"] p { font-size: 1.3rem; }
    </style>"""
)
labels = plans.plan_labels(con)
if not labels:
    st.title("Trình chiếu")
    st.info("Chưa có kế hoạch nào.")
    st.stop()

top, pick, leave = st.columns([5, 3, 1], vertical_alignment="center")
plan_id = pick.selectbox(
    "Kế hoạch", list(labels), format_func=labels.get, key="tc_plan", label_visibility="collapsed"
)
leave.page_link("pages/tong-quan.py", label="Thoát", icon=":material/close:")
plan = plans.get_plan(con, plan_id)
assert plan is not None
top.markdown(f"## Tiến độ kế hoạch {literal(plan['code'])}")
st.markdown(f"#### {literal(plan['title'])} · hôm nay {today:%d/%m/%Y}")

df = plans.tasks(con, plan_id, today)
s = plans.summarize(df, today)
a, b, c, d = st.columns(4, border=True)
a.metric("Hoàn thành", f"{s.done}/{s.total - s.cancelled}")
b.metric("Tỉ lệ hoàn thành", f"{s.percent_done}%")
c.metric("Quá hạn", s.overdue)
d.metric("Đến hạn 30 ngày tới", len(s.upcoming))

month = charts.by_month(df, today)
line = charts.timeline(df, today, label_width=520)
late = df[df["overdue"]].sort_values("due_date")
left, right = st.columns([2, 3])
with left:
    st.vega_lite_chart(spec=charts.styled(month, big=True), width="stretch")
with right:
    st.markdown(f"#### Việc quá hạn ({len(late)})")
    if late.empty:
        st.success("Không có việc nào quá hạn.")
    else:
        ui.dataframe(
            late[["position", "content", "unit", "due_date"]],
            hide_index=True,
            width="stretch",
            row_height=40,
            column_config={
                "position": st.column_config.NumberColumn("STT", width="small"),
                "content": st.column_config.TextColumn("Nội dung", width="large"),
                "unit": "Bộ phận",
                "due_date": st.column_config.DateColumn("Hạn", format="DD/MM/YYYY"),
            },
        )
st.vega_lite_chart(spec=charts.styled(line, big=True), width="stretch")

stem = plan["code"].replace("/", "-")
png, xlsx = st.columns(2)
# Both files are made only when their button is clicked (the picture takes a second or two),
# from the same tasks the page shows.
ui.download_button(
    "Tải biểu đồ (PNG)",
    lambda: reports.chart_png(charts.styled(charts.stacked(month, line), big=True)),
    file_name=f"bieu-do-{stem}-{today:%Y%m%d}.png",
    mime="image/png",
    icon=":material/image:",
    width="stretch",
    where=png,
)
ui.download_button(
    "Tải bảng công việc (Excel)",
    lambda: reports.tasks_xlsx(df, f"Công việc {stem}"),
    file_name=f"cong-viec-{stem}-{today:%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    width="stretch",
    where=xlsx,
)
