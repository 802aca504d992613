"""Validation of one examiner's scoring sheet, shared by the web form, CSV import and CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from lib.scoring.rubric import Criterion, Rubric, format_number, parse_number


@dataclass(frozen=True)
class FieldError:
    """A problem with one field of a sheet; field is the criterion code."""

    field: str
    message: str
    # What is wrong without the criterion's label, for a message under the field itself.
    detail: str = dataclass_field(default="", compare=False)

    @property
    def short(self) -> str:
        """The message as shown right under the field: "II.3: 15 vượt quá điểm tối đa 8"."""
        return f"{self.field}: {self.detail}" if self.detail else self.message


def criterion_points(
    c: Criterion, step: Decimal, raw: object, *, submit: bool
) -> tuple[Decimal | None, FieldError | None]:
    """One criterion's points as the sheet keeps them, and why they are refused: (points, error).

    The one home of the points rules and their words (the form, the import, the CLI)."""
    name = f"{c.code} ({c.label})"

    def refused(message: str, detail: str) -> tuple[None, FieldError]:
        return None, FieldError(c.code, f"{name}: {message}", detail)

    try:
        points = parse_number(raw)
    except ValueError:
        return refused(f"“{raw}” không phải là số", f"“{raw}” không phải là số")
    if points is None:
        return refused("chưa nhập điểm", "chưa nhập điểm") if submit else (None, None)
    shown = format_number(points)
    if points < 0:
        return refused(f"điểm không được âm ({shown})", f"điểm không được âm ({shown})")
    if points > c.max:
        too_much = f"{shown} vượt quá điểm tối đa {format_number(c.max)}"
        return refused(too_much, too_much)
    if points % step != 0:
        return refused(
            f"điểm phải là bội số của {format_number(step)}",
            f"{shown} không phải là bội số của {format_number(step)} (bước điểm)",
        )
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
            errors.append(problem)
        elif points is not None:
            clean[c.code] = points
    known = {c.code for c in r.criteria}
    for code in values:
        if code not in known:
            errors.append(
                FieldError(str(code), f"Tiêu chí không có trong phiếu chấm '{r.name}': {code}")
            )
    return clean, errors
