"""lib.charts scoring builders: they build from results frames, empty or not."""

import altair as alt

from lib import charts, results, rounds, scoring
from tests.scoring_helpers import full_marks, rubric20, user


def _spec(chart) -> str:
    assert isinstance(chart, alt.TopLevelMixin)
    return str(chart.to_dict())


def test_charts_of_an_unscored_round_say_so(demo_con):
    df = results.results(demo_con, 1)
    assert "Chưa có SKKN nào có kết quả." in _spec(charts.grade_counts(df, ["A", "B", "C"]))
    assert "Chưa có phiếu" in _spec(charts.score_distribution(df, 20))
    assert "GK1 và GK2" in _spec(charts.gk_scatter(df, 20, 2))
    assert "Chưa có phân công" in _spec(
        charts.examiner_progress(results.progress_by_examiner(demo_con, 1))
    )


def test_charts_with_scores_use_a_vietnamese_font(demo_con):
    rounds.auto_assign(demo_con, 1, "chutich")
    rounds.open_round(demo_con, 1, "chutich")
    for row in rounds.assignments(demo_con, 1).itertuples():
        scoring.submit_sheet(demo_con, user(demo_con, row.examiner), int(row.entry_id),
                             full_marks(rubric20()))  # fmt: skip
    df = results.results(demo_con, 1)
    for chart in (
        charts.grade_counts(df, ["A", "B", "C"]),
        charts.score_distribution(df, 20),
        charts.gk_scatter(df, 20, 2),
        charts.examiner_progress(results.progress_by_examiner(demo_con, 1)),
    ):
        spec = _spec(chart)
        assert "Noto Sans, DejaVu Sans, sans-serif" in spec
    assert "Thống nhất" in _spec(charts.gk_scatter(df, 20, 2))
