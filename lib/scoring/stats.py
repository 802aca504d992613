"""Score statistics for an SKKN entry: means, grade, and when a third examiner is needed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np

from lib.scoring.rubric import NO_GRADE, Rubric, format_number, parse_number

# Stored points are DECIMAL(10, 4): times UNIT every one is a whole number, so the batch
# pass below adds, compares and rounds them exactly in int64, as Decimal does one by one.
UNIT = 10_000
CENT = 100  # means are rounded to hundredths


def round_half_up(x: object, places: int = 2) -> Decimal:
    """Round half away from zero, as people do by hand (2.675 → 2.68), not banker's rounding:
    the one rounding of every mean and percentage the council reads."""
    number = parse_number(x)
    if number is None:
        raise ValueError("Không có số để làm tròn")
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plain(value: Decimal | None) -> Decimal | None:
    """A stored DECIMAL without its padding zeros: 0.7500 -> 0.75, 20.0000 -> 20."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def disagreement(
    r: Rubric, total_a: object, grade_a: str, total_b: object, grade_b: str
) -> str | None:
    """Return why two examiners disagree (different grades, or totals too far apart), or None."""
    reasons = []
    if grade_a != grade_b:
        reasons.append(f"hai giám khảo xếp loại khác nhau ({grade_a}/{grade_b})")
    gap = abs((parse_number(total_a) or Decimal(0)) - (parse_number(total_b) or Decimal(0)))
    if gap > r.max_gap:
        reasons.append(f"chênh lệch tổng điểm {format_number(gap)} > {format_number(r.max_gap)}")
    if not reasons:
        return None
    text = "; ".join(reasons)
    return text[0].upper() + text[1:]


def half_up_div(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator rounded half away from zero to a whole number (round_half_up
    on exact whole-number arrays; the denominators are positive)."""
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    return np.sign(numerator) * magnitude


def _at_least(values: np.ndarray, minimum: Decimal, unit: int) -> np.ndarray:
    """values (points × unit, whole numbers) >= minimum, exactly."""
    return values >= int((minimum * unit).to_integral_value(rounding=ROUND_CEILING))


def grade_indexes(r: Rubric, total: np.ndarray, sections: np.ndarray, unit: int) -> np.ndarray:
    """grade_of for many sheets or means at once: the index of the first grade rule met (in
    r.grades; len(r.grades) for "Không xếp loại"). total is points × unit, sections the
    same per section (one column per r.sections)."""
    column = {s.code: i for i, s in enumerate(r.sections)}
    found = np.full(len(total), len(r.grades), dtype=np.int64)
    for i in reversed(range(len(r.grades))):  # the first rule met wins: write it last
        rule = r.grades[i]
        met = _at_least(total, rule.min_total, unit)
        for code, minimum in rule.min_section.items():
            if code in column:
                met &= _at_least(sections[:, column[code]], minimum, unit)
            elif minimum > 0:  # a section the sheet does not have counts as 0 points
                met &= False
        found[met] = i
    return found


def grade_name(r: Rubric, index: int) -> str:
    """The grade a grade_indexes() index stands for."""
    return r.grades[index].grade if index < len(r.grades) else NO_GRADE


@dataclass(frozen=True)
class Combined:
    """entry_result_of_sections for every entry of a round at once, as arrays by entry."""

    n_sheets: np.ndarray  # submitted sheets per entry
    mean_cents: np.ndarray  # mean total rounded half-up, in hundredths (0 without sheets)
    section_cents: np.ndarray  # the same per section: one column per r.sections
    grade: np.ndarray  # grade_indexes() of the rounded means (meaningless without sheets)
    needs_third: np.ndarray  # two sheets that disagree
    first: np.ndarray  # the entry's first sheet (index into the sheets), -1 without sheets
    sheet_total: np.ndarray  # per sheet: points × UNIT
    sheet_grade: np.ndarray  # per sheet: grade_indexes() of its own points


def combine(r: Rubric, entry_of_sheet: np.ndarray, points: np.ndarray, n_entries: int) -> Combined:
    """Combine submitted sheets in one vectorized pass: entry_of_sheet gives each sheet's entry
    (0 … n_entries - 1, sheets of an entry together, in GK order), points each sheet's points
    × UNIT per section (one column per r.sections). Same rule as entry_result_of_sections:
    half-up means of totals and sections, the grade of the means, and two sheets flagged when
    their own grades differ or their totals are more than r.max_gap apart."""
    n = np.bincount(entry_of_sheet, minlength=n_entries).astype(np.int64)
    width = len(r.sections)
    sums = np.zeros((n_entries, width), dtype=np.int64)
    np.add.at(sums, entry_of_sheet, points)
    sheet_total = points.sum(axis=1) if width else np.zeros(len(points), dtype=np.int64)
    per = np.maximum(n, 1) * (UNIT // CENT)  # UNIT-points summed over n sheets -> cents
    mean_cents = half_up_div(sums.sum(axis=1), per)
    section_cents = half_up_div(sums, per[:, None])
    sheet_grade = grade_indexes(r, sheet_total, points, UNIT)
    first = np.full(n_entries, -1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, entry_of_sheet[1:] != entry_of_sheet[:-1]]) if len(
        entry_of_sheet) else np.zeros(0, dtype=np.int64)  # fmt: skip
    first[entry_of_sheet[starts]] = starts
    two = np.flatnonzero(n == 2)
    a, b = first[two], first[two] + 1
    gap_limit = int((r.max_gap * UNIT).to_integral_value(rounding=ROUND_FLOOR))
    needs_third = np.zeros(n_entries, dtype=bool)
    needs_third[two] = (sheet_grade[a] != sheet_grade[b]) | (
        np.abs(sheet_total[a] - sheet_total[b]) > gap_limit
    )
    return Combined(n, mean_cents, section_cents, grade_indexes(r, mean_cents, section_cents, CENT),
                    needs_third, first, sheet_total, sheet_grade)  # fmt: skip
