"""lib.charts scoring builders: they build from results frames, empty or not."""

from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from lib.scoring import assignment, charts, results, sheets, states
from tests.scoring_helpers import full_marks, rubric20, user


def rows(spec: dict) -> list[dict]:
    """The chart's own rows, after checking the whole spec against Vega-Lite's schema."""
    frame = spec["datasets"][charts.ROWS]
    records = frame.to_dict("records")
    validate_jsonschema({**spec, "datasets": {**spec["datasets"], charts.ROWS: records}},
                        load_schema())  # fmt: skip
    return records


def scored(con) -> None:
    assignment.auto_assign(con, 1, "chutich")
    states.open_round(con, 1, "chutich")
    for row in assignment.assignments(con, 1).itertuples():
        sheets.submit_sheet(con, user(con, row.examiner), int(row.entry_id),
                             full_marks(rubric20()))  # fmt: skip


def test_charts_of_an_unscored_round_say_so(demo_con):
    df = results.results(demo_con, 1)
    assert rows(charts.grade_counts(df, ["A", "B", "C"])) == [
        {"text": "Chưa có SKKN nào có kết quả."}
    ]
    assert rows(charts.score_distribution(df, 20))[0]["text"].startswith("Chưa có phiếu")
    assert "GK1 và GK2" in rows(charts.gk_scatter(df, 20, 2))[0]["text"]
    progress = charts.examiner_progress(results.progress_by_examiner(demo_con, 1))
    assert rows(progress) == [{"text": "Chưa có phân công nào."}]


def test_charts_with_scores_use_a_vietnamese_font(demo_con):
    scored(demo_con)
    df = results.results(demo_con, 1)
    for chart in (
        charts.grade_counts(df, ["A", "B", "C"]),
        charts.score_distribution(df, 20),
        charts.gk_scatter(df, 20, 2),
        charts.examiner_progress(results.progress_by_examiner(demo_con, 1)),
    ):
        rows(chart)
        assert chart["config"]["font"] == "Noto Sans, DejaVu Sans, sans-serif"
        assert chart["config"]["locale"]["number"]["decimal"] == ","  # axis labels read 0,5
    assert {r["flag"] for r in rows(charts.gk_scatter(df, 20, 2))} == {"Thống nhất"}


def test_a_chart_shows_each_new_result_though_its_spec_is_kept(demo_con):
    before = results.results(demo_con, 1)
    first = charts.grade_counts(before, ["A", "B", "C"])
    scored(demo_con)
    after = charts.grade_counts(results.results(demo_con, 1), ["A", "B", "C"])
    counts = {r["grade"]: r["count"] for r in rows(after)}
    assert counts["A"] == len(before) and rows(first)[0]["text"]
    # The shape is kept between runs; the rows never are.
    again = charts.grade_counts(results.results(demo_con, 1), ["A", "B", "C"])
    assert again["layer"] is after["layer"] and again["datasets"] is not after["datasets"]
