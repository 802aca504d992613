"""Tests for lib.sheets: one examiner's scoring sheet, draft and submit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lib.scoring.rubric import load_rubric_yaml
from lib.scoring.validation import FieldError, validate_sheet

RUBRICS = Path(__file__).resolve().parent.parent / "data" / "rubrics"

FULL = {
    "I.1": 0.75, "I.2": 0.5, "I.3": 0.25, "I.4": 0.25,
    "II.1": 1.5, "II.2": 2, "II.3": 7.5, "II.4": 1.5,
    "III.1": 1, "III.2": 0.75, "IV.1": 2,
}  # fmt: skip


@pytest.fixture
def r20():
    rubric, _ = load_rubric_yaml((RUBRICS / "mau-20-diem.yaml").read_text(encoding="utf-8"))
    return rubric


def messages(errors: list[FieldError]) -> list[str]:
    return [e.message for e in errors]


def test_full_sheet_submits(r20):
    clean, errors = validate_sheet(r20, FULL, submit=True)
    assert errors == []
    assert clean["II.3"] == Decimal("7.5")
    assert sum(clean.values()) == Decimal(18)
    assert all(isinstance(v, Decimal) for v in clean.values())


def test_mixed_input_forms(r20):
    values = dict(FULL, **{"I.1": "0,75", "II.3": " 7.5 ", "II.2": Decimal(2), "IV.1": "2"})
    clean, errors = validate_sheet(r20, values, submit=True)
    assert errors == []
    assert clean["I.1"] == Decimal("0.75")
    assert clean["II.3"] == Decimal("7.5")


def test_over_max(r20):
    _, errors = validate_sheet(r20, {"II.3": "8,5"}, submit=False)
    assert errors == [FieldError("II.3", "II.3 (Biện pháp): 8,5 vượt quá điểm tối đa 8")]


def test_exactly_max_and_zero_are_fine(r20):
    clean, errors = validate_sheet(r20, {"II.3": 8, "I.1": 0, "I.2": "0,0"}, submit=False)
    assert errors == []
    assert clean == {"I.1": 0, "I.2": 0, "II.3": 8}


def test_not_on_step(r20):
    _, errors = validate_sheet(r20, {"I.1": 0.3}, submit=False)
    assert errors == [FieldError("I.1", "I.1 (Đặt vấn đề): điểm phải là bội số của 0,25")]


def test_negative(r20):
    _, errors = validate_sheet(r20, {"I.1": "-0,25"}, submit=False)
    assert messages(errors) == ["I.1 (Đặt vấn đề): điểm không được âm (-0,25)"]


@pytest.mark.parametrize("value", ["abc", "1,2,3", "8.5đ", True, [1]])
def test_not_a_number(r20, value):
    _, errors = validate_sheet(r20, {"I.2": value}, submit=False)
    assert errors == [FieldError("I.2", f"I.2 (Mục đích): “{value}” không phải là số")]


def test_draft_allows_empty(r20):
    clean, errors = validate_sheet(
        r20, {"I.1": None, "I.2": "", "I.3": "  ", "I.4": float("nan"), "II.3": "6"}, submit=False
    )
    assert errors == []
    assert clean == {"II.3": Decimal(6)}


def test_draft_of_nothing(r20):
    assert validate_sheet(r20, {}, submit=False) == ({}, [])


def test_submit_requires_every_criterion(r20):
    values = dict(FULL)
    del values["I.2"]
    values["III.1"] = ""
    clean, errors = validate_sheet(r20, values, submit=True)
    assert errors == [
        FieldError("I.2", "I.2 (Mục đích): chưa nhập điểm"),
        FieldError("III.1", "III.1 (Tóm lược giải pháp): chưa nhập điểm"),
    ]
    # The valid fields are still returned, so a form can keep what was typed.
    assert len(clean) == len(FULL) - 2


def test_unknown_criterion(r20):
    _, errors = validate_sheet(r20, dict(FULL, **{"V.1": 1}), submit=True)
    assert errors == [
        FieldError(
            "V.1", "Tiêu chí không có trong phiếu chấm 'Phiếu chấm SKKN – thang 20 điểm': V.1"
        )
    ]


def test_all_errors_collected_in_rubric_order(r20):
    values = {"II.3": 9, "I.1": "x", "I.3": 0.1, "Z": 1}
    _, errors = validate_sheet(r20, values, submit=False)
    assert [e.field for e in errors] == ["I.1", "I.3", "II.3", "Z"]


def test_100_point_sheet_step():
    rubric, _ = load_rubric_yaml((RUBRICS / "mau-100-diem.yaml").read_text(encoding="utf-8"))
    clean, errors = validate_sheet(rubric, {"ND.1": "22,5", "ND.2": 17.25}, submit=False)
    assert clean == {"ND.1": Decimal("22.5")}
    assert messages(errors) == ["ND.2 (Tính khoa học): điểm phải là bội số của 0,5"]
