"""Altair chart builders: DataFrame in, chart out (SKKN scoring: grades, scores, progress)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import altair as alt
import pandas as pd

from lib.rubric import NO_GRADE
from lib.text import vn_key

# A sans font with every Vietnamese glyph first.
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
