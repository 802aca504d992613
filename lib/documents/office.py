"""Excel and Word building blocks: safe cells, the styled Excel sheet, Word serialisation."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

FONT = "Times New Roman"  # the font of Vietnamese administrative documents
# A spreadsheet runs a cell that starts with one of these as a formula (CSV/formula injection).
RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """Tell whether a spreadsheet would run this cell as a formula."""
    return isinstance(value, str) and value.startswith(RISKY_START)


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula, with an apostrophe before it; else the value.

    Every export (CSV and Excel) writes its cells through this; imports take the apostrophe off."""
    return "'" + value if looks_like_formula(value) else value


def _thin() -> Border:
    side = Side(style="thin", color="808080")
    return Border(left=side, right=side, top=side, bottom=side)


def put(ws, row: int, column: int, value: object, *, bold: bool = False, wrap: bool = True):
    """Write one cell; text that looks like a formula is stored as plain text, never run."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    cell.font = Font(name=FONT, size=12, bold=bold)
    cell.alignment = Alignment(wrap_text=wrap, vertical="top")
    return cell


def workbook(
    sheet_title: str,
    title_lines: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[int],
    footer_lines: Sequence[str] = (),
) -> bytes:
    """One sheet: centred title lines, a bordered table with bold headers, a footer; as bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    last = get_column_letter(len(headers))
    r = 1
    for i, line in enumerate(title_lines):
        ws.merge_cells(f"A{r}:{last}{r}")
        cell = put(ws, r, 1, line, bold=0 < i < len(title_lines) - 1)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        r += 1
    r += 1
    header_row = r
    for c, header in enumerate(headers, start=1):
        cell = put(ws, r, c, header, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _thin()
    for values in rows:
        r += 1
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value).border = _thin()
        # Spreadsheets do not grow a row for wrapped text written by a program: estimate it.
        lines = max(
            math.ceil(len(str(v)) / max(1, widths[c] - 1)) if v is not None else 1
            for c, v in enumerate(values)
        )
        ws.row_dimensions[r].height = 16 * max(1, lines)
    r += 2
    for line in footer_lines:
        ws.merge_cells(f"A{r}:{last}{r}")
        put(ws, r, 1, line, bold=True).alignment = Alignment(horizontal="right")
        r += 1
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_bytes(doc) -> bytes:
    """Serialise a Word document."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
