"""Tests for lib.scoring.stats: rounding, means, grades and the third-examiner rule.

Each case runs the simple per-entry rule (tests/results_reference.py) and the vectorized pass
results() uses (stats.combine), and checks that they agree."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from lib.scoring import stats
from lib.scoring.rubric import NO_GRADE, load_rubric_yaml, section_totals
from lib.scoring.stats import disagreement, round_half_up
from tests.results_reference import EntryResult, entry_result_of_sections

RUBRICS = Path(__file__).resolve().parent.parent / "data" / "rubrics"


@pytest.fixture
def r20():
    rubric, _ = load_rubric_yaml((RUBRICS / "mau-20-diem.yaml").read_text(encoding="utf-8"))
    return rubric


def entry_result(r, sheets) -> EntryResult:
    """The result of whole sheets (criterion -> points), as results() combines them: the
    reference's, after checking that the vectorized pass gives the same numbers."""
    per_sheet = [section_totals(r, s) for s in sheets]
    expected = entry_result_of_sections(r, per_sheet)
    points = np.array([[int(t[x.code] * stats.UNIT) for x in r.sections] for t in per_sheet],
                      dtype=np.int64).reshape(len(sheets), len(r.sections))  # fmt: skip
    got = stats.combine(r, np.zeros(len(sheets), dtype=np.int64), points, 1)
    assert int(got.n_sheets[0]) == expected.n_sheets
    if expected.n_sheets:
        assert Decimal(int(got.mean_cents[0])).scaleb(-2) == expected.mean_total
        sections = [Decimal(int(v)).scaleb(-2) for v in got.section_cents[0]]
        assert sections == list(expected.section_means.values())
        assert stats.grade_name(r, int(got.grade[0])) == expected.grade
    assert bool(got.needs_third[0]) == expected.needs_third
    return expected


def sheet(i: float = 1, ii: float = 11, iii: float = 2, iv: float = 2) -> dict[str, float]:
    """Build a 20-point sheet from section totals, spread over each section's criteria."""
    values = {"I.1": min(i, 0.75), "I.2": max(i - 0.75, 0)}
    values.update({"II.1": 1.5, "II.2": 2.5, "II.3": min(ii - 4, 8), "II.4": max(ii - 12, 0)})
    values.update({"III.1": min(iii, 1), "III.2": max(iii - 1, 0), "IV.1": iv})
    return values


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (2.675, 2, "2.68"),  # float 2.675 is 2.67499…; round() gives 2.67
        ("2,675", 2, "2.68"),
        (Decimal("15.125"), 2, "15.13"),  # banker's rounding would give 15.12
        (Decimal("15.135"), 2, "15.14"),
        (Decimal("15.1249"), 2, "15.12"),
        (0.5, 0, "1"),
        (1.5, 0, "2"),
        (2.5, 0, "3"),
        (-2.675, 2, "-2.68"),
        (16, 2, "16.00"),
    ],
)
def test_round_half_up(value, places, expected):
    result = round_half_up(value, places)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_round_half_up_needs_a_number():
    with pytest.raises(ValueError):
        round_half_up(None)


def test_no_sheets(r20):
    assert entry_result(r20, []) == EntryResult(n_sheets=0)
    assert entry_result(r20, []).grade is None


def test_one_sheet(r20):
    result = entry_result(r20, [sheet()])
    assert result.n_sheets == 1
    assert result.totals == [Decimal(16)]
    assert result.mean_total == Decimal("16.00")
    assert result.grade == "A"
    assert (result.needs_third, result.reason) == (False, None)


def test_two_agreeing_sheets_mean_rounds_half_up(r20):
    # Totals 15 and 15.25: mean 15.125 must round to 15.13.
    a = sheet(i=1, ii=11, iii=1, iv=2)
    b = sheet(i=1.25, ii=11, iii=1, iv=2)
    result = entry_result(r20, [a, b])
    assert result.totals == [Decimal(15), Decimal("15.25")]
    assert result.mean_total == Decimal("15.13")
    assert result.section_means == {
        "I": Decimal("1.13"), "II": Decimal("11.00"), "III": Decimal("1.00"), "IV": Decimal("2.00")
    }  # fmt: skip
    assert result.grade == "B"
    assert result.needs_third is False
    assert result.reason is None


def test_mean_exactly_16_with_section_ii_11_is_a(r20):
    result = entry_result(r20, [sheet(ii=11), sheet(ii=11)])
    assert result.mean_total == Decimal("16.00")
    assert result.section_means["II"] == Decimal("11.00")
    assert result.grade == "A"


def test_mean_16_with_section_ii_below_11_is_b(r20):
    # Section II means 10.75: total still 16 because section I makes up the difference.
    a = sheet(i=1.25, ii=10.75)
    b = sheet(i=1.25, ii=10.75)
    result = entry_result(r20, [a, b])
    assert result.mean_total == Decimal("16.00")
    assert result.section_means["II"] == Decimal("10.75")
    assert result.grade == "B"


def test_disagreement_by_grade(r20):
    # 16 (A) and 15.75 (B): close totals, different grades.
    result = entry_result(r20, [sheet(), sheet(i=0.75)])
    assert result.totals == [Decimal(16), Decimal("15.75")]
    assert result.needs_third is True
    assert result.reason == "Hai giám khảo xếp loại khác nhau (A/B)"
    assert result.mean_total == Decimal("15.88")
    assert result.grade == "B"


def test_disagreement_by_gap(r20):
    # 18.5 and 16 are both A, but 2.5 apart with max_gap 2.
    a = sheet(ii=13.5)
    result = entry_result(r20, [a, sheet()])
    assert result.totals == [Decimal("18.5"), Decimal(16)]
    assert result.needs_third is True
    assert result.reason == "Chênh lệch tổng điểm 2,5 > 2"


def test_gap_equal_to_max_gap_is_fine(r20):
    result = entry_result(r20, [sheet(ii=13), sheet()])
    assert result.totals == [Decimal(18), Decimal(16)]
    assert (result.needs_third, result.reason) == (False, None)


def test_disagreement_by_grade_and_gap(r20):
    result = entry_result(r20, [sheet(ii=14), sheet(ii=8)])
    assert result.reason == ("Hai giám khảo xếp loại khác nhau (A/C); chênh lệch tổng điểm 6 > 2")


def test_disagreement_function(r20):
    assert disagreement(r20, 16, "A", 16, "A") is None
    assert disagreement(r20, 16, "A", "14", "A") is None
    assert disagreement(r20, 13, "B", Decimal("15.25"), "B") == "Chênh lệch tổng điểm 2,25 > 2"
    assert disagreement(r20, 9.75, NO_GRADE, 10, "C") == (
        "Hai giám khảo xếp loại khác nhau (Không xếp loại/C)"
    )


def test_third_sheet_settles(r20):
    sheets = [sheet(ii=13.5), sheet(), sheet(ii=12)]
    result = entry_result(r20, sheets)
    assert result.n_sheets == 3
    assert result.totals == [Decimal("18.5"), Decimal(16), Decimal(17)]
    assert result.mean_total == Decimal("17.17")  # 51.5 / 3 = 17.1666…
    assert result.section_means["II"] == Decimal("12.17")
    assert result.grade == "A"
    assert (result.needs_third, result.reason) == (False, None)


def test_third_sheet_mean_of_all(r20):
    result = entry_result(r20, [sheet(), sheet(i=0.75), sheet(i=0.75)])
    assert result.mean_total == Decimal("15.83")
    assert result.grade == "B"
    assert result.needs_third is False


def test_string_scores_accepted(r20):
    a = {k: str(v).replace(".", ",") for k, v in sheet().items()}
    assert entry_result(r20, [a]).totals == [Decimal(16)]


def test_100_point_sheet():
    rubric, _ = load_rubric_yaml((RUBRICS / "mau-100-diem.yaml").read_text(encoding="utf-8"))
    a = {"ND.1": 22, "ND.2": 18, "ND.3": 17, "ND.4": 20, "HT.1": 4.5, "HT.2": 4.5}  # 86
    b = {"ND.1": 20, "ND.2": 15, "ND.3": 15, "ND.4": 20, "HT.1": 3.5, "HT.2": 4}  # 77.5
    result = entry_result(rubric, [a, b])
    assert result.mean_total == Decimal("81.75")
    assert result.grade == "B"
    assert result.reason == "Hai giám khảo xếp loại khác nhau (A/B)"
