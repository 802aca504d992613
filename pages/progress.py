"""Tiến độ: progress charts and lists over every plan, following the chosen filters."""

from datetime import date

import streamlit as st

from lib import charts, plans, ui
from lib.permissions import can_view_plans
from lib.text import vn_key

user = ui.require(can_view_plans)
con = ui.connection()
today = date.today()

st.title("Tiến độ")
every = plans.tasks(con, None, today)
if every.empty:
    st.info("Chưa có công việc nào: thêm kế hoạch và công việc ở trang “Kế hoạch”.")
    st.stop()

codes = dict(zip(every["plan_id"], every["plan_code"], strict=False))
with st.container(border=True):
    a, b, c = st.columns([2, 1, 2])
    chosen_plans = a.multiselect(
        "Kế hoạch", list(codes), format_func=codes.get, placeholder="Tất cả", key="td_plans"
    )
    years = b.multiselect("Năm", plans.plan_years(every), placeholder="Tất cả", key="td_years")
    statuses = c.multiselect(
        "Trạng thái", charts.STATUS_ORDER, placeholder="Tất cả", key="td_status"
    )
    d, e = st.columns(2)
    unit_names = sorted({u for v in every["unit"] for u in plans.split_units(v)}, key=vn_key)
    units = d.multiselect("Bộ phận thực hiện", unit_names, placeholder="Tất cả", key="td_units")
    leader_names = sorted({v for v in every["leader"] if v}, key=vn_key)
    leaders = e.multiselect(
        "Lãnh đạo phụ trách", leader_names, placeholder="Tất cả", key="td_leaders"
    )

df = plans.filter_tasks(
    every, plan_ids=chosen_plans, years=years, units=units, leaders=leaders, statuses=statuses
)
s = plans.summarize(df, today)
st.caption(f"Đang xem {len(df)} trong {len(every)} việc · hôm nay {today:%d/%m/%Y}")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Hoàn thành", f"{s.done}/{s.total - s.cancelled}", f"{s.percent_done}%",
          delta_color="off", delta_arrow="off")  # fmt: skip
m2.metric("Quá hạn", s.overdue)
m3.metric("Đến hạn trong 30 ngày", len(s.upcoming))
m4.metric("Tổng số việc", s.total)

if df.empty:
    st.info("Không có việc nào khớp bộ lọc.")
    st.stop()


def show(chart) -> None:
    st.altair_chart(charts.styled(chart), width="stretch")


left, right = st.columns(2)
with left:
    show(charts.by_month(df, today))
with right:
    show(charts.breakdown(df, "plan_code", "Theo kế hoạch"))
show(charts.timeline(df, today))
left, right = st.columns(2)
with left:
    show(charts.breakdown(df, "unit", "Theo bộ phận thực hiện"))
with right:
    show(charts.breakdown(df, "leader", "Theo lãnh đạo phụ trách"))

columns = {
    "plan_code": "Kế hoạch",
    "period_label": "Thời gian",
    "content": "Nội dung",
    "unit": "Bộ phận thực hiện",
    "leader": "Lãnh đạo phụ trách",
    "due_date": "Hạn",
    "status_label": "Trạng thái",
}
config = {"Hạn": st.column_config.DateColumn(format="DD/MM/YYYY")}
late = df[df["overdue"]].sort_values("due_date")
st.subheader(f"Việc quá hạn ({len(late)})")
if late.empty:
    st.success("Không có việc nào quá hạn.")
else:
    st.dataframe(late[list(columns)].rename(columns=columns), hide_index=True,
                 column_config=config, width="stretch")  # fmt: skip
st.subheader(f"Đến hạn trong 30 ngày tới ({len(s.upcoming)})")
if s.upcoming.empty:
    st.info("Không có việc nào đến hạn trong 30 ngày tới.")
else:
    st.dataframe(s.upcoming[list(columns)].rename(columns=columns), hide_index=True,
                 column_config=config, width="stretch")  # fmt: skip
