"""Altair chart builders for plan progress: DataFrame of tasks in, chart out."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd

from lib.plans import OVERDUE, STATUSES, split_units
from lib.text import vn_key

# A sans font with every Vietnamese glyph first; the browser and the PNG export both have it.
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
STATUS_ORDER = [STATUSES["done"], STATUSES["doing"], STATUSES["todo"], OVERDUE,
                STATUSES["cancelled"]]  # fmt: skip
STATUS_COLORS = ["#2e7d32", "#1f6f8b", "#9aa5b1", "#c62828", "#e0c9a6"]
TODAY_COLOR = "#d35400"
MONTH_LABEL = "'T' + (month(datum.value) + 1) + '/' + year(datum.value)"

_status_color = alt.Color(
    "status_label:N",
    title="Trạng thái",
    scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLORS),
    legend=alt.Legend(orient="bottom", columns=3),
)
_status_order = alt.Order("status_rank:Q")


def _with_rank(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(status_rank=[STATUS_ORDER.index(s) for s in df["status_label"]])


def _ts(values: object) -> pd.Series:
    """Plain dates (None allowed) as a datetime column Altair can serialise."""
    return pd.to_datetime(pd.Series(list(values), dtype=object))


def _span(df: pd.DataFrame) -> tuple[date, date] | None:
    dates = [d for d in list(df["start_date"]) + list(df["due_date"]) if d is not None]
    return (min(dates), max(dates)) if dates else None


def _today_inside(df: pd.DataFrame, today: date) -> bool:
    span = _span(df)
    return span is not None and span[0] - timedelta(days=31) <= today <= span[1] + timedelta(
        days=31
    )


def _today_rule(df: pd.DataFrame, today: date) -> alt.Chart | None:
    """A "today" line, drawn only when today falls inside the tasks' time span."""
    if not _today_inside(df, today):
        return None
    frame = pd.DataFrame({"today": [pd.Timestamp(today)], "label": ["Hôm nay"]})
    base = alt.Chart(frame).encode(x="today:T")
    rule = base.mark_rule(color=TODAY_COLOR, strokeWidth=2, strokeDash=[6, 3])
    text = base.mark_text(color=TODAY_COLOR, align="left", dx=4, baseline="top", fontWeight="bold")
    return rule + text.encode(text="label:N", y=alt.value(0))


def _today_note(df: pd.DataFrame, today: date) -> str:
    """Say where today is when the chart cannot show it (a past year's plan)."""
    span = _span(df)
    if span is None or _today_inside(df, today):
        return ""
    where = "trước" if today < span[0] else "sau"
    return f"Hôm nay {today:%d/%m/%Y}: {where} thời gian các việc"


def empty(message: str) -> alt.Chart:
    """A chart-sized message where there is nothing to draw."""
    return (
        alt.Chart(pd.DataFrame({"m": [message]}))
        .mark_text(fontSize=16, color="#5b6b7b")
        .encode(text="m:N")
        .properties(height=80)
    )


def by_month(df: pd.DataFrame, today: date, title: str = "Số việc theo tháng (hạn)") -> alt.Chart:
    """Stacked bars: tasks per month of their due date, by status, with today marked."""
    dated = df.loc[[d is not None for d in df["due_date"]]]
    if dated.empty:
        return empty("Chưa có việc nào có hạn.")
    frame = _with_rank(dated)[["status_label", "status_rank"]].assign(
        due=_ts(dated["due_date"]).to_numpy()
    )
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonth(due):T",
                title=None,
                axis=alt.Axis(labelExpr=MONTH_LABEL, tickCount="month", labelAngle=0),
            ),
            y=alt.Y("count():Q", title="Số việc", axis=alt.Axis(tickMinStep=1)),
            color=_status_color,
            order=_status_order,
            tooltip=[
                alt.Tooltip("yearmonth(due):T", title="Tháng", format="%m/%Y"),
                alt.Tooltip("status_label:N", title="Trạng thái"),
                alt.Tooltip("count():Q", title="Số việc"),
            ],
        )
    )
    rule = _today_rule(dated, today)
    chart = bars + rule if rule is not None else bars
    subtitle = _today_note(dated, today)
    return chart.properties(
        title=alt.Title(title, subtitle=subtitle or alt.Undefined), height=280, width="container"
    )


def timeline(
    df: pd.DataFrame, today: date, title: str = "Lịch thực hiện", label_width: int = 340
) -> alt.Chart:
    """Gantt-like: each task from start to due, coloured by status, with today marked.

    Rows shrink and the month axis moves to the top when there are many tasks, so 10 and 300
    both stay readable (the page scrolls).
    """
    dated = df.loc[[d is not None for d in df["due_date"]]]
    if dated.empty:
        return empty("Chưa có việc nào có hạn.")
    several = dated["plan_id"].nunique() > 1
    labels = [
        (f"{code} · " if several else "") + f"{pos}. {content}"
        for code, pos, content in zip(
            dated["plan_code"], dated["position"], dated["content"], strict=True
        )
    ]
    starts, dues = list(dated["start_date"]), list(dated["due_date"])
    frame = pd.DataFrame(
        {
            "row": labels,
            "start": _ts(s or d for s, d in zip(starts, dues, strict=True)),
            "due": _ts(dues),
            "status_label": list(dated["status_label"]),
            "content": list(dated["content"]),
            "period_label": list(dated["period_label"]),
            "unit": list(dated["unit"]),
            "leader": list(dated["leader"]),
        }
    )
    many = len(frame) > 40
    step = 15 if many else 26
    widest = min(label_width, 260) if many else label_width
    # Labels take at most ~40% of the chart on a narrow screen (a phone), their full width else;
    # outside a page (PNG export) containerSize() is 0 and the fixed width applies.
    limit = alt.ExprRef(
        f"containerSize()[0] > 0 ? min({widest}, containerSize()[0] * 0.4) : {widest}"
    )
    y = alt.Y(
        "row:N",
        title=None,
        sort=labels,
        axis=alt.Axis(labelLimit=limit, labelFontSize=10 if many else alt.Undefined),
    )
    x_axis = alt.Axis(
        labelExpr=MONTH_LABEL, tickCount="month", orient="top" if many else "bottom", grid=True
    )
    tooltip = [
        alt.Tooltip("content:N", title="Nội dung"),
        alt.Tooltip("period_label:N", title="Thời gian"),
        alt.Tooltip("start:T", title="Bắt đầu", format="%d/%m/%Y"),
        alt.Tooltip("due:T", title="Hạn", format="%d/%m/%Y"),
        alt.Tooltip("unit:N", title="Bộ phận"),
        alt.Tooltip("leader:N", title="Lãnh đạo phụ trách"),
        alt.Tooltip("status_label:N", title="Trạng thái"),
    ]
    base = alt.Chart(frame).encode(y=y, color=_status_color, tooltip=tooltip)
    bars = base.mark_bar(height=step * 0.6, cornerRadius=2).encode(
        x=alt.X("start:T", title=None, axis=x_axis), x2="due:T"
    )
    ends = base.mark_point(filled=True, size=40 if many else 70, shape="diamond").encode(x="due:T")
    chart = bars + ends
    rule = _today_rule(dated, today)
    if rule is not None:
        chart = chart + rule
    subtitle = _today_note(dated, today)
    return chart.properties(
        title=alt.Title(title, subtitle=subtitle or alt.Undefined),
        height=alt.Step(step),
        width="container",
    )


def breakdown(df: pd.DataFrame, by: str, title: str) -> alt.Chart:
    """Horizontal stacked bars of tasks by status for each plan, unit or leader."""
    if df.empty:
        return empty("Không có việc nào.")
    frame = _with_rank(df)[[by, "status_label", "status_rank"]]
    if by == "unit":
        frame = frame.assign(unit=[split_units(u) for u in frame["unit"]]).explode("unit")
    frame[by] = [v or "(chưa ghi)" for v in frame[by]]
    order = sorted(set(frame[by]), key=vn_key)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{by}:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
            x=alt.X("count():Q", title="Số việc", axis=alt.Axis(tickMinStep=1)),
            color=_status_color,
            order=_status_order,
            tooltip=[
                alt.Tooltip(f"{by}:N", title="Nhóm"),
                alt.Tooltip("status_label:N", title="Trạng thái"),
                alt.Tooltip("count():Q", title="Số việc"),
            ],
        )
        .properties(title=title, height=alt.Step(34), width="container")
    )


def styled(chart: alt.TopLevelMixin, big: bool = False) -> alt.TopLevelMixin:
    """Fonts with Vietnamese glyphs everywhere; bigger type for the projector."""
    size = 15 if big else 12
    return (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=size, titleFontSize=size, labelFont=FONT, titleFont=FONT)
        .configure_legend(
            labelFontSize=size,
            titleFontSize=size,
            labelFont=FONT,
            titleFont=FONT,
            labelLimit=0,
        )  # fmt: skip
        .configure_title(
            fontSize=size + 5,
            subtitleFontSize=size - 1,
            font=FONT,
            subtitleFont=FONT,
            anchor="start",
        )  # fmt: skip
        .configure_view(stroke=None)
    )
