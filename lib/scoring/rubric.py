"""SKKN scoring rubrics: the data model, validation, YAML import/export and grading."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import yaml

from lib.core.numbers import format_number, parse_number
from lib.core.text import nfc
from lib.core.yamltext import load_strict

NO_GRADE = "Không xếp loại"

_TOP_KEYS = ("name", "scale", "step", "max_gap", "sections", "criteria", "grades", "source")
_SECTION_KEYS = ("code", "label")
_CRITERION_KEYS = ("code", "section", "label", "max")
_GRADE_KEYS = ("grade", "min_total", "min_section")


@dataclass(frozen=True)
class Section:
    """A part of the scoring sheet that groups criteria (e.g. "II – Nội dung công việc")."""

    code: str
    label: str


@dataclass(frozen=True)
class Criterion:
    """One line of the scoring sheet with its maximum points."""

    code: str
    section: str
    label: str
    max: Decimal


@dataclass(frozen=True)
class GradeRule:
    """A grade and the minimum total and section points it requires."""

    grade: str
    min_total: Decimal
    min_section: dict[str, Decimal]

    # A dict field would make the generated hash fail; hashing lets rubrics be cache keys.
    def __hash__(self) -> int:
        """Hash by value, with the section minimums in a stable order."""
        return hash((self.grade, self.min_total, tuple(sorted(self.min_section.items()))))


@dataclass(frozen=True)
class Rubric:
    """A council's scoring sheet: scale, increment, allowed gap, criteria and grade rules."""

    name: str
    scale: Decimal
    step: Decimal
    max_gap: Decimal
    sections: tuple[Section, ...]
    criteria: tuple[Criterion, ...]
    grades: tuple[GradeRule, ...]
    source: str = ""  # where the criteria come from; every printed sheet and biên bản names it

    def criterion(self, code: str) -> Criterion | None:
        """Return the criterion with this code, or None."""
        return next((c for c in self.criteria if c.code == code), None)

    def section_max(self, code: str) -> Decimal:
        """Return the maximum points of a section (sum of its criteria)."""
        return sum((c.max for c in self.criteria if c.section == code), Decimal(0))


def _number_field(value: object, *, positive: bool) -> Decimal | None:
    try:
        number = parse_number(value)
    except ValueError:
        return None
    if number is None or number < 0 or (positive and number == 0):
        return None
    return number


def _code(value: object) -> str:
    # YAML reads `code: 1` as an int; floats are refused because 1.10 would become "1.1".
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _unknown_keys(item: Mapping, allowed: tuple[str, ...]) -> list[str]:
    return [str(k) for k in item if k not in allowed]


def parse_rubric(data: object) -> tuple[Rubric | None, list[str]]:
    """Validate a rubric given as plain data; return (rubric, []) or (None, all errors)."""
    if not isinstance(data, Mapping):
        return None, ["Mẫu phiếu chấm phải là một bảng khóa – giá trị (name, scale, criteria, …)"]
    errors: list[str] = []
    for key in _unknown_keys(data, _TOP_KEYS):
        errors.append(f"Khóa không được hỗ trợ: '{key}'")

    name = nfc(data.get("name")) if isinstance(data.get("name"), str) else ""
    if not name:
        errors.append("Thiếu tên phiếu chấm (name)")
    scale = _number_field(data.get("scale"), positive=True)
    if scale is None:
        errors.append("Thang điểm (scale) phải là số dương")
    step = _number_field(data.get("step"), positive=True)
    if step is None:
        errors.append("Bước điểm (step) phải là số dương")
    max_gap = _number_field(data.get("max_gap"), positive=False)
    if max_gap is None:
        errors.append("Chênh lệch tối đa (max_gap) phải là số không âm")

    sections = _parse_sections(data.get("sections"), errors)
    criteria = _parse_criteria(data.get("criteria"), sections, step, errors)
    raw_criteria = data.get("criteria") if isinstance(data.get("criteria"), list) else []
    used = [_code(c.get("section")) for c in raw_criteria if isinstance(c, Mapping)]
    # None when a criterion of the section is invalid: its maximum is then unknown.
    section_max: dict[str, Decimal | None] = {}
    for code in sections:
        valid = [c.max for c in criteria if c.section == code]
        section_max[code] = sum(valid, Decimal(0)) if len(valid) == used.count(code) else None
        if code not in used and raw_criteria:
            errors.append(f"Phần {code} không có tiêu chí nào")
    # A sum over only the valid criteria would report a misleading total.
    if scale is not None and criteria and len(criteria) == len(raw_criteria):
        total = sum((c.max for c in criteria), Decimal(0))
        if total != scale:
            errors.append(
                f"Tổng điểm tối đa các tiêu chí ({format_number(total)}) "
                f"khác thang điểm ({format_number(scale)})"
            )
    grades = _parse_grades(data.get("grades"), section_max, scale, errors)

    if errors:
        return None, errors
    rubric = Rubric(
        name=name,
        scale=scale,
        step=step,
        max_gap=max_gap,
        sections=tuple(sections.values()),
        criteria=tuple(criteria),
        grades=tuple(grades),
        source=nfc(data.get("source")) if isinstance(data.get("source"), str) else "",
    )
    return rubric, []


def _parse_sections(raw: object, errors: list[str]) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    if not isinstance(raw, list) or not raw:
        errors.append("Danh sách phần (sections) phải có ít nhất một phần")
        return sections
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            errors.append(f"Phần thứ {i} phải là một bảng khóa – giá trị (code, label)")
            continue
        code = _code(item.get("code"))
        if not code:
            errors.append(f"Phần thứ {i}: thiếu mã (code)")
            continue
        for key in _unknown_keys(item, _SECTION_KEYS):
            errors.append(f"Phần {code}: khóa không được hỗ trợ '{key}'")
        label = nfc(item.get("label")) if isinstance(item.get("label"), str) else ""
        if not label:
            errors.append(f"Phần {code}: thiếu tên (label)")
        if code in sections:
            errors.append(f"Mã phần trùng: {code}")
            continue
        sections[code] = Section(code, label)
    return sections


def _parse_criteria(
    raw: object, sections: dict[str, Section], step: Decimal | None, errors: list[str]
) -> list[Criterion]:
    criteria: list[Criterion] = []
    if not isinstance(raw, list) or not raw:
        errors.append("Danh sách tiêu chí (criteria) phải có ít nhất một tiêu chí")
        return criteria
    seen: set[str] = set()
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            errors.append(
                f"Tiêu chí thứ {i} phải là một bảng khóa – giá trị (code, section, label, max)"
            )
            continue
        code = _code(item.get("code"))
        if not code:
            errors.append(f"Tiêu chí thứ {i}: thiếu mã (code)")
            continue
        ok = True
        for key in _unknown_keys(item, _CRITERION_KEYS):
            errors.append(f"Tiêu chí {code}: khóa không được hỗ trợ '{key}'")
            ok = False
        if code in seen:
            errors.append(f"Mã tiêu chí trùng: {code}")
            ok = False
        seen.add(code)
        section = _code(item.get("section"))
        if not section:
            errors.append(f"Tiêu chí {code}: thiếu phần (section)")
            ok = False
        elif section not in sections:
            errors.append(f"Tiêu chí {code} thuộc phần '{section}' không tồn tại")
            ok = False
        label = nfc(item.get("label")) if isinstance(item.get("label"), str) else ""
        if not label:
            errors.append(f"Tiêu chí {code}: thiếu tên (label)")
            ok = False
        maximum = _number_field(item.get("max"), positive=True)
        if maximum is None:
            errors.append(f"Tiêu chí {code}: điểm tối đa phải là số dương")
            ok = False
        elif step is not None and maximum % step != 0:
            errors.append(
                f"Tiêu chí {code}: điểm tối đa ({format_number(maximum)}) "
                f"phải là bội số của bước điểm ({format_number(step)})"
            )
            ok = False
        if ok:
            criteria.append(Criterion(code, section, label, maximum))
    return criteria


def _parse_grades(
    raw: object, section_max: dict[str, Decimal | None], scale: Decimal | None, errors: list[str]
) -> list[GradeRule]:
    grades: list[GradeRule] = []
    if not isinstance(raw, list) or not raw:
        errors.append("Danh sách xếp loại (grades) phải có ít nhất một xếp loại")
        return grades
    seen: set[str] = set()
    previous: tuple[str, Decimal] | None = None
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            errors.append(f"Xếp loại thứ {i} phải là một bảng khóa – giá trị (grade, min_total)")
            continue
        grade = _code(item.get("grade"))
        if not grade:
            errors.append(f"Xếp loại thứ {i}: thiếu tên (grade)")
            continue
        ok = True
        for key in _unknown_keys(item, _GRADE_KEYS):
            errors.append(f"Xếp loại {grade}: khóa không được hỗ trợ '{key}'")
            ok = False
        if grade == NO_GRADE:
            errors.append(f"Xếp loại '{NO_GRADE}' là tên dành riêng, không được dùng")
            ok = False
        elif grade in seen:
            errors.append(f"Xếp loại trùng: {grade}")
            ok = False
        seen.add(grade)
        min_total = _number_field(item.get("min_total"), positive=False)
        if min_total is None:
            errors.append(f"Xếp loại {grade}: ngưỡng tổng (min_total) phải là số không âm")
            ok = False
        else:
            if scale is not None and min_total > scale:
                errors.append(
                    f"Xếp loại {grade}: ngưỡng tổng ({format_number(min_total)}) "
                    f"vượt quá thang điểm ({format_number(scale)})"
                )
                ok = False
            # Strictly lower, or the later rule could never be reached in the top-down check.
            if previous is not None and min_total >= previous[1]:
                errors.append(
                    f"Xếp loại {grade}: ngưỡng tổng ({format_number(min_total)}) phải thấp hơn "
                    f"xếp loại đứng trước ({previous[0]}: {format_number(previous[1])})"
                )
                ok = False
            previous = (grade, min_total)
        min_section = _parse_min_section(grade, item.get("min_section"), section_max, errors)
        if ok and min_section is not None:
            grades.append(GradeRule(grade, min_total, min_section))
    return grades


def _parse_min_section(
    grade: str, raw: object, section_max: dict[str, Decimal | None], errors: list[str]
) -> dict[str, Decimal] | None:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errors.append(f"Xếp loại {grade}: ngưỡng phần (min_section) phải có dạng {{mã phần: điểm}}")
        return None
    result: dict[str, Decimal] = {}
    for key, value in raw.items():
        code = _code(key)
        if code not in section_max:
            errors.append(f"Xếp loại {grade}: ngưỡng cho phần '{key}' không tồn tại")
            continue
        minimum = _number_field(value, positive=False)
        if minimum is None:
            errors.append(f"Xếp loại {grade}: ngưỡng phần {code} phải là số không âm")
            continue
        if section_max[code] is not None and minimum > section_max[code]:
            errors.append(
                f"Xếp loại {grade}: ngưỡng phần {code} ({format_number(minimum)}) "
                f"vượt quá điểm tối đa của phần ({format_number(section_max[code])})"
            )
            continue
        result[code] = minimum
    return result if len(result) == len(raw) else None


def load_rubric_yaml(text: str) -> tuple[Rubric | None, list[str]]:
    """Parse and validate a rubric written in the YAML template format."""
    data, errors = load_strict(text, "Tệp mẫu phiếu chấm trống")
    if errors:
        return None, errors
    return parse_rubric(data)


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def rubric_to_dict(r: Rubric) -> dict:
    """Return the rubric as plain data (ints and floats) in the YAML template layout."""
    grades = []
    for g in r.grades:
        item: dict = {"grade": g.grade, "min_total": _plain(g.min_total)}
        if g.min_section:
            item["min_section"] = {k: _plain(v) for k, v in g.min_section.items()}
        grades.append(item)
    return {
        "name": r.name,
        "scale": _plain(r.scale),
        "step": _plain(r.step),
        "max_gap": _plain(r.max_gap),
        "sections": [{"code": s.code, "label": s.label} for s in r.sections],
        "criteria": [
            {"code": c.code, "section": c.section, "label": c.label, "max": _plain(c.max)}
            for c in r.criteria
        ],
        "grades": grades,
        **({"source": r.source} if r.source else {}),
    }


def rubric_to_yaml(r: Rubric) -> str:
    """Return the rubric as YAML in the template format, Vietnamese kept as UTF-8."""
    # default_flow_style=None puts each section/criterion on one line, like the templates.
    return yaml.safe_dump(
        rubric_to_dict(r),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=1000,
    )


def section_totals(r: Rubric, scores: Mapping[str, object]) -> dict[str, Decimal]:
    """Return the points per section for one sheet; missing criteria count as 0."""
    section_of = {c.code: c.section for c in r.criteria}
    unknown = [code for code in scores if code not in section_of]
    if unknown:
        raise ValueError(f"Tiêu chí không có trong phiếu chấm: {', '.join(map(str, unknown))}")
    totals = {s.code: Decimal(0) for s in r.sections}
    for code, value in scores.items():
        totals[section_of[code]] += parse_number(value) or Decimal(0)
    return totals


def grade_for(r: Rubric, total: object, section_totals: Mapping[str, object]) -> str:
    """Return the first grade whose total and section minimums hold, else "Không xếp loại"."""
    points = parse_number(total) or Decimal(0)
    by_section = {k: parse_number(v) or Decimal(0) for k, v in section_totals.items()}
    return grade_of(r, points, by_section)


def grade_of(r: Rubric, points: Decimal, by_section: Mapping[str, Decimal]) -> str:
    """grade_for on points that are Decimals already (a results page grades every entry)."""
    for rule in r.grades:
        if points >= rule.min_total and all(
            by_section.get(code, Decimal(0)) >= minimum
            for code, minimum in rule.min_section.items()
        ):
            return rule.grade
    return NO_GRADE
