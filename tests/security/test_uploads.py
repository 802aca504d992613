"""Uploads are checked before any parser opens them: zip bombs, fake Office files, huge tables."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import tomllib
import zipfile

import openpyxl
import pytest

from lib.core import db
from lib.io import fastcsv, imports
from lib.io.filereader import read_table
from lib.io.ooxml import check_office_zip
from lib.io.uploads import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS
from lib.plans.word import parse_plan_docx
from lib.scoring import entries
from tests.apptest import ROOT
from tests.docx_factory import build_plan_docx

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def xlsx_with_rows(rows_xml) -> bytes:
    """A minimal .xlsx whose one sheet is written from an iterator of XML chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for chunk in rows_xml:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if openpyxl or python-docx is asked to open the file."""

    def opened(*args, **kwargs):
        raise AssertionError("the parser opened a file that should have been refused first")

    monkeypatch.setattr(openpyxl, "load_workbook", opened)
    monkeypatch.setattr("docx.Document", opened)


def test_a_300_kb_xlsx_bomb_is_refused_before_openpyxl(no_parser):
    def one_row_of_3_million_cells():
        yield b'<row r="1">'
        cell = b"<c><v>1</v></c>" * 10_000
        for _ in range(300):
            yield cell
        yield b"</row>"

    data = xlsx_with_rows(one_row_of_3_million_cells())
    assert len(data) < 400 * 1024
    df, problems = read_table(data, "bom.xlsx")
    assert df is None
    assert "nén bất thường" in problems[0].message


def test_a_wide_row_that_compresses_normally_is_still_refused(no_parser):
    """Random values defeat the ratio check; counting the cells in the XML still stops it."""
    rng = random.Random(1)

    def wide_row():
        yield b'<row r="1">'
        for _ in range(20_000):
            yield b"<c><v>%d</v></c>" % rng.randrange(10**12)
        yield b"</row>"

    data = xlsx_with_rows(wide_row())
    df, problems = read_table(data, "rong.xlsx")
    assert df is None
    assert f"tối đa {MAX_COLUMNS} cột" in problems[0].message


def test_an_excel_sheet_over_the_column_limit_is_refused_with_the_row(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append([f"Cột {i}" for i in range(MAX_COLUMNS + 5)])
    wb.active.append(["x"] * (MAX_COLUMNS + 5))
    buffer = io.BytesIO()
    wb.save(buffer)
    df, problems = read_table(buffer.getvalue(), "nhieu-cot.xlsx")
    assert df is None
    assert problems[0].message == (
        f"Dòng 1 có {MAX_COLUMNS + 5} cột; tối đa {MAX_COLUMNS} cột. Hãy xoá các cột thừa."
    )


def test_a_docx_holding_a_huge_part_is_refused_before_python_docx(no_parser):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        with zf.open("word/document.xml", "w") as part:
            block = b" " * (1024 * 1024)
            for _ in range(120):
                part.write(block)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    plan, problems = parse_plan_docx(data)
    assert plan is None
    assert "khi giải nén lớn quá" in problems[0].message
    assert check_office_zip(data, "docx") == problems[0].message


def test_a_random_zip_named_docx_is_not_a_word_file(no_parser):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("anh.txt", "không phải Word")
        zf.writestr("word/document.xml", "<w:document/>")  # a main part, but never declared
    plan, problems = parse_plan_docx(buffer.getvalue())
    assert plan is None
    assert "không có nội dung chính" in problems[0].message


def test_an_excel_file_is_not_a_word_file_and_the_reverse():
    wb = io.BytesIO()
    openpyxl.Workbook().save(wb)
    word = build_plan_docx()
    assert check_office_zip(wb.getvalue(), "docx") is not None
    assert check_office_zip(word, "xlsx") is not None
    assert check_office_zip(wb.getvalue(), "xlsx") is None
    assert check_office_zip(word, "docx") is None


def test_a_csv_of_100000_columns_is_refused_before_it_is_parsed(monkeypatch):
    def parsed(*args, **kwargs):
        raise AssertionError("Arrow parsed a file that should have been refused first")

    monkeypatch.setattr(fastcsv.pa_csv, "read_csv", parsed)
    header = ",".join(f"c{i}" for i in range(100_000))
    data = (header + "\n" + ",".join("1" for _ in range(100_000)) + "\n").encode()
    assert len(data) < 1024 * 1024
    df, problems = read_table(data, "rong.csv")
    assert df is None
    assert problems[0].message.startswith("Dòng 1 có 100000 cột; tối đa")


def test_a_csv_row_far_down_that_is_too_wide_is_refused():
    rows = ["Họ và tên,Chức vụ"] + ["A,B"] * 10 + [",".join(["x"] * (MAX_COLUMNS + 1))]
    df, problems = read_table("\n".join(rows).encode(), "ds.csv")
    assert df is None
    assert problems[0].message.startswith(f"Dòng 12 có {MAX_COLUMNS + 1} cột")


def test_a_csv_with_too_many_rows_is_refused():
    data = b"Ten\n" + b"a\n" * (MAX_ROWS + 1)
    df, problems = read_table(data, "dai.csv")
    assert df is None
    assert f"tối đa {MAX_ROWS} dòng" in problems[0].message


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_cell_over_the_length_limit_is_refused_with_its_row(quoted):
    long = "x" * (MAX_CELL_CHARS + 1)
    cell = f'"{long}"' if quoted else long
    df, problems = read_table(f"Ten,Ghi chu\nA,B\nC,{cell}\n".encode(), "dai.csv")
    assert df is None
    assert problems[0].message == (
        f"Dòng 3: ô quá dài ({MAX_CELL_CHARS + 1} ký tự); mỗi ô tối đa {MAX_CELL_CHARS} ký tự."
    )


def test_the_cli_refuses_the_bomb_with_the_same_message(tmp_path):
    data = xlsx_with_rows([b'<row r="1">', *([b"<c><v>1</v></c>" * 10_000] * 300), b"</row>"])
    (tmp_path / "bom.xlsx").write_bytes(data)
    db.connect(tmp_path / "t.duckdb").close()  # the CLI opens only an existing database
    result = subprocess.run(
        [sys.executable, "-m", "lib.cli", "--db", str(tmp_path / "t.duckdb"), "import", "people",
         str(tmp_path / "bom.xlsx")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1
    assert "nén bất thường" in result.stderr


def test_the_server_refuses_an_upload_over_the_apps_largest_limit():
    """Streamlit refuses a request body over server.maxUploadSize before a page sees it."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    largest = max(imports.MAX_MB, entries.MAX_DOCUMENT_BYTES // (1024 * 1024))
    assert config["server"]["maxUploadSize"] == largest == 20
