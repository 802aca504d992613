"""Validation of one examiner's scoring sheet, shared by the web form, CSV import and CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from lib.scoring.rubric import Rubric, format_number, parse_number


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


def validate_sheet(
    r: Rubric, values: Mapping[str, object], *, submit: bool
) -> tuple[dict[str, Decimal], list[FieldError]]:
    """Check a sheet's points against the rubric; return (clean points, errors)."""
    clean: dict[str, Decimal] = {}
    errors: list[FieldError] = []
    for c in r.criteria:
        name = f"{c.code} ({c.label})"
        raw = values.get(c.code)
        try:
            points = parse_number(raw)
        except ValueError:
            errors.append(
                FieldError(c.code, f"{name}: '{raw}' không phải là số", f"'{raw}' không phải là số")
            )
            continue
        if points is None:
            if submit:
                errors.append(FieldError(c.code, f"{name}: chưa nhập điểm", "chưa nhập điểm"))
            continue
        shown = format_number(points)
        if points < 0:
            detail = f"điểm không được âm ({shown})"
            errors.append(FieldError(c.code, f"{name}: {detail}", detail))
        elif points > c.max:
            detail = f"{shown} vượt quá điểm tối đa {format_number(c.max)}"
            errors.append(FieldError(c.code, f"{name}: {detail}", detail))
        elif points % r.step != 0:
            step = format_number(r.step)
            errors.append(
                FieldError(
                    c.code,
                    f"{name}: điểm phải là bội số của {step}",
                    f"{shown} không phải là bội số của {step} (bước điểm)",
                )
            )
        else:
            clean[c.code] = points
    known = {c.code for c in r.criteria}
    for code in values:
        if code not in known:
            errors.append(
                FieldError(str(code), f"Tiêu chí không có trong phiếu chấm '{r.name}': {code}")
            )
    return clean, errors
