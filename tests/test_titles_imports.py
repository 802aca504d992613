"""Evaluations and registrations imported from a file for a school year: all or nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest

from lib.access.people import add_person
from lib.io import exports, imports
from lib.titles import evaluations as ev
from lib.titles import registrations as reg
from tests.test_cli import invoke
from tests.test_imports import csv_bytes
from tests.titles_helpers import YEAR, school

EVAL_HEADER = ["Họ và tên", "Tên đăng nhập", "Xếp loại", "Số tháng công tác", "Số ngày nghỉ",
               "Kỷ luật", "Kỷ luật đến ngày"]  # fmt: skip
REG_HEADER = ["Họ và tên", "Tên đăng nhập", "Danh hiệu đăng ký", "Tên SKKN", "Lĩnh vực"]


@pytest.fixture
def ids(con):
    return school(con)


def test_evaluations_are_imported_for_the_year_and_counted(con, ids):
    data = csv_bytes([EVAL_HEADER, ["Lê Thị Bình", "", "Hoàn thành tốt nhiệm vụ", "9,5", "3", "",
                                    ""], ["", "an", "htxs", "12", "0", "", ""]])  # fmt: skip
    summary = imports.run_import(con, "evaluations", data, "dg.csv", "test", YEAR)
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    assert ev.get_evaluation(con, YEAR, ids["Lê Thị Bình"]).days_off == 3
    assert ev.get_evaluation(con, YEAR, ids["Trần Văn An"]).rating == "HTXS"
    again = imports.run_import(con, "evaluations", data, "dg.csv", "test", YEAR)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_lan_and_lan_with_a_circumflex_are_two_people_to_an_import(con, ids):
    # In Vietnamese "Bình" and "Binh" are different names: an accent is never folded away
    # (identity.name_key), while case and spacing do not count.
    binh = add_person(con, "Lê Thị Binh", "Giáo viên", "Tổ B")
    data = csv_bytes([EVAL_HEADER, ["Lê Thị Binh", "", "HTT", "12", "0", "", ""],
                      ["lê thị bình", "", "HTXS", "12", "0", "", ""]])  # fmt: skip
    imports.run_import(con, "evaluations", data, "dg.csv", "test", YEAR)
    assert ev.get_evaluation(con, YEAR, binh).rating == "HTT"
    assert ev.get_evaluation(con, YEAR, ids["Lê Thị Bình"]).rating == "HTXS"
    unknown = csv_bytes([REG_HEADER, ["Le Thi Binh Anh", "", "LĐTT", "", ""]])
    checked = imports.preview(con, "registrations", unknown, "dk.csv", YEAR)
    assert [(p.row, p.column) for p in checked.problems] == [(2, "Họ và tên")]


def test_a_bad_evaluations_file_names_row_and_column_and_writes_nothing(con, ids):
    data = csv_bytes([EVAL_HEADER, ["Lê Thị Bình", "", "HTT", "10", "0", "", ""],
                      ["Người Lạ", "", "Giỏi", "13", "0", "", ""]])  # fmt: skip
    with pytest.raises(imports.Refused) as refused:
        imports.run_import(con, "evaluations", data, "dg.csv", "test", YEAR)
    where = {(p.row, p.column) for p in refused.value.problems}
    assert {(3, "Họ và tên"), (3, "Xếp loại"), (3, "Số tháng công tác")} <= where
    assert ev.get_evaluation(con, YEAR, ids["Lê Thị Bình"]) is None


def test_an_evaluations_file_needs_a_name_or_username_column(con, ids):
    data = csv_bytes([["Xếp loại", "Số tháng công tác", "Số ngày nghỉ"], ["HTT", "10", "0"]])
    checked = imports.preview(con, "evaluations", data, "dg.csv", YEAR)
    assert [p.message for p in checked.problems] == ["Cần cột “Họ và tên” hoặc “Tên đăng nhập”."]


def test_an_import_without_a_year_is_refused(con, ids):
    data = csv_bytes([EVAL_HEADER, ["Lê Thị Bình", "", "HTT", "10", "0", "", ""]])
    checked = imports.preview(con, "evaluations", data, "dg.csv", None)
    assert not checked.ok and "2024-2025" in checked.problems[0].message


def test_registrations_of_people_and_a_group_are_imported(con, ids):
    data = csv_bytes([REG_HEADER, ["Lê Thị Bình", "", "CSTĐCS", "Dạy trẻ kể chuyện", "Văn học"],
                      ["", "an", "Lao động tiên tiến", "", ""],
                      ["Tổ A", "", "TTLĐXS", "", ""]])  # fmt: skip
    summary = imports.run_import(con, "registrations", data, "dk.csv", "test", YEAR)
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    stored = reg.get_registration(con, YEAR, ids["Lê Thị Bình"])
    assert (stored.title, stored.skkn_title, stored.skkn_field) == (
        "CSTDCS", "Dạy trẻ kể chuyện", "Văn học")  # fmt: skip
    assert reg.get_registration(con, YEAR, ids["Trần Văn An"]).title == "LDTT"
    assert reg.group_registrations(con, YEAR) == {"Tổ A": "TTLDXS"}


def test_a_bad_registrations_file_lists_every_problem_and_writes_nothing(con, ids):
    data = csv_bytes([REG_HEADER, ["Lê Thị Bình", "", "LĐTT", "", ""],
                      ["Lê Thị Bình", "", "Giỏi", "", "Toán"],
                      ["Tổ Z", "", "TTLĐTT", "", ""],
                      ["", "khongco", "LĐTT", "", ""]])  # fmt: skip
    with pytest.raises(imports.Refused) as refused:
        imports.run_import(con, "registrations", data, "dk.csv", "test", YEAR)
    where = {(p.row, p.column) for p in refused.value.problems}
    assert where == {(3, "Họ và tên"), (3, "Danh hiệu đăng ký"), (3, "Tên SKKN"),
                     (4, "Họ và tên"), (5, "Tên đăng nhập")}  # fmt: skip
    assert reg.get_registration(con, YEAR, ids["Lê Thị Bình"]) is None


def test_templates_have_the_columns_the_import_reads(con, ids):
    for kind in ("evaluations", "registrations"):
        book = openpyxl.load_workbook(io.BytesIO(exports.template_xlsx(kind)))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1] if c.value]
        assert header == [c.label for c in imports.KINDS[kind].columns]
        example = [[c.value or "" for c in sheet[2]][: len(header)]]
        checked = imports.preview(con, kind, csv_bytes([header, *example]), "mau.csv", YEAR)
        # The example's person is not in this school; every other cell is accepted as it is.
        assert [(p.row, p.column) for p in checked.problems] == [(2, "Họ và tên")]


def test_cli_imports_evaluations_with_year(con, ids, tmp_path, capsys):
    from lib.core import db

    path = tmp_path / "t.duckdb"
    file_con = db.connect(path)
    school(file_con)
    file_con.close()
    file = tmp_path / "dg.csv"
    file.write_bytes(csv_bytes([EVAL_HEADER, ["Lê Thị Bình", "", "HTT", "10", "0", "", ""]]))
    result = invoke(capsys, path, "import", "evaluations", file, "--year", YEAR)
    assert result.returncode == 0, result.stderr
    assert "Đánh giá cuối năm" in result.stdout and "thêm 1" in result.stdout
    bad = invoke(capsys, path, "import", "registrations", file, "--year", YEAR)
    assert bad.returncode == 1 and "Danh hiệu đăng ký" in bad.stderr


def test_the_import_page_asks_the_school_year_for_both_kinds(tmp_path, monkeypatch):
    from tests.apptest import app, login, open_page

    at = app(tmp_path / "app.duckdb", monkeypatch)
    login(at, "chutich")
    open_page(at, "pages/nhap-du-lieu.py")
    for kind in ("evaluations", "registrations"):
        at.selectbox(key="nhap_loai").set_value(kind).run()
        assert not at.exception
        year = at.selectbox(key="nhap_year")
        assert year.label == "Năm học" and year.options[0] == f"Năm học {year.value}"
        assert "Tải mẫu Excel" in [b.proto.label for b in at.get("download_button")]
