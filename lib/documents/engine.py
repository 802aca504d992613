"""The one document engine: Nghị định 30/2020 form (thể thức) for every Word and Excel output."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from lib.documents.office import FONT
from lib.documents.organization import Organization

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NATIONAL_SIZE = 12  # Quốc hiệu 12–13 (Phụ lục I); 12 keeps it on one line in its column
MOTTO_SIZE = 13  # tiêu ngữ one size larger, bold
BODY_SIZE = 13
PAGE_WIDTH, PAGE_HEIGHT = 21.0, 29.7  # A4, cm
MARGINS = {"top": 2.0, "bottom": 2.0, "left": 3.0, "right": 1.5}  # decree: 20–25, 30–35, 15–20 mm
TEXT_WIDTH = PAGE_WIDTH - MARGINS["left"] - MARGINS["right"]
RIGHT_COLUMN = 9.6  # the Quốc hiệu (8.8 cm at 12 pt bold) fits on one line
LEFT_COLUMN = TEXT_WIDTH - RIGHT_COLUMN
CELL_PADDING = 0.19 * 2  # Word's default left + right cell margins, cm


@dataclass(frozen=True)
class Signer:
    """A signature box: quyền hạn (TM., KT., Q. … or empty), chức vụ, and the signer's name;
    hint prints "(Ký, ghi rõ họ tên)" as forms and minutes do (official documents do not)."""

    authority: str
    title: str
    name: str
    hint: bool = False


def nd30_date(on: date) -> str:
    """ "ngày 05 tháng 02 năm 2024": zero only for days below 10 and months 1 and 2."""
    day = f"{on.day:02d}" if on.day < 10 else str(on.day)
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {day} tháng {month} năm {on.year}"


def place_date(org: Organization, on: date) -> str:
    """The địa danh and date line, e.g. "Long Biên, ngày 27 tháng 3 năm 2024"."""
    return f"{org.place}, {nd30_date(on)}"


def number_line(number: int | None, kind: str, org: Organization) -> str:
    """ "Số: 05/BB-MNAS" (numbers below 10 with a leading zero); dots when not yet numbered."""
    shown = "…" if number is None else f"{number:02d}"
    return f"Số: {shown}/{kind}-{org.code}"


@functools.cache
def _font_file(bold: bool) -> str | None:
    style = "bold" if bold else "regular"
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{FONT}:{style}"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return None
    return found or None


def text_width_cm(text: str, size: float, *, bold: bool = False) -> float:
    """How wide a line of text prints in the document font (or its metric twin), in cm."""
    path = _font_file(bold)
    if path:
        from PIL import ImageFont

        font = ImageFont.truetype(path, 1000)
        return font.getlength(text) / 1000 * size / 72 * 2.54
    return len(text) * size * (0.62 if bold else 0.55) / 72 * 2.54  # no font: a safe guess


def _fonts(run, size: float, bold: bool = False, italic: bool = False) -> None:
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _para(container, text: str, size: float, *, bold=False, italic=False, align="center",
          after: float = 0, before: float = 0):  # fmt: skip
    p = container.add_paragraph()
    if text:
        _fonts(p.add_run(text), size, bold, italic)
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT,
                   "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]  # fmt: skip
    p.paragraph_format.space_after = Pt(after)
    p.paragraph_format.space_before = Pt(before)
    return p


def _rule(cell, length_cm: float, column_cm: float) -> None:
    """A centred horizontal line of the given length under the previous line (a top border)."""
    p = cell.add_paragraph()
    indent = max(0.0, (column_cm - CELL_PADDING - length_cm) / 2)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(indent)
    p.paragraph_format.space_after = Pt(3)
    p.paragraph_format.line_spacing = Pt(2)
    # A border under an empty, 2 pt tall paragraph: the line sits just below the text above.
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    p._p.get_or_add_pPr().append(borders)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def set_widths(table, widths_cm: Sequence[float]) -> None:
    """Fix a table's column widths on the grid and on every cell (Word reads one, LO the other)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def _page_number_header(section) -> None:
    """A centred PAGE field in the header, none on the first page (Phụ lục I: from page 2)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"),
                       ("end", None)):  # fmt: skip
        run = p.add_run()
        _fonts(run, BODY_SIZE)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def new_document(
    org: Organization,
    on: date,
    *,
    kind: str | None = None,
    number: int | None = None,
    size: float = BODY_SIZE,
) -> Document:
    """An A4 document in decree margins with the heading table: issuer and number on the
    left, Quốc hiệu, tiêu ngữ and the place and date on the right; kind None: no "Số:" line."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH), Cm(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Cm(MARGINS["top"]), Cm(MARGINS["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS["left"]), Cm(MARGINS["right"])
    section.header_distance = Cm(1)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    style.paragraph_format.space_after = Pt(0)
    _page_number_header(section)
    heading(doc, org, on, kind=kind, number=number)
    return doc


def heading(doc, org: Organization, on: date, *, kind: str | None = None,
            number: int | None = None) -> None:  # fmt: skip
    """The heading table at the current end of the document (new_document draws the first)."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    set_widths(table, [LEFT_COLUMN, RIGHT_COLUMN])
    left, right = table.rows[0].cells
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    _para(left, org.governing_body.upper(), NATIONAL_SIZE)
    school = org.school_name.upper()
    _para(left, school, NATIONAL_SIZE, bold=True)
    _rule(left, min(LEFT_COLUMN - CELL_PADDING, text_width_cm(school, NATIONAL_SIZE, bold=True))
          / 2.5, LEFT_COLUMN)  # fmt: skip
    if kind:
        _para(left, number_line(number, kind, org), BODY_SIZE, before=2)
    _para(right, NATIONAL_NAME, NATIONAL_SIZE, bold=True)
    _para(right, MOTTO, MOTTO_SIZE, bold=True)
    _rule(right, text_width_cm(MOTTO, MOTTO_SIZE, bold=True), RIGHT_COLUMN)
    _para(right, place_date(org, on), BODY_SIZE, italic=True, before=2)


def title(doc, kind_name: str, subject: str = "", *, size: float = 14) -> None:
    """The document's name (BIÊN BẢN, QUYẾT ĐỊNH …) and its trích yếu, bold and centred."""
    _para(doc, kind_name.upper(), size, bold=True, before=12)
    if subject:
        _para(doc, subject, size, bold=True, after=6)
    else:
        doc.paragraphs[-1].paragraph_format.space_after = Pt(6)


def para(doc, text: str, *, bold=False, italic=False, align="justify", size: float = BODY_SIZE,
         indent: bool = True, after: float = 4):  # fmt: skip
    """A body paragraph, justified, first line indented as printed documents are."""
    p = _para(doc, text, size, bold=bold, italic=italic, align=align, after=after)
    if indent and align == "justify":
        p.paragraph_format.first_line_indent = Cm(1)
    return p


def end_mark(paragraph) -> None:
    """Append "./." to the last paragraph of the body: nothing may be added after it."""
    size = paragraph.runs[-1].font.size if paragraph.runs else None
    _fonts(paragraph.add_run("./."), size.pt if size else BODY_SIZE)


def table(
    doc,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths_cm: Sequence[float],
    *,
    size: float = 12,
    center: Sequence[int] = (0,),
):
    """A bordered table with bold centred headers; rows never split across pages."""
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(t.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(cell.paragraphs[0].add_run(header), size, bold=True)
    for values in rows:
        cells = t.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            bold = isinstance(value, Bold)
            if value is not None and str(value):
                _fonts(cell.paragraphs[0].add_run(str(value)), size, bold=bold)
            if i in center:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in t.rows:
        props = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        props.append(cant)
    header_props = t.rows[0]._tr.get_or_add_trPr()
    header_props.append(OxmlElement("w:tblHeader"))
    set_widths(t, widths_cm)
    _para(doc, "", 4)  # a little air between the table and the next paragraph
    return t


class Bold(str):
    """A table cell printed bold (section lines, totals)."""


def decision_articles(doc, council: str) -> None:
    """The closing articles of a Quyết định (Điều 2 in force, Điều 3 who carries it out) and ./."""
    para(doc, "Điều 2. Quyết định có hiệu lực kể từ ngày ký.")
    last = para(doc, f"Điều 3. {council}, các tổ chuyên môn và các cá nhân có tên tại Điều 1 "
                "chịu trách nhiệm thi hành Quyết định này")  # fmt: skip
    end_mark(last)


def closing(doc, signers: Sequence[Signer], recipients: Sequence[str] = (),
            *, size: float = BODY_SIZE) -> None:  # fmt: skip
    """Nơi nhận on the left (when given) and the signature boxes, kept together on one page."""
    boxes: list[Signer | None] = list(signers)
    if recipients and len(boxes) == 1 or len(boxes) == 1:
        boxes = [None, *boxes]
    t = doc.add_table(rows=1, cols=len(boxes))
    _no_borders(t)
    width = TEXT_WIDTH / len(boxes)
    set_widths(t, [width] * len(boxes))
    for i, (cell, signer) in enumerate(zip(t.rows[0].cells, boxes, strict=True)):
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
        if signer is None:
            if recipients and i == 0:
                _para(cell, "Nơi nhận:", 12, bold=True, italic=True, align="left", before=6)
                for j, item in enumerate(recipients):
                    end = "." if j == len(recipients) - 1 else ";"
                    _para(cell, f"- {item}{end}", 11, align="left")
            else:
                _para(cell, "", size)
            continue
        first = True
        if signer.authority:
            _para(cell, signer.authority.upper(), size, bold=True, before=6)
            first = False
        _para(cell, signer.title.upper(), size, bold=True, before=6 if first else 0)
        _para(cell, "(Ký, ghi rõ họ tên)" if signer.hint else "", 12, italic=True)
        for _ in range(3):
            _para(cell, "", size)
        _para(cell, signer.name, size, bold=True)
    props = t.rows[0]._tr.get_or_add_trPr()
    props.append(OxmlElement("w:cantSplit"))
    # The paragraph before the signatures keeps with them, so a signature never stands alone.
    before = doc.paragraphs[-1] if doc.paragraphs else None
    if before is not None:
        before.paragraph_format.keep_with_next = True


def xlsx_heading(org: Organization, heading: str, subtitle: str) -> list[str]:
    """The lines an Excel output opens with: issuer, Quốc hiệu and tiêu ngữ, the table's name."""
    return [
        org.governing_body.upper(),
        org.school_name.upper(),
        NATIONAL_NAME,
        MOTTO,
        heading,
        subtitle,
    ]


def xlsx_signature(org: Organization, on: date, signer: Signer) -> list[str]:
    """The lines an Excel output ends with: place and date, quyền hạn, title, signer."""
    lines = [place_date(org, on)]
    if signer.authority:
        lines.append(signer.authority.upper())
    return [*lines, signer.title.upper(), "", "", signer.name]
