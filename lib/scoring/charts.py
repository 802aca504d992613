"""SKKN scoring charts (grades, distribution, GK1 against GK2, examiner progress) in Altair."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import altair as alt
import pandas as pd

from lib.core import frames
from lib.core.numbers import CHART_LOCALE
from lib.core.text import vn_key
from lib.scoring.rubric import NO_GRADE

Spec = dict[str, Any]

SCORING_FONT = "Noto Sans, DejaVu Sans, sans-serif"
AGREE_COLOR = "#1f6f8b"
DISAGREE_COLOR = "#c62828"
PROGRESS_ORDER = ["Đã nộp", "Đang chấm", "Chưa chấm"]
PROGRESS_COLORS = ["#2e7d32", "#f0a202", "#9aa5b1"]


ROWS = "rows"  # the dataset each scoring chart draws; the rest of its spec is cached


# Streamlit's default autosize is "fit": title, axes and legend are squeezed into the given
# height, so a short chart with a legend (the examiners' progress with a few examiners) kept
# no room for its bars and drew none. fit-x fits the width only; height is the plot's own.
AUTOSIZE = {"type": "fit-x", "contains": "padding"}


def _finished(chart: alt.TopLevelMixin) -> Spec:
    """The chart's validated Vega-Lite spec, with the Vietnamese font, sized as drawn."""
    spec = chart.configure(font=SCORING_FONT).configure_view(stroke=None).to_dict()
    # Altair's schema has no number locale; Vega reads it from the config.
    spec["config"] = {**spec.get("config", {}), "locale": CHART_LOCALE}
    return {**spec, "autosize": AUTOSIZE}


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
