"""Rows of raw cells made into a table of clean strings, with the limits checked row by row."""

from __future__ import annotations

import unicodedata

import pandas as pd

from lib.io.uploads import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, ROW_COLUMN, Problem, fail


def clean_cell(value: str) -> str:
    """A cell as stored: NFC, without spaces, BOM or zero-width space at its edges."""
    return unicodedata.normalize("NFC", value).strip().strip("\ufeff\u200b").strip()


def clean_header(value: str) -> str:
    """A header cell as matched: clean, with inner runs of spaces folded to one."""
    return " ".join(clean_cell(value).split())


def column_letter(index: int) -> str:
    """Excel's letter of a 0-based column (0 → A, 26 → AA), naming a column with no header."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


NO_DATA = "Tệp không có dữ liệu (chỉ có dòng trống)."
HEADER_ONLY = "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."


def column_names(headers: list[str]) -> list[str]:
    """The table's column names: each header, or "Cột C" for a column with none."""
    return [h or f"Cột {column_letter(i)}" for i, h in enumerate(headers)]


def too_many_rows(max_rows: int) -> str:
    """The refusal of a file with more rows than a table import takes."""
    return f"Tệp có quá nhiều dòng; tối đa {max_rows} dòng. Hãy chia nhỏ tệp."


def too_big(row: int, cells: list[str], max_rows: int = MAX_ROWS) -> str | None:
    """Why a table import stops at this row (too many rows, columns or a too long cell)."""
    width = len(cells)
    while width and not cells[width - 1]:  # empty cells after the last value do not count
        width -= 1
    if row > max_rows:
        return too_many_rows(max_rows)
    if len(cells) > MAX_COLUMNS:
        return f"Dòng {row} có {len(cells)} cột; tối đa {MAX_COLUMNS} cột. Hãy xoá các cột thừa."
    longest = max(map(len, cells), default=0)
    if longest > MAX_CELL_CHARS:
        return f"Dòng {row}: ô quá dài ({longest} ký tự); mỗi ô tối đa {MAX_CELL_CHARS} ký tự."
    return None


def build_frame(rows: list[list[str]]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Turn raw rows into a DataFrame: header from the first non-blank row, blank rows dropped."""
    numbered = [
        (number, cells)
        for number, raw in enumerate(rows, start=1)
        if any(cells := [clean_cell(c) for c in raw])
    ]
    if not numbered:
        return fail(NO_DATA)
    (header_row, header), body = numbered[0], numbered[1:]
    if not body:
        return fail(HEADER_ONLY)
    width = max(len(cells) for _, cells in numbered)
    header = [clean_header(h) for h in header] + [""] * (width - len(header))
    body_cells = [cells + [""] * (width - len(cells)) for _, cells in body]
    while width and not header[width - 1] and not any(r[width - 1] for r in body_cells):
        width -= 1
    names = column_names(header[:width])
    frame = pd.DataFrame([r[:width] for r in body_cells], columns=names, dtype="str")
    frame.insert(0, ROW_COLUMN, pd.Series([n for n, _ in body], dtype="int64"))
    frame.attrs["header_row"] = header_row
    return frame, []
