"""Tests for lib.periods: every supported label form, context years, and malformed labels."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from lib.plans.periods import Period, derive_dates, parse_period, school_year_bounds

D = date
# The customer's plan as they sent it; the repo keeps a copy (test_rubric checks it is the same).
SEED = Path(__file__).resolve().parent.parent / "data" / "demo" / "ke-hoach-13-KH-MNAS-2024.txt"

# (label, context, start, due, kind)
CASES = [
    # single months, in every spelling plans use
    ("Tháng 03/2024", {}, D(2024, 3, 1), D(2024, 3, 31), "month"),
    ("Tháng 10/ 2024", {}, D(2024, 10, 1), D(2024, 10, 31), "month"),
    ("Tháng 5/2024", {}, D(2024, 5, 1), D(2024, 5, 31), "month"),
    ("tháng 5 năm 2024", {}, D(2024, 5, 1), D(2024, 5, 31), "month"),
    ("T5/2024", {}, D(2024, 5, 1), D(2024, 5, 31), "month"),
    ("THÁNG  2 - 2024", {}, D(2024, 2, 1), D(2024, 2, 29), "month"),
    ("- Tháng 11/2024", {}, D(2024, 11, 1), D(2024, 11, 30), "month"),
    ("+ tháng 12 /2024.", {}, D(2024, 12, 1), D(2024, 12, 31), "month"),
    ("Trong tháng 9/2024", {}, D(2024, 9, 1), D(2024, 9, 30), "month"),
    ("Tháng 3", {"year": 2024}, D(2024, 3, 1), D(2024, 3, 31), "month"),
    ("Tháng 3", {"school_year": 2024}, D(2025, 3, 1), D(2025, 3, 31), "month"),
    ("Tháng 10", {"school_year": 2024}, D(2024, 10, 1), D(2024, 10, 31), "month"),
    # deadlines
    ("Trước tháng 6/2024", {}, None, D(2024, 5, 31), "before"),
    ("Trước tháng 3", {"year": 2024}, None, D(2024, 2, 29), "before"),
    ("Trước ngày 20/11/2024", {}, None, D(2024, 11, 20), "before"),
    ("Trước 15/3/2024", {}, None, D(2024, 3, 15), "before"),
    ("Trước ngày 20/11", {"year": 2024}, None, D(2024, 11, 20), "before"),
    ("Chậm nhất ngày 15/5/2024", {}, None, D(2024, 5, 15), "before"),
    # ranges
    ("Từ tháng 9/2024 đến tháng 5/2025", {}, D(2024, 9, 1), D(2025, 5, 31), "range"),
    ("Tháng 9/2024 - tháng 5/2025", {}, D(2024, 9, 1), D(2025, 5, 31), "range"),
    ("Tháng 9/2024 – tháng 5/2025", {}, D(2024, 9, 1), D(2025, 5, 31), "range"),
    ("Từ 01/9/2024 đến 15/10/2024", {}, D(2024, 9, 1), D(2024, 10, 15), "range"),
    ("Từ 20/11 đến 25/11/2024", {}, D(2024, 11, 20), D(2024, 11, 25), "range"),
    ("Từ 20/12/2024 đến 5/1", {}, D(2024, 12, 20), D(2025, 1, 5), "range"),
    ("Tháng 9-10/2024", {}, D(2024, 9, 1), D(2024, 10, 31), "range"),
    ("Tháng 9, 10/2024", {}, D(2024, 9, 1), D(2024, 10, 31), "range"),
    ("Tháng 9, 10, 11/2024", {}, D(2024, 9, 1), D(2024, 11, 30), "range"),
    ("Tháng 12/2024 - 1/2025", {}, D(2024, 12, 1), D(2025, 1, 31), "range"),
    ("Tháng 12 - 1/2025", {}, D(2024, 12, 1), D(2025, 1, 31), "range"),
    ("Từ tháng 9 đến tháng 5", {"year": 2024}, D(2024, 9, 1), D(2025, 5, 31), "range"),
    ("Từ tháng 9 đến tháng 5", {"school_year": 2024}, D(2024, 9, 1), D(2025, 5, 31), "range"),
    # quarters
    ("Quý I/2025", {}, D(2025, 1, 1), D(2025, 3, 31), "quarter"),
    ("Quý 2/2025", {}, D(2025, 4, 1), D(2025, 6, 30), "quarter"),
    ("Quý IV năm 2024", {}, D(2024, 10, 1), D(2024, 12, 31), "quarter"),
    ("Quý III", {"year": 2024}, D(2024, 7, 1), D(2024, 9, 30), "quarter"),
    # semesters
    ("Học kỳ I", {"school_year": 2024}, D(2024, 9, 1), D(2025, 1, 15), "semester"),
    ("Học kỳ II", {"school_year": 2024}, D(2025, 1, 16), D(2025, 5, 31), "semester"),
    ("Học kỳ I năm học 2024-2025", {}, D(2024, 9, 1), D(2025, 1, 15), "semester"),
    ("HK1 2024-2025", {}, D(2024, 9, 1), D(2025, 1, 15), "semester"),
    ("HKII năm học 2024 - 2025", {}, D(2025, 1, 16), D(2025, 5, 31), "semester"),
    ("Học kỳ 2", {"school_year": 2023}, D(2024, 1, 16), D(2024, 5, 31), "semester"),
    # school years and calendar years
    ("Cả năm học 2024-2025", {}, D(2024, 9, 1), D(2025, 5, 31), "school_year"),
    ("Năm học 2024 - 2025", {}, D(2024, 9, 1), D(2025, 5, 31), "school_year"),
    ("Năm học 2024-25", {}, D(2024, 9, 1), D(2025, 5, 31), "school_year"),
    ("Cả năm học", {"school_year": 2024}, D(2024, 9, 1), D(2025, 5, 31), "school_year"),
    ("Năm 2024", {}, D(2024, 1, 1), D(2024, 12, 31), "year"),
    ("Cả năm 2024", {}, D(2024, 1, 1), D(2024, 12, 31), "year"),
    # ongoing: school year first, then calendar year
    ("Thường xuyên", {"school_year": 2024}, D(2024, 9, 1), D(2025, 5, 31), "ongoing"),
    ("Thường xuyên", {"year": 2024}, D(2024, 1, 1), D(2024, 12, 31), "ongoing"),
    ("Thường xuyên", {"year": 2024, "school_year": 2023}, D(2023, 9, 1), D(2024, 5, 31), "ongoing"),
    ("Hằng tháng", {"year": 2024}, D(2024, 1, 1), D(2024, 12, 31), "ongoing"),
    ("Hàng tháng", {"school_year": 2024}, D(2024, 9, 1), D(2025, 5, 31), "ongoing"),
    ("Liên tục", {"year": 2025}, D(2025, 1, 1), D(2025, 12, 31), "ongoing"),
    ("Thường xuyên, liên tục", {"year": 2024}, D(2024, 1, 1), D(2024, 12, 31), "ongoing"),
    # plain dates
    ("20/11/2024", {}, D(2024, 11, 20), D(2024, 11, 20), "date"),
    ("20-11-2024", {}, D(2024, 11, 20), D(2024, 11, 20), "date"),
    ("Ngày 20/11/2024", {}, D(2024, 11, 20), D(2024, 11, 20), "date"),
    ("ngày 20 tháng 11 năm 2024", {}, D(2024, 11, 20), D(2024, 11, 20), "date"),
    ("2024-11-20", {}, D(2024, 11, 20), D(2024, 11, 20), "date"),
    ("29/02/2024", {}, D(2024, 2, 29), D(2024, 2, 29), "date"),
]

MALFORMED = [
    ("", {}),
    ("   ", {}),
    ("abc", {}),
    ("-", {}),
    ("Trước", {}),
    ("Tháng 13/2024", {}),
    ("Tháng 0/2024", {}),
    ("Tháng 5/24", {}),
    ("32/01/2024", {}),
    ("29/02/2023", {}),
    ("Quý V/2024", {}),
    ("Trước tháng 13/2024", {}),
    ("Từ tháng 9/2024 đến tháng 5/2023", {}),
    ("Từ 15/10/2024 đến 01/9/2024", {}),
    ("Năm học 2024-2026", {}),
    ("HK1 2024-2026", {}),
    ("Học kỳ III", {"school_year": 2024}),
    ("Tháng 10-9/2024", {}),  # wraps into a whole year: a typo, not a plan
    ("5", {"year": 2024}),
    # missing context is never guessed
    ("Tháng 3", {}),
    ("Quý I", {}),
    ("Học kỳ I", {}),
    ("Học kỳ I", {"year": 2024}),
    ("Thường xuyên", {}),
    ("Hằng tháng", {}),
    ("Liên tục", {}),
    ("Trước tháng 6", {}),
]

# The progress schedule of plan 13/KH-MNAS (27/03/2024) and the month each label names.
SEED_LABELS = {
    "Tháng 03/2024": (2024, 3),
    "Tháng 5/2024": (2024, 5),
    "Trước tháng 6/2024": (2024, 5),
    "Tháng 10/ 2024": (2024, 10),
    "Tháng 11/ 2024": (2024, 11),
}


@pytest.mark.parametrize(("label", "context", "start", "due", "kind"), CASES)
def test_parse_period(label, context, start, due, kind):
    assert parse_period(label, **context) == Period(start, due, kind)


@pytest.mark.parametrize(("label", "context", "start", "due", "kind"), CASES)
def test_decomposed_input_parses_the_same(label, context, start, due, kind):
    assert parse_period(unicodedata.normalize("NFD", label), **context) == Period(start, due, kind)


@pytest.mark.parametrize(("label", "context"), MALFORMED)
def test_malformed_labels_give_none(label, context):
    assert parse_period(label, **context) is None


@pytest.mark.parametrize(("label", "month"), SEED_LABELS.items())
def test_seed_schedule_labels(label, month):
    period = parse_period(label, year=2024)
    assert period is not None
    last_day = period.due
    assert (last_day.year, last_day.month) == month
    if period.kind == "month":
        assert period.start == date(*month, 1)
    else:
        assert period.kind == "before" and period.start is None


def test_seed_file_has_exactly_these_schedule_labels():
    text = SEED.read_text(encoding="utf-8")
    schedule = text[text.index("BIỂU TIẾN ĐỘ") :]
    found = [line.strip() for line in schedule.splitlines() if re.match(r"\t(Tháng|Trước) ", line)]
    assert found == list(SEED_LABELS)


def test_school_year_bounds():
    assert school_year_bounds(2024) == (D(2024, 9, 1), D(2025, 5, 31))


@pytest.mark.parametrize(
    ("label", "fallback", "expected"),
    [
        ("Trước tháng 6/2024", D(2024, 3, 27), (D(2024, 3, 27), D(2024, 5, 31))),
        ("Trước tháng 6/2024", D(2024, 5, 31), (D(2024, 5, 31), D(2024, 5, 31))),
        ("Trước tháng 6/2024", D(2024, 6, 1), (None, D(2024, 5, 31))),
        ("Trước tháng 6/2024", None, (None, D(2024, 5, 31))),
        ("Tháng 5/2024", D(2024, 3, 27), (D(2024, 5, 1), D(2024, 5, 31))),
        ("abc", D(2024, 3, 27), (None, None)),
        ("Thường xuyên", D(2024, 3, 27), (None, None)),
    ],
)
def test_derive_dates(label, fallback, expected):
    assert derive_dates(label, fallback_start=fallback) == expected


def test_derive_dates_passes_context():
    assert derive_dates("Thường xuyên", school_year=2024) == (D(2024, 9, 1), D(2025, 5, 31))
    assert derive_dates("Tháng 3", year=2024) == (D(2024, 3, 1), D(2024, 3, 31))
