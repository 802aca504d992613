"""Validation of one examiner's scoring sheet, shared by the web form, CSV import and CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lib.scoring.rubric import Criterion, Rubric, format_number, parse_number


@dataclass(frozen=True)
class FieldError:
    """A problem with one field of a sheet; field is the criterion code."""

    field: str
    message: str


def criterion_points(
    c: Criterion, step: Decimal, raw: object, *, submit: bool
) -> tuple[Decimal | None, str | None]:
    """One criterion's points as the sheet keeps them, and why they are refused: (points, problem).

    The one home of the points rules and their words (the form, the import, the CLI)."""
    name = f"{c.code} ({c.label})"
    try:
        points = parse_number(raw)
    except ValueError:
        return None, f"{name}: '{raw}' không phải là số"
    if points is None:
        return None, f"{name}: chưa nhập điểm" if submit else None
    if points < 0:
        return None, f"{name}: điểm không được âm ({format_number(points)})"
    if points > c.max:
        return None, f"{name}: {format_number(points)} vượt quá điểm tối đa {format_number(c.max)}"
    if points % step != 0:
        return None, f"{name}: điểm phải là bội số của {format_number(step)}"
    return points, None


def validate_sheet(
    r: Rubric, values: Mapping[str, object], *, submit: bool
) -> tuple[dict[str, Decimal], list[FieldError]]:
    """Check a sheet's points against the rubric; return (clean points, errors)."""
    clean: dict[str, Decimal] = {}
    errors: list[FieldError] = []
    for c in r.criteria:
        points, problem = criterion_points(c, r.step, values.get(c.code), submit=submit)
        if problem is not None:
            errors.append(FieldError(c.code, problem))
        elif points is not None:
            clean[c.code] = points
    known = {c.code for c in r.criteria}
    for code in values:
        if code not in known:
            errors.append(
                FieldError(str(code), f"Tiêu chí không có trong phiếu chấm '{r.name}': {code}")
            )
    return clean, errors
