"""Tests for lib.rubric: templates, validation messages, YAML round trip and grading."""

from __future__ import annotations

import copy
import os
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from lib.scoring.rubric import (
    NO_GRADE,
    Criterion,
    format_number,
    grade_for,
    load_rubric_yaml,
    parse_number,
    parse_rubric,
    rubric_to_dict,
    rubric_to_yaml,
    section_totals,
)

ROOT = Path(__file__).resolve().parent.parent
RUBRICS = ROOT / "data" / "rubrics"
# shared/ lies beside the checkout (as CI lays it); a developer may have none.
SHARED = ROOT.parent / "shared"


def template(name: str) -> dict:
    """Return a shipped template as plain data, for tests that break one field."""
    return yaml.safe_load((RUBRICS / name).read_text(encoding="utf-8"))


def errors_of(data: dict) -> list[str]:
    """Return the validation errors of plain rubric data, checking nothing is returned."""
    rubric, errors = parse_rubric(data)
    assert rubric is None
    return errors


@pytest.fixture
def r20():
    rubric, errors = load_rubric_yaml((RUBRICS / "mau-20-diem.yaml").read_text(encoding="utf-8"))
    assert errors == []
    return rubric


@pytest.fixture
def data20() -> dict:
    return template("mau-20-diem.yaml")


# --- shipped templates -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["mau-20-diem.yaml", "mau-100-diem.yaml"])
def test_shipped_templates_load(name):
    rubric, errors = load_rubric_yaml((RUBRICS / name).read_text(encoding="utf-8"))
    assert errors == []
    assert rubric is not None
    assert sum(c.max for c in rubric.criteria) == rubric.scale


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("data/rubrics/mau-20-diem.yaml", "rubrics/mau-20-diem.yaml"),
        ("data/rubrics/mau-100-diem.yaml", "rubrics/mau-100-diem.yaml"),
        ("data/demo/ke-hoach-13-KH-MNAS-2024.txt", "seed/ke-hoach-13-KH-MNAS-2024.txt"),
    ],
)
def test_data_copies_are_byte_identical_to_shared(ours, theirs):
    if not SHARED.is_dir():
        # CI always lays shared/ beside the checkout: there a missing copy is a failure.
        assert not os.environ.get("CI"), f"{SHARED} is missing"
        pytest.skip(f"no {SHARED} beside this checkout")
    assert (ROOT / ours).read_bytes() == (SHARED / theirs).read_bytes()


def test_20_point_template_content(r20):
    assert r20.name == "Phiếu chấm SKKN – thang 20 điểm"
    assert (r20.scale, r20.step, r20.max_gap) == (Decimal(20), Decimal("0.25"), Decimal(2))
    assert [s.code for s in r20.sections] == ["I", "II", "III", "IV"]
    assert r20.criterion("II.3") == Criterion("II.3", "II", "Biện pháp", Decimal(8))
    assert r20.criterion("X") is None
    assert r20.section_max("II") == Decimal(14)
    assert [g.grade for g in r20.grades] == ["A", "B", "C"]
    assert r20.grades[0].min_section == {"II": Decimal(11)}
    assert r20.grades[2].min_section == {}


def test_100_point_template_content():
    rubric, _ = load_rubric_yaml((RUBRICS / "mau-100-diem.yaml").read_text(encoding="utf-8"))
    assert rubric.scale == 100
    assert rubric.step == Decimal("0.5")
    assert [c.max for c in rubric.criteria] == [25, 20, 20, 25, 5, 5]


def test_rubric_is_hashable(r20):
    assert hash(r20) == hash(parse_rubric(rubric_to_dict(r20))[0])


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8,5", Decimal("8.5")),
        (" 8.5 ", Decimal("8.5")),
        (",25", Decimal("0.25")),
        (7, Decimal(7)),
        (2.675, Decimal("2.675")),
        (Decimal("1.25"), Decimal("1.25")),
        ("", None),
        ("   ", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_number(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    "value", ["abc", "1,2,3", "1.234,5", "1e3", "NaN", True, [1], float("inf")]
)
def test_parse_number_refuses(value):
    with pytest.raises(ValueError):
        parse_number(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("19.5"), "19,5"), (Decimal("20"), "20"), (Decimal("20.00"), "20"),
     (Decimal("0.25"), "0,25"), (100, "100"), (2.5, "2,5"), (Decimal("-0.0"), "0")],
)  # fmt: skip
def test_format_number_vietnamese(value, text):
    assert format_number(value) == text


# --- validation ------------------------------------------------------------------------


def test_not_a_mapping():
    assert errors_of(["a"]) == [
        "Mẫu phiếu chấm phải là một bảng khóa – giá trị (name, scale, criteria, …)"
    ]


def test_criterion_max_not_positive(data20):
    data20["criteria"][6]["max"] = 0
    errors = errors_of(data20)
    assert "Tiêu chí II.3: điểm tối đa phải là số dương" in errors
    # The sum check is skipped so it does not add a misleading total.
    assert not any(e.startswith("Tổng điểm") for e in errors)


@pytest.mark.parametrize("value", [-1, "tám", None])
def test_criterion_max_invalid_values(data20, value):
    data20["criteria"][6]["max"] = value
    assert "Tiêu chí II.3: điểm tối đa phải là số dương" in errors_of(data20)


def test_sum_of_max_differs_from_scale(data20):
    data20["criteria"][6]["max"] = 7.5
    assert errors_of(data20) == ["Tổng điểm tối đa các tiêu chí (19,5) khác thang điểm (20)"]


def test_duplicate_criterion_code(data20):
    data20["criteria"][1]["code"] = "I.1"
    assert "Mã tiêu chí trùng: I.1" in errors_of(data20)


def test_criterion_in_unknown_section(data20):
    data20["criteria"].append({"code": "I.5", "section": "V", "label": "Thêm", "max": 1})
    data20["scale"] = 21
    assert errors_of(data20) == ["Tiêu chí I.5 thuộc phần 'V' không tồn tại"]


def test_step_must_divide_every_max(data20):
    data20["criteria"][0]["max"] = 0.3
    data20["criteria"][1]["max"] = 1.2
    errors = errors_of(data20)
    assert "Tiêu chí I.1: điểm tối đa (0,3) phải là bội số của bước điểm (0,25)" in errors
    assert "Tiêu chí I.2: điểm tối đa (1,2) phải là bội số của bước điểm (0,25)" in errors


def test_grade_thresholds_must_decrease(data20):
    data20["grades"][1]["min_total"] = 17
    assert errors_of(data20) == [
        "Xếp loại B: ngưỡng tổng (17) phải thấp hơn xếp loại đứng trước (A: 16)"
    ]


def test_equal_grade_thresholds_refused(data20):
    data20["grades"][1]["min_total"] = 16
    assert errors_of(data20) == [
        "Xếp loại B: ngưỡng tổng (16) phải thấp hơn xếp loại đứng trước (A: 16)"
    ]


def test_min_total_not_above_scale(data20):
    data20["grades"][0]["min_total"] = 25
    assert "Xếp loại A: ngưỡng tổng (25) vượt quá thang điểm (20)" in errors_of(data20)


def test_min_total_negative(data20):
    data20["grades"][2]["min_total"] = -1
    assert errors_of(data20) == ["Xếp loại C: ngưỡng tổng (min_total) phải là số không âm"]


def test_min_section_names_existing_section(data20):
    data20["grades"][0]["min_section"] = {"V": 3}
    assert errors_of(data20) == ["Xếp loại A: ngưỡng cho phần 'V' không tồn tại"]


def test_min_section_not_above_section_max(data20):
    data20["grades"][0]["min_section"] = {"II": 14.5}
    assert errors_of(data20) == [
        "Xếp loại A: ngưỡng phần II (14,5) vượt quá điểm tối đa của phần (14)"
    ]


def test_min_section_at_section_max_is_fine(data20):
    data20["grades"][0]["min_section"] = {"II": 14}
    rubric, errors = parse_rubric(data20)
    assert errors == []
    assert rubric.grades[0].min_section == {"II": Decimal(14)}


def test_min_section_must_be_mapping(data20):
    data20["grades"][0]["min_section"] = ["II", 11]
    assert errors_of(data20) == [
        "Xếp loại A: ngưỡng phần (min_section) phải có dạng {mã phần: điểm}"
    ]


def test_duplicate_and_reserved_grades(data20):
    data20["grades"][1]["grade"] = "A"
    data20["grades"].append({"grade": NO_GRADE, "min_total": 0})
    errors = errors_of(data20)
    assert "Xếp loại trùng: A" in errors
    assert f"Xếp loại '{NO_GRADE}' là tên dành riêng, không được dùng" in errors


def test_duplicate_section_and_empty_section(data20):
    data20["sections"].append({"code": "II", "label": "Lặp"})
    data20["sections"].append({"code": "V", "label": "Phụ lục"})
    errors = errors_of(data20)
    assert "Mã phần trùng: II" in errors
    assert "Phần V không có tiêu chí nào" in errors


def test_top_level_fields(data20):
    data = {"name": " ", "scale": "hai mươi", "step": 0, "max_gap": -1, "criterias": []}
    errors = errors_of(data)
    assert errors == [
        "Khóa không được hỗ trợ: 'criterias'",
        "Thiếu tên phiếu chấm (name)",
        "Thang điểm (scale) phải là số dương",
        "Bước điểm (step) phải là số dương",
        "Chênh lệch tối đa (max_gap) phải là số không âm",
        "Danh sách phần (sections) phải có ít nhất một phần",
        "Danh sách tiêu chí (criteria) phải có ít nhất một tiêu chí",
        "Danh sách xếp loại (grades) phải có ít nhất một xếp loại",
    ]


def test_item_fields(data20):
    data20["sections"][0] = {"code": "I"}
    data20["criteria"][0] = {"code": "I.1", "section": "I", "max": 0.75, "maxx": 1}
    data20["criteria"][1] = {"section": "I", "label": "Mục đích", "max": 0.75}
    data20["criteria"][2] = "I.3"
    data20["grades"][2] = {"min_total": 10}
    errors = errors_of(data20)
    for message in [
        "Phần I: thiếu tên (label)",
        "Tiêu chí I.1: khóa không được hỗ trợ 'maxx'",
        "Tiêu chí I.1: thiếu tên (label)",
        "Tiêu chí thứ 2: thiếu mã (code)",
        "Tiêu chí thứ 3 phải là một bảng khóa – giá trị (code, section, label, max)",
        "Xếp loại thứ 3: thiếu tên (grade)",
    ]:
        assert message in errors


def test_collects_all_errors_at_once(data20):
    data20["criteria"][1]["code"] = "I.1"
    data20["criteria"][6]["max"] = -8
    data20["criteria"].append({"code": "I.5", "section": "V", "label": "X", "max": 1})
    data20["grades"][1]["min_total"] = 17
    data20["grades"][0]["min_section"] = {"II": 30, "IV": 3}
    assert errors_of(data20) == [
        "Mã tiêu chí trùng: I.1",
        "Tiêu chí II.3: điểm tối đa phải là số dương",
        "Tiêu chí I.5 thuộc phần 'V' không tồn tại",
        # Section II's maximum is unknown while II.3 is invalid, so only IV is checked.
        "Xếp loại A: ngưỡng phần IV (3) vượt quá điểm tối đa của phần (2)",
        "Xếp loại B: ngưỡng tổng (17) phải thấp hơn xếp loại đứng trước (A: 16)",
    ]


def test_strings_and_decimal_commas_accepted(data20):
    data20["step"] = "0,25"
    data20["criteria"][0]["max"] = "0,75"
    rubric, errors = parse_rubric(data20)
    assert errors == []
    assert rubric.criteria[0].max == Decimal("0.75")


def test_text_is_normalised_to_nfc(data20):
    # cp1258 text arrives with combining tone marks; it must match the NFC form.
    data20["criteria"][0]["label"] = unicodedata.normalize("NFD", "Đặt vấn đề") + "  "
    rubric, _ = parse_rubric(data20)
    assert rubric.criteria[0].label == "Đặt vấn đề"


# --- YAML ------------------------------------------------------------------------------


def test_bad_yaml_syntax_gives_one_message_with_line():
    text = "name: x\nscale: 20\ncriteria:\n  - {code: I.1, max: 1\n"
    rubric, errors = load_rubric_yaml(text)
    assert rubric is None
    assert len(errors) == 1
    assert errors[0].startswith("Lỗi cú pháp YAML ở dòng 5")


def test_bad_yaml_indentation_line():
    text = "name: x\nscale: 20\n step: 1\n"
    _, errors = load_rubric_yaml(text)
    assert len(errors) == 1
    assert "dòng 3" in errors[0]


def test_duplicate_yaml_key_is_an_error():
    text = (RUBRICS / "mau-20-diem.yaml").read_text(encoding="utf-8") + "scale: 30\n"
    rubric, errors = load_rubric_yaml(text)
    assert rubric is None
    assert len(errors) == 1
    assert "khóa 'scale' bị lặp" in errors[0]
    assert "dòng" in errors[0]


def test_empty_yaml():
    assert load_rubric_yaml("# nothing\n") == (None, ["Tệp mẫu phiếu chấm trống"])


def test_yaml_with_bom(r20):
    text = "\ufeff" + (RUBRICS / "mau-20-diem.yaml").read_text(encoding="utf-8")
    assert load_rubric_yaml(text) == (r20, [])


@pytest.mark.parametrize("name", ["mau-20-diem.yaml", "mau-100-diem.yaml"])
def test_yaml_round_trip(name):
    rubric, _ = load_rubric_yaml((RUBRICS / name).read_text(encoding="utf-8"))
    text = rubric_to_yaml(rubric)
    assert load_rubric_yaml(text) == (rubric, [])
    assert rubric_to_yaml(load_rubric_yaml(text)[0]) == text


def test_yaml_keeps_vietnamese_unescaped(r20):
    text = rubric_to_yaml(r20)
    assert "Phiếu chấm SKKN – thang 20 điểm" in text
    assert "Hình thức trình bày (A4, cỡ chữ 14, giãn dòng 1,5, đúng chính tả)" in text
    assert "\\u" not in text and "\\x" not in text


def test_yaml_round_trip_tricky_values(data20):
    # Strings that YAML would read as numbers or booleans must come back as strings.
    data20["sections"][3] = {"code": "1", "label": "yes"}
    for c in data20["criteria"]:
        if c["section"] == "IV":
            c["section"] = "1"
            c["label"] = "no: 'quoted' \"text\""
    rubric, errors = parse_rubric(data20)
    assert errors == []
    assert load_rubric_yaml(rubric_to_yaml(rubric)) == (rubric, [])


def test_rubric_to_dict_plain_types(r20):
    data = rubric_to_dict(r20)
    assert data["scale"] == 20 and isinstance(data["scale"], int)
    assert data["step"] == 0.25
    assert data["criteria"][0] == {
        "code": "I.1",
        "section": "I",
        "label": "Đặt vấn đề",
        "max": 0.75,
    }
    assert data["grades"][0] == {"grade": "A", "min_total": 16, "min_section": {"II": 11}}
    assert "min_section" not in data["grades"][2]
    assert parse_rubric(data) == (r20, [])


# --- grading ---------------------------------------------------------------------------


def test_section_totals(r20):
    scores = {"I.1": 0.75, "I.2": "0,5", "II.3": 8, "II.4": Decimal("1.25")}
    assert section_totals(r20, scores) == {
        "I": Decimal("1.25"), "II": Decimal("9.25"), "III": Decimal(0), "IV": Decimal(0)
    }  # fmt: skip


def test_section_totals_unknown_code(r20):
    with pytest.raises(ValueError, match="X.1"):
        section_totals(r20, {"X.1": 1})


@pytest.mark.parametrize(
    ("total", "section_ii", "grade"),
    [
        (16, 11, "A"),  # exactly on both thresholds
        ("16", "11,00", "A"),
        (15.99, 11, "B"),  # just below the total threshold
        (Decimal("15.99"), 14, "B"),
        (16, 10.75, "B"),  # total enough for A, section II not
        (20, 10.75, "B"),
        (13, 9, "B"),
        (16, 8.75, "C"),  # B fails on section II as well
        (12.75, 14, "C"),
        (10, 0, "C"),
        (9.75, 14, NO_GRADE),
        (0, 0, NO_GRADE),
    ],
)
def test_grade_boundaries_20_point(r20, total, section_ii, grade):
    assert grade_for(r20, total, {"II": section_ii}) == grade


def test_grade_missing_section_counts_as_zero(r20):
    assert grade_for(r20, 18, {}) == "C"


def test_grade_with_only_total_rules():
    rubric, _ = load_rubric_yaml((RUBRICS / "mau-100-diem.yaml").read_text(encoding="utf-8"))
    assert grade_for(rubric, 85, {}) == "A"
    assert grade_for(rubric, 84.99, {}) == "B"
    assert grade_for(rubric, 49.5, {}) == NO_GRADE


def test_rubric_is_data(data20):
    # A council may reorder or rename grades: the rules come from the data, not the code.
    data20["grades"] = [{"grade": "Xuất sắc", "min_total": 18}, {"grade": "Đạt", "min_total": 12}]
    rubric, errors = parse_rubric(copy.deepcopy(data20))
    assert errors == []
    assert grade_for(rubric, 18, {}) == "Xuất sắc"
    assert grade_for(rubric, 17.75, {}) == "Đạt"
