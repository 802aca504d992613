"""Tiến độ: progress charts and lists over every plan, following the chosen filters."""

from datetime import date

import streamlit as st

from lib import ui
from lib.access.permissions import can_view_plans
from lib.plans import charts, plans, reports

user = ui.require(can_view_plans)
con = ui.connection()
today = date.today()

st.title("Tiến độ")
choices = plans.filter_choices(con)
if not choices.plans:
    st.info("Chưa có công việc nào: thêm kế hoạch và công việc ở trang “Kế hoạch”.")
    st.stop()

with st.container(border=True):
    a, b, c = st.columns([2, 1, 2])
    chosen_plans = a.multiselect(
        "Kế hoạch", list(choices.plans), format_func=choices.plans.get, placeholder="Tất cả",
        key="td_plans",
    )  # fmt: skip
    years = b.multiselect("Năm", choices.years, placeholder="Tất cả", key="td_years")
    statuses = c.multiselect(
        "Trạng thái", charts.STATUS_ORDER, placeholder="Tất cả", key="td_status"
    )
    d, e = st.columns(2)
    units = d.multiselect("Bộ phận thực hiện", choices.units, placeholder="Tất cả", key="td_units")
    leaders = e.multiselect(
        "Lãnh đạo phụ trách", choices.leaders, placeholder="Tất cả", key="td_leaders"
    )

wanted = plans.TaskFilter(
    plan_ids=tuple(chosen_plans), years=tuple(years), units=tuple(units),
    leaders=tuple(leaders), statuses=tuple(statuses),
)  # fmt: skip
s = plans.progress(con, wanted, today)
num = ui.count_text
st.caption(f"Đang xem {num(s.total)} trong {num(s.all_tasks)} việc · hôm nay {today:%d/%m/%Y}")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Hoàn thành", f"{num(s.done)}/{num(s.total - s.cancelled)}", f"{s.percent_done}%",
          delta_color="off", delta_arrow="off")  # fmt: skip
m2.metric("Quá hạn", num(s.overdue))
m3.metric("Đến hạn trong 30 ngày", num(s.upcoming))
m4.metric("Tổng số việc", num(s.total))

if not s.total:
    st.info("Không có việc nào khớp bộ lọc.")
    st.stop()


def show(chart) -> None:
    st.vega_lite_chart(spec=charts.styled(chart), width="stretch")


left, right = st.columns(2)
with left:
    show(charts.month_chart(s.by_month, s.span, today))
with right:
    show(charts.breakdown_chart(s.by_group["plan_code"], "plan_code", "Theo kế hoạch"))
# The rest is read and drawn only once opened: the timeline alone was most of what the page
# sent to the browser (a bar and a tooltip per task), and the browser drew five charts before
# the page could be used.
timeline = st.expander("Lịch thực hiện", icon=":material/event:",
                       key="td_lich", on_change="rerun")  # fmt: skip
if timeline.open:
    with timeline:
        show(charts.timeline(plans.nearest_tasks(con, wanted, today, charts.TIMELINE_MAX), today,
                             of=s.dated))  # fmt: skip
groups = st.expander("Theo bộ phận thực hiện và lãnh đạo phụ trách", icon=":material/groups:",
                     key="td_nhom", on_change="rerun")  # fmt: skip
if groups.open:
    with groups:
        left, right = st.columns(2)
        with left:
            show(charts.breakdown_chart(s.by_group["unit"], "unit", "Theo bộ phận thực hiện"))
        with right:
            show(charts.breakdown_chart(s.by_group["leader"], "leader", "Theo lãnh đạo phụ trách"))

config = {"Hạn": st.column_config.DateColumn(format="DD/MM/YYYY")}


def task_table(which: str, count: int, what: str, stem: str) -> None:
    """The first rows of a list (earliest due first); past the cap, a note and the whole list."""
    rows = plans.task_list(con, wanted, today, which, plans.LIST_MAX)
    ui.dataframe(plans.shown_list(rows), hide_index=True, column_config=config, width="stretch")
    if count > len(rows):
        st.caption(
            f"Đang hiện {len(rows)} trong {num(count)} {what} (hạn sớm nhất trước). "
            "Lọc thêm để thu hẹp, hoặc tải đủ danh sách:"
        )
        # Built only when clicked, from the database as it is then.
        ui.download_button(
            f"Tải đủ {num(count)} {what} (CSV)",
            lambda: reports.tasks_csv(plans.task_list(con.cursor(), wanted, today, which)),
            file_name=f"{stem}-{today:%Y%m%d}.csv",
            mime="text/csv",
            key=f"td_csv_{which}",
        )


st.subheader(f"Việc quá hạn ({num(s.overdue)})")
if not s.overdue:
    st.success("Không có việc nào quá hạn.")
else:
    task_table("late", s.overdue, "việc quá hạn", "viec-qua-han")
st.subheader(f"Đến hạn trong 30 ngày tới ({num(s.upcoming)})")
if not s.upcoming:
    st.info("Không có việc nào đến hạn trong 30 ngày tới.")
else:
    task_table("soon", s.upcoming, "việc sắp đến hạn", "viec-sap-den-han")
