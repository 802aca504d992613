"""Score statistics for an SKKN entry: means, grade, and when a third examiner is needed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lib.scoring.rubric import Rubric, format_number, grade_of, parse_number


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


@dataclass
class EntryResult:
    """The combined result of the submitted sheets of one entry."""

    n_sheets: int
    totals: list[Decimal] = field(default_factory=list)
    mean_total: Decimal | None = None
    section_means: dict[str, Decimal] = field(default_factory=dict)
    grade: str | None = None
    needs_third: bool = False
    reason: str | None = None


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


def entry_result_of_sections(r: Rubric, per_sheet: list[Mapping[str, Decimal]]) -> EntryResult:
    """Combine the submitted sheets of one entry, each as its points per section (as SQL sums
    them): rounded means, grade, third-examiner flag."""
    if not per_sheet:
        return EntryResult(n_sheets=0)
    zero = Decimal(0)
    codes = [s.code for s in r.sections]
    per_sheet = [{c: per.get(c, zero) for c in codes} for per in per_sheet]
    totals = [sum(s.values(), zero) for s in per_sheet]
    n = len(per_sheet)
    mean_total = round_half_up(sum(totals, zero) / n)
    section_means = {c: round_half_up(sum((t[c] for t in per_sheet), zero) / n) for c in codes}
    reason = None
    if n == 2:
        grades = [grade_of(r, total, t) for total, t in zip(totals, per_sheet, strict=True)]
        reason = disagreement(r, totals[0], grades[0], totals[1], grades[1])
    return EntryResult(
        n_sheets=n,
        totals=totals,
        mean_total=mean_total,
        section_means=section_means,
        grade=grade_of(r, mean_total, section_means),
        needs_third=reason is not None,
        reason=reason,
    )
