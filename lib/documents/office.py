"""Excel and Word building blocks: safe cells, styled tables, the Vietnamese letterhead."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

FONT = "Times New Roman"  # the font of Vietnamese administrative documents
# A spreadsheet runs a cell that starts with one of these as a formula (CSV/formula injection).
RISKY_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Letterhead:
    """Who issues a document: the governing body, the school and the place."""

    parent_unit: str = "UBND quận Long Biên"
    unit: str = "Trường mầm non Ánh Sao"
    place: str = "Long Biên"


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
        cell = put(ws, r, 1, line, bold=i < 2)
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


def document() -> Document:
    """A blank A4 Word document with the usual margins and Times New Roman 13."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    # Word picks the font for Vietnamese letters from the East-Asian/complex slots too.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    return doc


def paragraph(doc, text: str = "", *, bold=False, italic=False, size=13, align=None, space_after=4):
    """Append a paragraph with one run of text."""
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.paragraph_format.space_after = Pt(space_after)
    return p


def _cell_text(cell, lines: Sequence[tuple[str, bool, bool]], align_center: bool = True) -> None:
    cell.text = ""
    for i, (text, bold, italic) in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(13)
        run.font.name = FONT
        if align_center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def letterhead_block(doc, head: Letterhead, on: date | None = None) -> None:
    """The two-column heading of an official document: issuer left, national motto right."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    _cell_text(left, [(head.parent_unit.upper(), False, False), (head.unit.upper(), True, False)])
    on = on or date.today()
    _cell_text(
        right,
        [
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
            ("Độc lập - Tự do - Hạnh phúc", True, False),
            (f"{head.place}, ngày {on.day:02d} tháng {on.month:02d} năm {on.year}", False, True),
        ],
    )


def signature_block(doc, signers: Sequence[tuple[str, str]]) -> None:
    """Side-by-side signature boxes: (title, name); the name may be blank to fill by hand."""
    table = doc.add_table(rows=1, cols=len(signers))
    for cell, (title, name) in zip(table.rows[0].cells, signers, strict=True):
        if not title:  # an empty box keeps the real signer on the right, as on paper
            continue
        _cell_text(
            cell,
            [(title.upper(), True, False), ("(Ký, ghi rõ họ tên)", False, True), ("", False, False),
             ("", False, False), ("", False, False), (name, True, False)],
        )  # fmt: skip


def table(doc, headers: Sequence[str], rows: Sequence[Sequence[object]], widths_cm=None):
    """A bordered Word table with bold headers."""
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    for cell, header in zip(t.rows[0].cells, headers, strict=True):
        _cell_text(cell, [(header, True, False)])
    for values in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell_text(cell, [("" if value is None else str(value), False, False)], False)
    if widths_cm:
        # Both the grid and every cell carry the width: Word reads one, LibreOffice the other.
        t.autofit = False
        for column, width in zip(t.columns, widths_cm, strict=True):
            column.width = Cm(width)
        for row in t.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    return t


def to_bytes(doc) -> bytes:
    """Serialise a Word document."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
