"""The rubric as three editable tables (sections, criteria, grades) and back, validated."""

from __future__ import annotations

import math
import re

import pandas as pd

from lib.core.text import nfc
from lib.scoring.rubric import Rubric, format_number, parse_rubric

SECTION_COLUMNS = {"code": "Mã phần", "label": "Tên phần"}
CRITERION_COLUMNS = {"code": "Mã", "section": "Phần", "label": "Tiêu chí", "max": "Tối đa"}
GRADE_COLUMNS = {"grade": "Xếp loại", "min_total": "Tổng từ", "min_section": "Điểm phần tối thiểu"}
_MIN_SECTION = re.compile(r"^\s*([^:=\s]+)\s*[:=≥>]+\s*([0-9.,]+)\s*$")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()
    )  # fmt: skip


def _cell(value: object) -> object:
    """A table cell as the YAML parser wants it: text trimmed, numbers as text or number."""
    if _blank(value):
        return None
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def min_section_text(minimums: dict) -> str:
    """{"II": 11} -> "II: 11" (several joined by '; ')."""
    return "; ".join(f"{k}: {format_number(v)}" for k, v in minimums.items())


def parse_min_section(text: object, row: int, errors: list[str]) -> dict[str, object] | None:
    """ "II: 11; I: 1" -> {"II": "11", "I": "1"}; a bad part is reported with its row."""
    if _blank(text):
        return None
    found: dict[str, object] = {}
    for part in re.split(r"[;\n]", str(text)):
        if not part.strip():
            continue
        m = _MIN_SECTION.match(part)
        if not m:
            errors.append(
                f"Xếp loại dòng {row}: '{part.strip()}' phải có dạng 'mã phần: điểm' (vd. II: 11)"
            )
            continue
        found[nfc(m.group(1))] = m.group(2)
    return found


def rubric_tables(r: Rubric) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rubric's sections, criteria and grades as tables with Vietnamese headers."""
    sections = pd.DataFrame(
        [{"code": s.code, "label": s.label} for s in r.sections], columns=list(SECTION_COLUMNS)
    ).rename(columns=SECTION_COLUMNS)
    criteria = pd.DataFrame(
        [{"code": c.code, "section": c.section, "label": c.label, "max": float(c.max)}
         for c in r.criteria],
        columns=list(CRITERION_COLUMNS),
    ).rename(columns=CRITERION_COLUMNS)  # fmt: skip
    grades = pd.DataFrame(
        [{"grade": g.grade, "min_total": float(g.min_total),
          "min_section": min_section_text(g.min_section)} for g in r.grades],
        columns=list(GRADE_COLUMNS),
    ).rename(columns=GRADE_COLUMNS)  # fmt: skip
    return sections, criteria, grades


def rubric_from_tables(
    name: str,
    scale: object,
    step: object,
    max_gap: object,
    sections: pd.DataFrame,
    criteria: pd.DataFrame,
    grades: pd.DataFrame,
) -> tuple[Rubric | None, list[str]]:
    """Build and validate a rubric from the edited tables (empty rows skipped)."""
    errors: list[str] = []

    def rows(df: pd.DataFrame, columns: dict[str, str]) -> list[dict[str, object]]:
        back = {v: k for k, v in columns.items()}
        found = []
        for record in df.rename(columns=back).to_dict("records"):
            clean = {k: _cell(record.get(k)) for k in columns}
            if any(v is not None for v in clean.values()):
                found.append(clean)
        return found

    grade_rows = []
    for i, g in enumerate(rows(grades, GRADE_COLUMNS), start=1):
        minimums = parse_min_section(g.pop("min_section"), i, errors)
        if minimums:
            g["min_section"] = minimums
        grade_rows.append(g)
    data = {
        "name": _cell(name),
        "scale": _cell(scale),
        "step": _cell(step),
        "max_gap": _cell(max_gap),
        "sections": rows(sections, SECTION_COLUMNS),
        "criteria": rows(criteria, CRITERION_COLUMNS),
        "grades": grade_rows,
    }
    rubric, problems = parse_rubric(data)
    errors.extend(problems)
    return (rubric if not errors else None), errors
