"""Read uploaded CSV / Excel files into tables of clean strings, with problems in Vietnamese."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import PurePath

import pandas as pd

from lib.io import fastcsv
from lib.io.encoding import decode, sniff_separator, utf8_bytes
from lib.io.ooxml import CORRUPT, check_office_zip
from lib.io.tables import build_frame, too_big
from lib.io.uploads import MAX_BYTES, MAX_COLUMNS, MAX_XLSX_ROWS, Problem, fail

_TEXT_EXTENSIONS = {".csv", ".txt", ".tsv"}
_EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}


def read_table(data: bytes, filename: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read an uploaded CSV/TSV/TXT or XLSX file into string cells plus a `__row__` column."""
    ext = PurePath(filename or "").suffix.lower()
    if ext == ".xls":
        return fail(
            "Định dạng .xls (Excel 97–2003) không hỗ trợ. Hãy mở tệp trong Excel, chọn "
            "Lưu thành → Sổ làm việc Excel (.xlsx) rồi tải lên lại."
        )
    if ext not in _TEXT_EXTENSIONS | _EXCEL_EXTENSIONS:
        shown = f"“{ext}”" if ext else "không có đuôi"
        return fail(
            f"Định dạng tệp {shown} không hỗ trợ. Hãy tải lên tệp Excel (.xlsx) hoặc CSV (.csv)."
        )
    if not data:
        return fail("Tệp rỗng, không có dữ liệu.")
    if len(data) > MAX_BYTES:
        return fail(
            f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB). "
            f"Giới hạn là {MAX_BYTES // (1024 * 1024)} MB."
        )
    if ext in _EXCEL_EXTENSIONS:
        refused = check_office_zip(data, "xlsx")
        return fail(refused) if refused else _read_xlsx(data)
    return _read_text(data, default_sep="\t" if ext == ".tsv" else ",")


def _read_text(data: bytes, default_sep: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a text upload: Arrow for a well-formed file, else csv.reader (it names the row)."""
    text, problem = decode(data)
    if text is None:
        return None, [problem or Problem(None, None, "Không đọc được tệp.")]
    sep = sniff_separator(text, default_sep)
    first = text[: text.find("\n") + 1 or len(text)]
    if first.count(sep) >= MAX_COLUMNS:  # 100 000 columns would take Arrow a minute
        header = next(csv.reader(io.StringIO(first, newline=""), delimiter=sep), [])
        problem = too_big(1, header)
        if problem:
            return fail(problem)
    fast = fastcsv.read_text_fast(text, sep, utf8_bytes(data, text))
    if fast is not None:
        return fast
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
            rows.append(row)
            problem = too_big(len(rows), row)
            if problem:
                return fail(problem)
    except csv.Error:
        return fail(
            "Tệp CSV không đúng định dạng (có ô quá dài hoặc dấu ngoặc kép không đóng). "
            "Hãy mở bằng Excel và lưu lại."
        )
    return build_frame(rows)


def _read_xlsx(data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read the first worksheet of a checked .xlsx upload."""
    import openpyxl

    corrupt = CORRUPT["xlsx"]
    rows: list[list[str]] = []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML, key and value errors alike on bad files
        return fail(corrupt)
    try:
        if not wb.worksheets:
            return fail("Tệp Excel không có trang tính nào.")
        ws = wb.worksheets[0]
        # Some tools write a wrong <dimension>; read-only mode would cut columns to it.
        ws.reset_dimensions()
        for values in ws.iter_rows(values_only=True):
            cells = [_excel_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
            problem = too_big(len(rows), cells, MAX_XLSX_ROWS)
            if problem:
                return fail(problem)
    except Exception:
        return fail(corrupt)
    finally:
        wb.close()
    return build_frame(rows)


def _excel_text(value: object) -> str:
    """Show an Excel cell value as the secretary sees it: 8 not 8.0, dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)
