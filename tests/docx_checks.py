"""Checks every generated Word document must pass: the Nghị định 30/2020 heading, page numbers,
no "None"/"nan" anywhere."""

from __future__ import annotations

import io
import re

import docx
from docx.oxml.ns import qn

from lib.documents import engine


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def paragraphs(d) -> list:
    """Every paragraph of the body, its tables (nested) and its headers, in order."""
    found = list(d.paragraphs)

    def walk(tables):
        for t in tables:
            for row in t.rows:
                for cell in row.cells:
                    found.extend(cell.paragraphs)
                    walk(cell.tables)

    walk(d.tables)
    for section in d.sections:
        found.extend(section.header.paragraphs)
    return found


def all_text(d) -> str:
    return "\n".join(p.text for p in paragraphs(d))


def _size(p) -> float:
    sizes = {r.font.size.pt for r in p.runs if r.font.size is not None}
    assert len(sizes) == 1, p.text
    return sizes.pop()


def _cell_width_cm(cell) -> float:
    w = cell._tc.tcPr.find(qn("w:tcW"))
    return int(w.get(qn("w:w"))) / 567  # twips per cm


def check_heading(data: bytes, *, number: str | None, date_text: str, signer: str) -> str:
    """Assert the decree's heading and closing on a .docx; return its whole text."""
    d = open_docx(data)
    head = d.tables[0]
    right = head.rows[0].cells[1]
    national = [p for p in right.paragraphs if p.text == engine.NATIONAL_NAME]
    assert len(national) == 1, "Quốc hiệu must be one paragraph"
    q = national[0]
    assert not q._p.findall(".//" + qn("w:br")), "no manual line break in the Quốc hiệu"
    assert all(r.bold for r in q.runs)
    width = engine.text_width_cm(q.text, _size(q), bold=True)
    assert width + engine.CELL_PADDING <= _cell_width_cm(right), "Quốc hiệu fits its column"
    motto = next(p for p in right.paragraphs if p.text == engine.MOTTO)
    assert _size(motto) > _size(q) and all(r.bold for r in motto.runs)
    rules = [p for p in head._tbl.iter(qn("w:pBdr"))]
    assert len(rules) == 2, "a rule under the school's name and one under the tiêu ngữ"
    text = all_text(d)
    assert date_text in text
    if number is not None:
        assert re.search(rf"^Số: {re.escape(number)}$", text, re.M), number
    header = d.sections[0].header._element.xml
    assert "PAGE" in header and d.sections[0].different_first_page_header_footer
    signatures = "\n".join(c.text for row in d.tables[-1].rows for c in row.cells)
    assert signer in signatures, f"{signer} signs"
    assert not re.search(r"\b(None|nan|NaN)\b", text), "no None/nan printed"
    fonts = {r.font.name for p in paragraphs(d) for r in p.runs if r.text.strip()}
    assert fonts == {"Times New Roman"}
    return text
