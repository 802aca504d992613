"""Exports (CSV with BOM, Excel) that re-import unchanged, formula cells defused, templates."""

from __future__ import annotations

import io

import openpyxl
import pytest

from lib.core.errors import Invalid
from lib.io import exports, imports
from tests.test_imports import PEOPLE_HEADER, TASK_HEADER, snapshot


def xlsx_rows(data: bytes) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_people_csv_has_bom_vietnamese_headers_and_roles(demo_con):
    data = exports.export(demo_con, "people", fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(PEOPLE_HEADER)
    assert '"Nguyễn Thị Quyên","Hiệu trưởng, Chủ tịch HĐ"' in data.decode("utf-8-sig").replace(
        "Nguyễn Thị Quyên,", '"Nguyễn Thị Quyên",'
    )
    assert any(line.endswith(",chutich,admin;examiner") for line in lines)
    assert len(lines) == 11


def test_tasks_xlsx_of_one_plan(demo_con):
    rows = xlsx_rows(exports.export(demo_con, "tasks", "13/KH-MNAS", "xlsx"))
    assert rows[0] == TASK_HEADER
    assert len(rows) == 11
    assert rows[1][0] == "Tháng 03/2024" and rows[1][6] == "31/03/2024"
    assert {r[5] for r in rows[1:]} <= {"Hoàn thành", "Chưa bắt đầu", "Đang thực hiện", "Hủy"}


def test_all_tasks_export_names_the_plan_and_unknown_plan_is_refused(demo_con):
    text = exports.export(demo_con, "tasks").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Kế hoạch,Thời gian")
    with pytest.raises(Invalid, match="Không có kế hoạch số “9/KH”"):
        exports.export(demo_con, "tasks", "9/KH")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_cells_are_defused_and_reimport_unchanged(demo_con, fmt):
    evil = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)"]
    rows = [PEOPLE_HEADER[:3]] + [[f"Người {i}", value, "Tổ 1"] for i, value in enumerate(evil)]
    buffer = io.StringIO()
    import csv

    csv.writer(buffer).writerows(rows)
    imports.run_import(demo_con, "people", buffer.getvalue().encode(), "ds.csv", "test")
    data = exports.export(demo_con, "people", fmt=fmt)
    if fmt == "csv":
        cells = [line.split(",")[1] for line in data.decode("utf-8-sig").splitlines()]
        cells = [c.strip('"').replace('""', '"') for c in cells]
    else:
        cells = [r[1] for r in xlsx_rows(data)]
        ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        assert all(c.data_type == "s" for c in ws["B"])  # text, never a formula
    for value in evil:
        assert "'" + value in cells and value not in cells
    before = snapshot(demo_con)
    summary = imports.run_import(demo_con, "people", data, f"ds.{fmt}", "test")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 14)
    after = snapshot(demo_con)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }


def test_tasks_export_reimports_unchanged(demo_con):
    data = exports.export(demo_con, "tasks", "13/KH-MNAS", "xlsx")
    summary = imports.run_import(demo_con, "tasks", data, "viec.xlsx", "test", "13/KH-MNAS")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 10)


@pytest.mark.parametrize("kind", ["people", "tasks"])
def test_template_has_vietnamese_headers_and_a_valid_example_row(demo_con, kind):
    data = exports.template_xlsx(kind)
    rows = xlsx_rows(data)
    assert rows[0] == [c.label for c in imports.KINDS[kind].columns]
    assert len(rows) == 2 and rows[1][0]
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Mẫu nhập", "Hướng dẫn"]
    # The example row itself imports, so the template teaches a format that works.
    summary = imports.run_import(demo_con, kind, data, "mau.xlsx", "test", "13/KH-MNAS")
    assert summary.added == 1


def test_word_plan_has_no_excel_template():
    with pytest.raises(Invalid, match="không dùng mẫu Excel"):
        exports.template_xlsx("plan")
