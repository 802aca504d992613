"""Altair chart builders: DataFrame in, chart out (plan progress; SKKN scoring)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import altair as alt
import pandas as pd

from lib.plans import OVERDUE, STATUSES, split_units
from lib.rubric import NO_GRADE
from lib.text import vn_key

# A sans font with every Vietnamese glyph first; the browser and the PNG export both have it.
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
STATUS_ORDER = [STATUSES["done"], STATUSES["doing"], STATUSES["todo"], OVERDUE,
                STATUSES["cancelled"]]  # fmt: skip
STATUS_COLORS = ["#2e7d32", "#1f6f8b", "#9aa5b1", "#c62828", "#e0c9a6"]
TODAY_COLOR = "#d35400"
TIMELINE_MAX = 300  # bars in the timeline
BREAKDOWN_MAX = 30  # groups in a by-plan / by-unit / by-leader chart
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
    # Counted here, not by Vega-Lite: Altair validates every inline row, which takes seconds
    # for a district's tasks; a few dozen (month, status) rows cost nothing.
    frame = (
        _with_rank(dated)[["status_label", "status_rank"]]
        .assign(due=_ts(dated["due_date"]).dt.to_period("M").dt.to_timestamp().to_numpy())
        .groupby(["due", "status_label", "status_rank"], as_index=False)
        .size()
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
            y=alt.Y("sum(size):Q", title="Số việc", axis=alt.Axis(tickMinStep=1)),
            color=_status_color,
            order=_status_order,
            tooltip=[
                alt.Tooltip("yearmonth(due):T", title="Tháng", format="%m/%Y"),
                alt.Tooltip("status_label:N", title="Trạng thái"),
                alt.Tooltip("sum(size):Q", title="Số việc"),
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
    shown_note = ""
    if len(dated) > TIMELINE_MAX:
        # A bar per task stops being readable (and fast) past a few hundred: keep the tasks due
        # nearest today and say so.
        distance = [abs((d - today).days) for d in dated["due_date"]]
        nearest = dated.assign(_distance=distance).nsmallest(TIMELINE_MAX, "_distance")
        shown_note = (
            f"{TIMELINE_MAX} trong {len(dated)} việc có hạn gần hôm nay nhất; "
            "lọc theo kế hoạch để xem đủ"
        )
        dated = nearest.drop(columns="_distance").sort_values(["plan_id", "position"])
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
    subtitle = " · ".join(n for n in (_today_note(dated, today), shown_note) if n)
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
    frame = frame.groupby([by, "status_label", "status_rank"], as_index=False).size()
    totals = frame.groupby(by)["size"].sum()
    subtitle = alt.Undefined
    if len(totals) > BREAKDOWN_MAX:
        kept = set(totals.nlargest(BREAKDOWN_MAX).index)
        frame = frame[frame[by].isin(kept)]
        subtitle = f"{BREAKDOWN_MAX} trong {len(totals)} nhóm nhiều việc nhất"
    order = sorted(set(frame[by]), key=vn_key)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{by}:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
            x=alt.X("sum(size):Q", title="Số việc", axis=alt.Axis(tickMinStep=1)),
            color=_status_color,
            order=_status_order,
            tooltip=[
                alt.Tooltip(f"{by}:N", title="Nhóm"),
                alt.Tooltip("status_label:N", title="Trạng thái"),
                alt.Tooltip("sum(size):Q", title="Số việc"),
            ],
        )
        .properties(
            title=alt.Title(title, subtitle=subtitle), height=alt.Step(34), width="container"
        )  # fmt: skip
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


# --- SKKN scoring (issue 4) -------------------------------------------------------------

SCORING_FONT = "Noto Sans, DejaVu Sans, sans-serif"
AGREE_COLOR = "#1f6f8b"
DISAGREE_COLOR = "#c62828"
PROGRESS_ORDER = ["Đã nộp", "Đang chấm", "Chưa chấm"]
PROGRESS_COLORS = ["#2e7d32", "#f0a202", "#9aa5b1"]


def _font(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font=SCORING_FONT).configure_view(stroke=None)


def _num(value: object) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def _empty(message: str) -> alt.TopLevelMixin:
    frame = pd.DataFrame({"text": [message]})
    return _font(
        alt.Chart(frame).mark_text(size=14, color="#555").encode(text="text:N")
        .properties(height=80)
    )  # fmt: skip


def grade_counts(
    results: pd.DataFrame, grades: Sequence[str], title: str = "Số SKKN theo xếp loại"
):
    """Bars: how many kept entries got each grade (rubric order, then "Không xếp loại")."""
    order = [*grades, NO_GRADE]
    kept = results[~results["withdrawn"]] if "withdrawn" in results else results
    graded = [g for g in kept["grade"] if isinstance(g, str)]
    if not graded:
        return _empty("Chưa có SKKN nào có kết quả.")
    frame = pd.DataFrame({"grade": order, "count": [graded.count(g) for g in order]})
    bars = (
        alt.Chart(frame, title=title)
        .mark_bar(color=AGREE_COLOR)
        .encode(
            x=alt.X("grade:N", sort=order, title="Xếp loại", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Số SKKN", axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("grade:N", title="Xếp loại"), alt.Tooltip("count:Q", title="Số")],
        )
    )
    text = bars.mark_text(dy=-8, fontWeight="bold").encode(text="count:Q")
    return _font((bars + text).properties(height=260))


def score_distribution(
    results: pd.DataFrame, scale: object, title: str = "Phân bố điểm trung bình"
) -> alt.TopLevelMixin:
    """Histogram of the entries' mean totals over the rubric's scale."""
    means = [_num(v) for v in results["mean_total"]]
    frame = pd.DataFrame({"mean": [m for m in means if m is not None]})
    if frame.empty:
        return _empty("Chưa có phiếu chấm nào được nộp.")
    top = float(scale)
    chart = alt.Chart(frame, title=title).mark_bar(color=AGREE_COLOR).encode(
        x=alt.X("mean:Q", bin=alt.Bin(extent=[0, top], step=top / 20),
                title=f"Điểm trung bình (thang {float(top):g})", axis=alt.Axis(format="~g")),
        y=alt.Y("count():Q", title="Số SKKN", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("count():Q", title="Số SKKN")],
    )  # fmt: skip
    return _font(chart.properties(height=260))


def gk_scatter(
    results: pd.DataFrame, scale: object, max_gap: object, title: str = "GK1 và GK2"
) -> alt.TopLevelMixin:
    """Each entry as a point (GK1 total, GK2 total); red where a third examiner is needed.

    The band around the diagonal is the allowed gap: points outside it disagree."""
    rows = [
        {"code": r.code, "title": r.title, "gk1": _num(r.gk1_total), "gk2": _num(r.gk2_total),
         "flag": "Cần giám khảo thứ 3" if r.needs_third else "Thống nhất",
         "reason": r.reason or ""}
        for r in results.itertuples()
        if _num(r.gk1_total) is not None and _num(r.gk2_total) is not None
    ]  # fmt: skip
    if not rows:
        return _empty("Chưa có SKKN nào đủ phiếu của GK1 và GK2.")
    top, gap = float(scale), float(max_gap)
    points = alt.Chart(pd.DataFrame(rows), title=title).mark_circle(size=110, opacity=0.85).encode(
        x=alt.X("gk1:Q", title="Tổng điểm GK1", scale=alt.Scale(domain=[0, top])),
        y=alt.Y("gk2:Q", title="Tổng điểm GK2", scale=alt.Scale(domain=[0, top])),
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
        .mark_area(opacity=0.12, color=AGREE_COLOR)
        .encode(x="x:Q", y="lo:Q", y2="hi:Q")
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0, top], "y": [0, top]}))
        .mark_line(color="#888", strokeDash=[4, 4])
        .encode(x="x:Q", y="y:Q")
    )
    return _font((area + diagonal + points).properties(height=320))


def examiner_progress(progress: pd.DataFrame, title: str = "Tiến độ của giám khảo"):
    """Stacked bars per examiner: sheets submitted, in progress, not started."""
    if progress.empty or int(progress["assigned"].sum()) == 0:
        return _empty("Chưa có phân công nào.")
    names = sorted(progress["full_name"], key=vn_key)
    rows = []
    for r in progress.itertuples():
        for label, n in zip(PROGRESS_ORDER, (r.submitted, r.drafts, r.not_started), strict=True):
            rows.append({"name": r.full_name, "status": label, "n": int(n),
                         "rank": PROGRESS_ORDER.index(label)})  # fmt: skip
    chart = alt.Chart(pd.DataFrame(rows), title=title).mark_bar().encode(
        y=alt.Y("name:N", sort=names, title=None),
        x=alt.X("n:Q", title="Số phiếu", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("status:N", title="", scale=alt.Scale(domain=PROGRESS_ORDER,
                        range=PROGRESS_COLORS), legend=alt.Legend(orient="bottom")),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("name:N", title="Giám khảo"), alt.Tooltip("status:N", title=""),
                 alt.Tooltip("n:Q", title="Số phiếu")],
    )  # fmt: skip
    return _font(chart.properties(height=max(120, 34 * len(names))))
