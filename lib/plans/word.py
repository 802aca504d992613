"""Read a school plan (kế hoạch) from a Word .docx: header, body, signer and progress schedule."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.table import Table

from lib.core.text import fold
from lib.io.ooxml import check_office_zip
from lib.io.uploads import MAX_BYTES, Problem

NO_SCHEDULE = "Không tìm thấy bảng tiến độ (cột THỜI GIAN, NỘI DUNG…)"

_CODE = re.compile(r"\bsố\s*:\s*(\d+)\s*/\s*([^\s,;]+(?:\s*-\s*[^\s,;]+)*)", re.I)
_DATE_LINE = re.compile(
    r"^(?P<place>[^,]*?)\s*,?\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})"
    r"\s+năm\s+(?P<y>\d{4})",
    re.I,
)
_BULLET = re.compile(r"^\s*[-–—+•*·]+\s*")
_NUMBERING_CELL = re.compile(r"^\(?\d+\)?$")
# Folded prefixes that open a plan's body rather than continue its title.
_BODY_OPENERS = re.compile(r"^(can cu|thuc hien|nham|de |theo |[ivx]+\.|\d+\.|[-+] )")
_SIGNER_ROLE = re.compile(
    r"^(kt|tm|t/m|tl|tuq|q)\.?\s|\b(hieu truong|chu tich|truong ban|giam doc|truong phong|"
    r"bi thu|to truong)\b"
)
_NOT_A_NAME = re.compile(r"[\d:;()/]")
_NUMBERED = re.compile(r"^([ivx]+|\d+)[.)]")
# Captions that follow the signature (the schedule's own heading) are never the signer.
_AFTER_SIGNATURE = ("bieu", "phu luc", "ke hoach", "danh sach")


@dataclass
class PlanRow:
    """One line of the plan's schedule (biểu tiến độ); source_row counts its Word table from 1."""

    period: str
    content: str
    unit: str
    leader: str
    note: str
    source_row: int


@dataclass
class PlanDoc:
    """A plan as read from Word: number, date, place, title, signer, units, body and schedule."""

    code: str | None
    issued_on: dt.date | None
    place: str | None
    title: str | None
    signer: str | None
    signer_title: str | None
    unit: str | None
    parent_unit: str | None
    body: str
    rows: list[PlanRow] = field(default_factory=list)


class _Line(NamedTuple):
    text: str
    centered: bool | None


def parse_plan_docx(data: bytes) -> tuple[PlanDoc | None, list[Problem]]:
    """Parse a plan .docx; without a schedule table the PlanDoc comes back with a Problem."""
    if not data:
        return None, [Problem(None, None, "Tệp rỗng, không có dữ liệu.")]
    if len(data) > MAX_BYTES:
        limit = MAX_BYTES // (1024 * 1024)
        return None, [Problem(None, None, f"Tệp quá lớn; giới hạn là {limit} MB.")]
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, [
            Problem(
                None,
                None,
                "Định dạng .doc (Word 97–2003) không hỗ trợ. Hãy mở trong Word và "
                "lưu lại dạng .docx rồi tải lên lại.",
            )
        ]
    refused = check_office_zip(data, "docx")
    if refused:
        return None, [Problem(None, None, refused)]
    try:
        document = docx.Document(io.BytesIO(data))
        lines, tables = _walk(document)
    except Exception:  # python-docx raises zip, XML, key and value errors alike on bad files
        return None, [
            Problem(None, None, "Tệp Word bị hỏng hoặc không đúng định dạng .docx. Hãy lưu lại.")
        ]

    plan = _parse_text(lines)
    problems: list[Problem] = []
    for matrix, columns, header_index in tables:
        plan.rows.extend(_schedule_rows(matrix, columns, header_index))
    if not tables:
        problems.append(Problem(None, None, NO_SCHEDULE))
    return plan, problems


def _clean(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _alignment(paragraph) -> bool | None:
    align = paragraph.paragraph_format.alignment
    if align is None and paragraph.style is not None:
        align = paragraph.style.paragraph_format.alignment
    return None if align is None else align == WD_ALIGN_PARAGRAPH.CENTER


def _walk(document) -> tuple[list[_Line], list[tuple[list[list[str]], dict[str, int], int]]]:
    """Split the document into text lines before the schedule and the schedule tables."""
    lines: list[_Line] = []
    tables: list[tuple[list[list[str]], dict[str, int], int]] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            matrix = _matrix(block)
            found = _find_header(matrix)
            if found is not None:
                tables.append((matrix, *found))
            elif not tables:
                lines.extend(_table_lines(block))
        elif not tables:
            centered = _alignment(block)
            lines.extend(_Line(_clean(t), centered) for t in block.text.split("\n"))
    return lines, tables


def _table_lines(table) -> Iterator[_Line]:
    """Yield the text lines of a layout table (header, signature), each cell once, in order."""
    for row in table.rows:
        seen: list = []
        for cell in row.cells:
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            for block in cell.iter_inner_content():
                if isinstance(block, Table):
                    yield from _table_lines(block)
                else:
                    centered = _alignment(block)
                    yield from (_Line(_clean(t), centered) for t in block.text.split("\n"))


def _matrix(table) -> list[list[str]]:
    """Return the table as rows of cell texts on the layout grid (merged text in each row)."""
    matrix = []
    for row in table.rows:
        texts = [""] * row.grid_cols_before
        previous = None
        for cell in row.cells:
            # A horizontal span repeats the same cell; keep its text in the first column only.
            texts.append("" if cell._tc is previous else unicodedata.normalize("NFC", cell.text))
            previous = cell._tc
        matrix.append(texts)
    return matrix


def _column_kind(header: str) -> str | None:
    key = fold(header)
    if key.startswith(("thoi gian", "thoi han", "thang")):
        return "period"
    if key.startswith(("noi dung", "cong viec", "nhiem vu")):
        return "content"
    if any(w in key for w in ("phu trach", "lanh dao", "chi dao")):
        return "leader"
    if any(w in key for w in ("bo phan", "thuc hien", "don vi")):
        return "unit"
    if key.startswith(("luu y", "ghi chu")):
        return "note"
    return None


def _find_header(matrix: list[list[str]]) -> tuple[dict[str, int], int] | None:
    """Find a schedule header row (time and content columns) among a table's first rows."""
    for index, row in enumerate(matrix[:3]):
        columns: dict[str, int] = {}
        for position, text in enumerate(row):
            kind = _column_kind(text)
            if kind and kind not in columns:
                columns[kind] = position
        if "period" in columns and "content" in columns:
            return columns, index
    return None


def _cell(row: list[str], columns: dict[str, int], kind: str) -> str:
    position = columns.get(kind)
    return row[position] if position is not None and position < len(row) else ""


def _cell_lines(text: str) -> list[tuple[bool, str]]:
    """Split a cell into non-empty lines, each flagged if it started with a bullet."""
    out = []
    for raw in text.split("\n"):
        line = _clean(raw)
        stripped = _BULLET.sub("", line)
        if stripped:
            out.append((stripped != line, stripped))
    return out


def _content(text: str) -> str:
    lines = _cell_lines(text)
    # Several bulleted tasks in one cell stay one per line; a wrapped sentence is rejoined.
    joiner = "\n" if sum(bullet for bullet, _ in lines) > 1 else " "
    return joiner.join(line for _, line in lines)


def _leader(text: str) -> str:
    """Join a leader cell: "- Đ/c Quyên\\nChủ tịch HĐ" → "Đ/c Quyên – Chủ tịch HĐ"."""
    people: list[list[str]] = []
    for bullet, line in _cell_lines(text):
        if bullet or not people:
            people.append([line])
        else:
            people[-1].append(line)
    return "; ".join(" – ".join(person) for person in people)


def _schedule_rows(
    matrix: list[list[str]], columns: dict[str, int], header_index: int
) -> Iterator[PlanRow]:
    """Yield schedule rows; blank or vertically merged time cells inherit the period above."""
    period = ""
    for index in range(header_index + 1, len(matrix)):
        row = matrix[index]
        filled = [c.strip() for c in row if c.strip()]
        if not filled or all(_NUMBERING_CELL.match(c) for c in filled):
            continue
        period = _clean(_cell(row, columns, "period")) or period
        content = _content(_cell(row, columns, "content"))
        if not content:
            continue
        yield PlanRow(
            period=period,
            content=content,
            unit=_clean(_cell(row, columns, "unit")),
            leader=_leader(_cell(row, columns, "leader")),
            note=_clean(_cell(row, columns, "note")),
            source_row=index + 1,
        )


def _is_upper(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and text == text.upper()


def _is_signer_title(text: str) -> bool:
    key = fold(text)
    return (
        _is_upper(text)
        and len(text) <= 60
        and not _NUMBERED.match(key)
        and bool(_SIGNER_ROLE.search(key))
    )


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 6 and not _NOT_A_NAME.search(text) and text[0].isupper()


def _parse_text(lines: list[_Line]) -> PlanDoc:
    """Read number, date, units, title, body and signer from the lines before the schedule."""
    texts = [line.text for line in lines]
    title_at = next(
        (
            i
            for i, t in enumerate(texts)
            if fold(t) == "ke hoach" or (fold(t).startswith("ke hoach ") and _is_upper(t[:8]))
        ),
        None,
    )
    head = texts[:title_at] if title_at is not None else texts

    code, code_at = None, None
    for i, text in enumerate(head):
        if m := _CODE.search(text):
            code, code_at = m[1] + "/" + re.sub(r"\s+", "", m[2]), i
            break

    issued_on, place = None, None
    for text in head:
        if m := _DATE_LINE.search(text):
            try:
                issued_on = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                issued_on = None
            place = m["place"].strip(" ,") or None
            break

    units = [
        t
        for t in head[:code_at]
        if _is_upper(t)
        and not fold(t).startswith(("cong hoa", "doc lap"))
        and not _DATE_LINE.search(t)
    ]
    unit = units[-1] if units else None
    parent_unit = units[-2] if len(units) > 1 else None

    title, body_from = None, 0
    if title_at is not None:
        first = texts[title_at]
        title_lines = [first[len("KẾ HOẠCH") :].strip()] if fold(first) != "ke hoach" else []
        body_from = title_at + 1
        while not title_lines and body_from < len(texts) and not texts[body_from]:
            body_from += 1
        while body_from < len(lines) and len(title_lines) < 3:
            text, centered = lines[body_from]
            key = fold(text)
            if not text or centered is False or len(text) > 150 or _BODY_OPENERS.match(key):
                break
            title_lines.append(text)
            body_from += 1
        title = " ".join(t for t in title_lines if t) or None

    sign_at = next(
        (
            i
            for i in range(body_from, len(texts))
            if fold(texts[i]).startswith("noi nhan") or _is_signer_title(texts[i])
        ),
        len(texts),
    )
    body = "\n".join(t for t in texts[body_from:sign_at] if t)

    signer_title, signer = None, None
    role_at = next((i for i in range(sign_at, len(texts)) if _is_signer_title(texts[i])), None)
    if role_at is not None:
        end = role_at
        while end < len(texts) and _is_upper(texts[end]) and not texts[end].startswith("("):
            end += 1
        signer_title = " – ".join(texts[role_at:end])
        for text in texts[end : end + 12]:
            if fold(text).startswith(_AFTER_SIGNATURE):
                break
            if text and not text.startswith(("(", "-", "+")) and _looks_like_name(text):
                signer = text
                break

    return PlanDoc(
        code=code,
        issued_on=issued_on,
        place=place,
        title=title,
        signer=signer,
        signer_title=signer_title,
        unit=unit,
        parent_unit=parent_unit,
        body=body,
    )
