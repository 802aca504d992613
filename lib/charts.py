"""Chart builders, DataFrame in, chart out: plan progress as Vega-Lite specs; SKKN in Altair."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd

from lib import frames
from lib.plans import OVERDUE, STATUSES, split_units
from lib.rubric import NO_GRADE
from lib.text import vn_key

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
    "legend": {"orient": "bottom", "columns": 3},
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
    where = "trước" if today < span[0] else "sau"
    return f"Hôm nay {today:%d/%m/%Y}: {where} thời gian các việc"


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
        "height": 280,
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


def styled(chart: Spec, big: bool = False) -> Spec:
    """Fonts with Vietnamese glyphs everywhere; bigger type for the projector."""
    size = 15 if big else 12
    fonts = {"labelFont": FONT, "titleFont": FONT, "labelFontSize": size, "titleFontSize": size}
    return {
        **chart,
        "config": {
            "font": FONT,
            "axis": fonts,
            "legend": {**fonts, "labelLimit": 0},
            "title": {"font": FONT, "subtitleFont": FONT, "fontSize": size + 5,
                      "subtitleFontSize": size - 1, "anchor": "start"},
            "view": {"stroke": None},
        },
    }  # fmt: skip


# --- SKKN scoring (issue 4) -------------------------------------------------------------

SCORING_FONT = "Noto Sans, DejaVu Sans, sans-serif"
AGREE_COLOR = "#1f6f8b"
DISAGREE_COLOR = "#c62828"
PROGRESS_ORDER = ["Đã nộp", "Đang chấm", "Chưa chấm"]
PROGRESS_COLORS = ["#2e7d32", "#f0a202", "#9aa5b1"]


ROWS = "rows"  # the dataset each scoring chart draws; the rest of its spec is cached


def _finished(chart: alt.TopLevelMixin) -> Spec:
    """The chart's validated Vega-Lite spec, with the Vietnamese font."""
    return chart.configure(font=SCORING_FONT).configure_view(stroke=None).to_dict()


def _drawn(rows: pd.DataFrame, spec: Spec) -> Spec:
    """The cached spec with this run's rows as its dataset."""
    # Shallow copies are enough: only "datasets" differs, and Streamlit replaces it rather
    # than changing it.
    return {**spec, "datasets": {**spec.get("datasets", {}), ROWS: rows}}


# Each spec below is built by Altair without its rows, once per shape (title, scale, grade
# list, examiners); each run adds its rows as a dataset. Building and validating the
# spec through Altair on every run cost more than the rest of the results page. A shape holds
# no score or count, so nothing a user saves can leave a cached spec stale.


@functools.cache
def _empty_spec() -> Spec:
    return _finished(
        alt.Chart(alt.NamedData(ROWS))
        .mark_text(size=14, color="#555")
        .encode(text="text:N")
        .properties(height=80)
    )


def _empty(message: str) -> Spec:
    return _drawn(pd.DataFrame({"text": [message]}), _empty_spec())


def _num(value: object) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


@functools.lru_cache(maxsize=64)
def _grade_counts_spec(order: tuple[str, ...], title: str) -> Spec:
    bars = (
        alt.Chart(alt.NamedData(ROWS), title=title)
        .mark_bar(color=AGREE_COLOR)
        .encode(
            x=alt.X("grade:N", sort=list(order), title="Xếp loại", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Số SKKN", axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("grade:N", title="Xếp loại"), alt.Tooltip("count:Q", title="Số")],
        )
    )
    text = bars.mark_text(dy=-8, fontWeight="bold").encode(text="count:Q")
    return _finished((bars + text).properties(height=260))


def grade_counts(
    results: pd.DataFrame, grades: Sequence[str], title: str = "Số SKKN theo xếp loại"
) -> Spec:
    """Bars: how many kept entries got each grade (rubric order, then "Không xếp loại")."""
    order = (*grades, NO_GRADE)
    kept = results[~results["withdrawn"]] if "withdrawn" in results else results
    graded = [g for g in kept["grade"] if isinstance(g, str)]
    if not graded:
        return _empty("Chưa có SKKN nào có kết quả.")
    frame = pd.DataFrame({"grade": order, "count": [graded.count(g) for g in order]})
    return _drawn(frame, _grade_counts_spec(order, title))


@functools.lru_cache(maxsize=64)
def _distribution_spec(top: float, title: str) -> Spec:
    chart = alt.Chart(alt.NamedData(ROWS), title=title).mark_bar(color=AGREE_COLOR).encode(
        x=alt.X("mean:Q", bin=alt.Bin(extent=[0, top], step=top / 20),
                title=f"Điểm trung bình (thang {top:g})", axis=alt.Axis(format="~g")),
        y=alt.Y("count():Q", title="Số SKKN", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("count():Q", title="Số SKKN")],
    )  # fmt: skip
    return _finished(chart.properties(height=260))


def score_distribution(
    results: pd.DataFrame, scale: object, title: str = "Phân bố điểm trung bình"
) -> Spec:
    """Histogram of the entries' mean totals over the rubric's scale."""
    means = [_num(v) for v in results["mean_total"]]
    frame = pd.DataFrame({"mean": [m for m in means if m is not None]})
    if frame.empty:
        return _empty("Chưa có phiếu chấm nào được nộp.")
    return _drawn(frame, _distribution_spec(float(scale), title))


@functools.lru_cache(maxsize=64)
def _scatter_spec(top: float, gap: float, title: str) -> Spec:
    points = alt.Chart(alt.NamedData(ROWS), title=title).mark_circle(size=110, opacity=0.85).encode(
        x=alt.X("gk1:Q", title="Tổng điểm GK1", scale=alt.Scale(domain=[0, top]),
                axis=alt.Axis(format="~g")),
        y=alt.Y("gk2:Q", title="Tổng điểm GK2", scale=alt.Scale(domain=[0, top]),
                axis=alt.Axis(format="~g")),
        color=alt.Color("flag:N", title="", scale=alt.Scale(
            domain=["Thống nhất", "Cần giám khảo thứ 3"], range=[AGREE_COLOR, DISAGREE_COLOR]),
            legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("code:N", title="Mã"), alt.Tooltip("title:N", title="Tên SKKN"),
                 alt.Tooltip("gk1:Q", title="GK1"), alt.Tooltip("gk2:Q", title="GK2"),
                 alt.Tooltip("reason:N", title="Lý do")],
    )  # fmt: skip
    band = pd.DataFrame({"x": [0, top], "lo": [-gap, top - gap], "hi": [gap, top + gap]})
    area = (
        alt.Chart(band)
        .mark_area(opacity=0.12, color=AGREE_COLOR, clip=True)  # the band stops at 0 and top
        .encode(x="x:Q", y="lo:Q", y2="hi:Q")
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0, top], "y": [0, top]}))
        .mark_line(color="#888", strokeDash=[4, 4])
        .encode(x="x:Q", y="y:Q")
    )
    # Tall enough that a point's distance from the diagonal reads on a wide projector too.
    return _finished((area + diagonal + points).properties(height=440))


def gk_scatter(
    results: pd.DataFrame, scale: object, max_gap: object, title: str = "GK1 và GK2"
) -> Spec:
    """Each entry as a point (GK1 total, GK2 total); red where a third examiner is needed.

    The band around the diagonal is the allowed gap: points outside it disagree."""
    columns = ["code", "title", "gk1_total", "gk2_total", "needs_third", "reason"]
    rows = [
        {"code": code, "title": name, "gk1": _num(gk1), "gk2": _num(gk2),
         "flag": "Cần giám khảo thứ 3" if third else "Thống nhất", "reason": reason or ""}
        for code, name, gk1, gk2, third, reason in frames.rows(results, *columns)
        if _num(gk1) is not None and _num(gk2) is not None
    ]  # fmt: skip
    if not rows:
        return _empty("Chưa có SKKN nào đủ phiếu của GK1 và GK2.")
    return _drawn(pd.DataFrame(rows), _scatter_spec(float(scale), float(max_gap), title))


@functools.lru_cache(maxsize=64)
def _progress_spec(names: tuple[str, ...], title: str) -> Spec:
    chart = alt.Chart(alt.NamedData(ROWS), title=title).mark_bar().encode(
        y=alt.Y("name:N", sort=list(names), title=None),
        x=alt.X("n:Q", title="Số phiếu", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("status:N", title="", scale=alt.Scale(domain=PROGRESS_ORDER,
                        range=PROGRESS_COLORS), legend=alt.Legend(orient="bottom")),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("name:N", title="Giám khảo"), alt.Tooltip("status:N", title=""),
                 alt.Tooltip("n:Q", title="Số phiếu")],
    )  # fmt: skip
    return _finished(chart.properties(height=max(120, 34 * len(names))))


def examiner_progress(progress: pd.DataFrame, title: str = "Tiến độ của giám khảo") -> Spec:
    """Stacked bars per examiner: sheets submitted, in progress, not started."""
    if progress.empty or int(progress["assigned"].sum()) == 0:
        return _empty("Chưa có phân công nào.")
    names = tuple(sorted(progress["full_name"], key=vn_key))
    rows = []
    columns = ["full_name", "submitted", "drafts", "not_started"]
    for name, *counts in frames.rows(progress, *columns):
        for rank, (label, n) in enumerate(zip(PROGRESS_ORDER, counts, strict=True)):
            rows.append({"name": name, "status": label, "n": int(n), "rank": rank})
    return _drawn(pd.DataFrame(rows), _progress_spec(names, title))
