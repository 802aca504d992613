"""Plan progress charts, DataFrame in, Vega-Lite spec out (plain dicts, no Altair)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from lib.core.numbers import CHART_LOCALE
from lib.core.text import vn_key
from lib.plans.plans import OVERDUE, STATUSES, split_units

# The plan progress charts are written as Vega-Lite specs (plain dicts), not through Altair:
# Altair copies and validates the whole spec on every build, which cost more than everything
# else on the progress pages. The tests validate every spec against the Vega-Lite schema.
Spec = dict[str, Any]

# A sans font with every Vietnamese glyph first; the browser and the PNG export both have it.
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
STATUS_ORDER = [STATUSES["done"], STATUSES["doing"], STATUSES["todo"], OVERDUE,
                STATUSES["cancelled"]]  # fmt: skip
STATUS_COLORS = ["#2e7d32", "#1f6f8b", "#9aa5b1", "#c62828", "#e0c9a6"]
TODAY_COLOR = "#d35400"
TIMELINE_MAX = 300  # bars in the timeline
BREAKDOWN_MAX = 30  # groups in a by-plan / by-unit / by-leader chart
MONTH_LABEL = "'T' + (month(datum.value) + 1) + '/' + year(datum.value)"

_STATUS_COLOR: Spec = {
    "field": "status_label",
    "type": "nominal",
    "title": "Trạng thái",
    "scale": {"domain": STATUS_ORDER, "range": STATUS_COLORS},
    # Three to a row where they fit; two on a phone, where a third was cut at the edge.
    "legend": {"orient": "bottom", "columns": {"expr": "width < 360 ? 2 : 3"}},
}
_STATUS_ORDER: Spec = {"field": "status_rank", "type": "quantitative"}
_RANK = {label: i for i, label in enumerate(STATUS_ORDER)}


def _day(value: date | None) -> str | None:
    """A date as ISO text, how Vega reads a temporal field."""
    return None if value is None else value.isoformat()[:10]


def _dated(df: pd.DataFrame) -> pd.DataFrame:
    return df.loc[df["due_date"].notna()]


def _span(df: pd.DataFrame) -> tuple[date, date] | None:
    """First start to last due date of some tasks (None when none has a date)."""
    dates = [d for d in list(df["start_date"]) + list(df["due_date"]) if d is not None]
    return (min(dates), max(dates)) if dates else None


def _today_inside(span: tuple[date, date] | None, today: date) -> bool:
    return span is not None and span[0] - timedelta(days=31) <= today <= span[1] + timedelta(
        days=31
    )


def _today_rule(span: tuple[date, date] | None, today: date) -> Spec | None:
    """A "today" line, drawn only when today falls inside the tasks' time span."""
    if not _today_inside(span, today):
        return None
    x = {"field": "today", "type": "temporal"}
    return {
        "data": {"values": [{"today": _day(today), "label": "Hôm nay"}]},
        "layer": [
            {
                "mark": {"type": "rule", "color": TODAY_COLOR, "strokeWidth": 2,
                         "strokeDash": [6, 3]},
                "encoding": {"x": x},
            },
            {
                "mark": {"type": "text", "color": TODAY_COLOR, "align": "left", "dx": 4,
                         "baseline": "top", "fontWeight": "bold"},
                "encoding": {"x": x, "text": {"field": "label", "type": "nominal"},
                             "y": {"value": 0}},
            },
        ],
    }  # fmt: skip


def _today_note(span: tuple[date, date] | None, today: date) -> str:
    """Say where today is when the chart cannot show it (a past year's plan)."""
    if span is None or _today_inside(span, today):
        return ""
    where = "chưa tới thời gian của việc nào" if today < span[0] else "đã qua thời gian mọi việc"
    return f"Hôm nay {today:%d/%m/%Y} {where} trong biểu đồ."


def _title(text: str, subtitle: str = "") -> Spec:
    return {"text": text, "subtitle": subtitle} if subtitle else {"text": text}


def empty(message: str) -> Spec:
    """A chart-sized message where there is nothing to draw."""
    return {
        "data": {"values": [{"m": message}]},
        "mark": {"type": "text", "fontSize": 16, "color": "#5b6b7b"},
        "encoding": {"text": {"field": "m", "type": "nominal"}},
        "height": 80,
    }


def month_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Tasks (rows as plans.tasks gives them) counted by month of due date and status label."""
    dated = _dated(df)
    months = [date(d.year, d.month, 1) for d in dated["due_date"]]
    return (
        pd.DataFrame(
            {
                "due": pd.to_datetime(pd.Series(months, dtype=object)),
                "status_label": list(dated["status_label"]),
            }
        )  # fmt: skip
        .groupby(["due", "status_label"], as_index=False)
        .size()
    )


def by_month(df: pd.DataFrame, today: date, title: str = "Số việc theo tháng (hạn)") -> Spec:
    """Stacked bars: tasks per month of their due date, by status, with today marked."""
    dated = _dated(df)
    return month_chart(month_counts(dated), _span(dated), today, title)


def month_chart(
    counts: pd.DataFrame,
    span: tuple[date, date] | None,
    today: date,
    title: str = "Số việc theo tháng (hạn)",
) -> Spec:
    """by_month from counts already made (due month, status_label, size) and the tasks' span."""
    if counts.empty:
        return empty("Chưa có việc nào có hạn.")
    # Counted before drawing, never one row per task: a few dozen (month, status) rows.
    values = [
        {"due": _day(due), "status_label": label, "status_rank": _RANK[label], "size": int(n)}
        for due, label, n in zip(counts["due"], counts["status_label"], counts["size"],
                                 strict=True)
    ]  # fmt: skip
    month = {"field": "due", "timeUnit": "yearmonth", "type": "temporal"}
    size = {"field": "size", "aggregate": "sum", "type": "quantitative"}
    bars: Spec = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": {**month, "title": None,
                  "axis": {"labelExpr": MONTH_LABEL, "tickCount": "month", "labelAngle": 0}},
            "y": {**size, "title": "Số việc", "axis": {"tickMinStep": 1}},
            "color": _STATUS_COLOR,
            "order": _STATUS_ORDER,
            "tooltip": [
                {**month, "title": "Tháng", "format": "%m/%Y"},
                {"field": "status_label", "type": "nominal", "title": "Trạng thái"},
                {**size, "title": "Số việc"},
            ],
        },
    }  # fmt: skip
    rule = _today_rule(span, today)
    chart: Spec = {"layer": [bars, rule]} if rule is not None else bars
    return {
        "data": {"values": values},
        **chart,
        "title": _title(title, _today_note(span, today)),
        "height": MONTH_HEIGHT,
        "width": "container",
    }


def timeline(
    df: pd.DataFrame,
    today: date,
    title: str = "Lịch thực hiện",
    label_width: int = 340,
    of: int | None = None,
) -> Spec:
    """Gantt-like: each task from start to due, coloured by status, with today marked.

    Rows shrink and the month axis moves to the top when there are many tasks, so 10 and 300
    both stay readable (the page scrolls). `of` is how many dated tasks there are when the
    caller passes only some of them (those due nearest today).
    """
    dated = _dated(df)
    if dated.empty:
        return empty("Chưa có việc nào có hạn.")
    if len(dated) > TIMELINE_MAX:
        # A bar per task stops being readable (and fast) past a few hundred: keep the tasks due
        # nearest today and say so.
        distance = [abs((d - today).days) for d in dated["due_date"]]
        nearest = dated.assign(_distance=distance).nsmallest(TIMELINE_MAX, "_distance")
        of = max(of or 0, len(dated))
        dated = nearest.drop(columns="_distance").sort_values(["plan_id", "position"])
    shown_note = ""
    if of is not None and of > len(dated):
        shown_note = (
            f"{len(dated)} trong {of} việc có hạn gần hôm nay nhất; lọc theo kế hoạch để xem đủ"
        )
    several = dated["plan_id"].nunique() > 1
    labels = [
        (f"{code} · " if several else "") + f"{pos}. {content}"
        for code, pos, content in zip(
            dated["plan_code"], dated["position"], dated["content"], strict=True
        )
    ]
    columns = ("start_date", "due_date", "status_label", "content", "period_label", "unit",
               "leader")  # fmt: skip
    values = [
        {"row": row, "start": _day(start or due), "due": _day(due), "status_label": label,
         "content": content, "period_label": period, "unit": unit, "leader": leader}
        for row, (start, due, label, content, period, unit, leader) in zip(
            labels, zip(*(dated[c] for c in columns), strict=True), strict=True
        )
    ]  # fmt: skip
    many = len(values) > 40
    step = 15 if many else 26
    widest = min(label_width, 260) if many else label_width
    # Labels take at most ~40% of the chart on a narrow screen (a phone), their full width else;
    # outside a page (PNG export) containerSize() is 0 and the fixed width applies.
    limit = {"expr": f"containerSize()[0] > 0 ? min({widest}, containerSize()[0] * 0.4) : {widest}"}
    axis: Spec = {"labelLimit": limit}
    if many:
        axis["labelFontSize"] = 10
    y = {"field": "row", "type": "nominal", "title": None, "sort": labels, "axis": axis}
    x_axis = {"labelExpr": MONTH_LABEL, "tickCount": "month",
              "orient": "top" if many else "bottom", "grid": True}  # fmt: skip

    def text(field: str, name: str) -> Spec:
        return {"field": field, "type": "nominal", "title": name}

    def day(field: str, name: str) -> Spec:
        return {"field": field, "type": "temporal", "title": name, "format": "%d/%m/%Y"}

    tooltip = [
        text("content", "Nội dung"), text("period_label", "Thời gian"), day("start", "Bắt đầu"),
        day("due", "Hạn"), text("unit", "Bộ phận"), text("leader", "Lãnh đạo phụ trách"),
        text("status_label", "Trạng thái"),
    ]  # fmt: skip
    common = {"y": y, "color": _STATUS_COLOR, "tooltip": tooltip}
    layers: list[Spec] = [
        {
            "mark": {"type": "bar", "height": step * 0.6, "cornerRadius": 2},
            "encoding": {**common, "x": {"field": "start", "type": "temporal", "title": None,
                                         "axis": x_axis}, "x2": {"field": "due"}},
        },
        {
            "mark": {"type": "point", "filled": True, "size": 40 if many else 70,
                     "shape": "diamond"},
            "encoding": {**common, "x": {"field": "due", "type": "temporal"}},
        },
    ]  # fmt: skip
    span = _span(dated)
    rule = _today_rule(span, today)
    if rule is not None:
        layers.append(rule)
    subtitle = " · ".join(n for n in (_today_note(span, today), shown_note) if n)
    return {
        "data": {"values": values},
        "layer": layers,
        "title": _title(title, subtitle),
        "height": {"step": step},
        "width": "container",
    }


def group_counts(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Tasks counted by plan, unit or leader and status label; a task counts for each unit."""
    frame = df[[by, "status_label"]]
    if by == "unit":
        frame = frame.assign(unit=[split_units(u) for u in frame["unit"]]).explode("unit")
    frame = frame.assign(**{by: [v or "(chưa ghi)" for v in frame[by]]})
    return frame.groupby([by, "status_label"], as_index=False).size()


def breakdown(df: pd.DataFrame, by: str, title: str) -> Spec:
    """Horizontal stacked bars of tasks by status for each plan, unit or leader."""
    return breakdown_chart(group_counts(df, by), by, title)


def breakdown_chart(counts: pd.DataFrame, by: str, title: str) -> Spec:
    """breakdown from counts already made (group, status_label, size)."""
    if counts.empty:
        return empty("Không có việc nào.")
    rows = list(zip(counts[by], counts["status_label"], counts["size"], strict=True))
    totals: dict[str, int] = {}
    for group, _, n in rows:
        totals[group] = totals.get(group, 0) + int(n)
    subtitle = ""
    if len(totals) > BREAKDOWN_MAX:
        # The largest groups; among equal ones the first met, as pandas' nlargest keeps.
        kept = set(sorted(totals, key=lambda g: -totals[g])[:BREAKDOWN_MAX])
        rows = [r for r in rows if r[0] in kept]
        subtitle = f"{BREAKDOWN_MAX} trong {len(totals)} nhóm nhiều việc nhất"
    values = [
        {by: group, "status_label": label, "status_rank": _RANK[label], "size": int(n)}
        for group, label, n in rows
    ]
    size = {"field": "size", "aggregate": "sum", "type": "quantitative"}
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": by, "type": "nominal", "title": None,
                  "sort": sorted({v[by] for v in values}, key=vn_key),
                  "axis": {"labelLimit": 320}},
            "x": {**size, "title": "Số việc", "axis": {"tickMinStep": 1}},
            "color": _STATUS_COLOR,
            "order": _STATUS_ORDER,
            "tooltip": [
                {"field": by, "type": "nominal", "title": "Nhóm"},
                {"field": "status_label", "type": "nominal", "title": "Trạng thái"},
                {**size, "title": "Số việc"},
            ],
        },
        "title": _title(title, subtitle),
        "height": {"step": 34},
        "width": "container",
    }  # fmt: skip


def stacked(*charts: Spec) -> Spec:
    """Charts one under the other, as one picture."""
    return {"vconcat": list(charts)}


# The plot's own height: title, axes and legend come on top of it (AUTOSIZE).
MONTH_HEIGHT = 200
# Vega-Lite's default for a chart in Streamlit ("fit") squeezed the title, the two-line legend
# and the axes into the height given, which left the month bars about 90 px (60 on the
# projector); fit-x fits the width only. A stack of charts (the picture) takes no autosize.
AUTOSIZE = {"type": "fit-x", "contains": "padding"}


def styled(chart: Spec, big: bool = False) -> Spec:
    """Fonts with Vietnamese glyphs everywhere; bigger type (and plots) for the projector."""
    size = 15 if big else 12
    fonts = {"labelFont": FONT, "titleFont": FONT, "labelFontSize": size, "titleFontSize": size}
    sized: Spec = {} if "vconcat" in chart else {"autosize": AUTOSIZE}
    if big and isinstance(chart.get("height"), int):
        sized["height"] = chart["height"] * 3 // 2
    return {
        **chart,
        **sized,
        "config": {
            "font": FONT,
            "axis": fonts,
            "legend": {**fonts, "labelLimit": 0},
            "title": {"font": FONT, "subtitleFont": FONT, "fontSize": size + 5,
                      "subtitleFontSize": size - 1, "anchor": "start"},
            "view": {"stroke": None},
            "locale": CHART_LOCALE,
        },
    }  # fmt: skip
