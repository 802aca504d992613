"""Read uploaded CSV / Excel files into tables of clean strings, with problems in Vietnamese."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from lib.core.text import fold

MAX_BYTES = 10 * 1024 * 1024
ROW_COLUMN = "__row__"

_TEXT_EXTENSIONS = {".csv", ".txt", ".tsv"}
_EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
_SEPARATORS = (",", ";", "\t")
# Magic numbers of files that secretaries sometimes rename to .csv by mistake.
_SIGNATURES = {
    b"PK\x03\x04": "tệp nén (thường là Excel .xlsx hoặc Word .docx)",
    b"\xd0\xcf\x11\xe0": "tệp Office cũ (.xls / .doc)",
    b"%PDF": "tệp PDF",
}
# Limits of every table import (CSV and Excel, app and CLI), checked before or while parsing:
# a small file must not become millions of cells. 32 767 characters is Excel's own cell limit.
MAX_ROWS = 500_000
# Excel is parsed cell by cell by openpyxl, several times slower than CSV.
MAX_XLSX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767
# An Office file (.xlsx, .docx) is a zip: its directory is checked before any parser opens it.
# (parts, bytes once unzipped); a part over 1 MB may shrink at most MAX_RATIO times in the zip.
_OFFICE_LIMITS = {"xlsx": (2_000, 150 * 1024 * 1024), "docx": (2_000, 100 * 1024 * 1024)}
MAX_RATIO = 100
# The main part's content type names the kind of package ([Content_Types].xml).
_MAIN_TYPES = {
    "xlsx": (
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ),
    "docx": (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",),
}
_KIND_NAMES = {"xlsx": "Excel (.xlsx)", "docx": "Word (.docx)"}
_CORRUPT = {
    "xlsx": "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở bằng Excel và lưu lại.",
    "docx": "Tệp Word bị hỏng hoặc không đúng định dạng .docx. Hãy lưu lại.",
}
# Excel's own maximum: a row with more cells than columns exist was not written by Excel.
_MAX_ROW_CELLS = 16_384
_MAX_XLSX_CELLS = 3_000_000
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_BINARY = (
    "Tệp không phải văn bản CSV (có vẻ là tệp nhị phân). "
    "Hãy tải lên tệp .csv lưu từ Excel hoặc tệp .xlsx."
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials accepted as dates: 01/01/1950 .. 31/12/2100 (birth dates to far deadlines).
_SERIAL_MIN, _SERIAL_MAX = 18264, 73415
_DATE_DMY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE_WORDS = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)")
_HEADER_MARKERS = re.compile(r"[\s:*]*(?:\(\s*\*\s*\))?[\s:*]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: where (file row, column) and what, in Vietnamese."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """Return the message prefixed with its place, as shown to the secretary."""
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}")
        if self.column:
            where.append(f"cột “{self.column}”")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ColumnSpec:
    """An expected column: canonical name, whether required, other accepted headers, label."""

    name: str
    required: bool
    aliases: tuple[str, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)


def _fail(message: str) -> tuple[None, list[Problem]]:
    return None, [Problem(None, None, message)]


def read_table(data: bytes, filename: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read an uploaded CSV/TSV/TXT or XLSX file into string cells plus a `__row__` column."""
    ext = PurePath(filename or "").suffix.lower()
    if ext == ".xls":
        return _fail(
            "Định dạng .xls (Excel 97–2003) không hỗ trợ. Hãy mở tệp trong Excel, chọn "
            "Lưu thành → Sổ làm việc Excel (.xlsx) rồi tải lên lại."
        )
    if ext not in _TEXT_EXTENSIONS | _EXCEL_EXTENSIONS:
        shown = f"“{ext}”" if ext else "không có đuôi"
        return _fail(
            f"Định dạng tệp {shown} không hỗ trợ. Hãy tải lên tệp Excel (.xlsx) hoặc CSV (.csv)."
        )
    if not data:
        return _fail("Tệp rỗng, không có dữ liệu.")
    if len(data) > MAX_BYTES:
        return _fail(
            f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB). "
            f"Giới hạn là {MAX_BYTES // (1024 * 1024)} MB."
        )
    if ext in _EXCEL_EXTENSIONS:
        refused = check_office_zip(data, "xlsx")
        return _fail(refused) if refused else _read_xlsx(data)
    return _read_text(data, default_sep="\t" if ext == ".tsv" else ",")


def check_office_zip(data: bytes, kind: str) -> str | None:
    """Why an .xlsx/.docx upload must not be opened (from its zip directory), or None."""
    name = _KIND_NAMES[kind]
    fake = _CORRUPT[kind] + " (Tệp là một tệp nén khác được đổi đuôi, không có nội dung chính.)"
    max_parts, max_bytes = _OFFICE_LIMITS[kind]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            items = zf.infolist()
            if len(items) > max_parts:
                return f"Tệp {name} có quá nhiều phần ({len(items)}); không mở."
            total = sum(item.file_size for item in items)
            if total > max_bytes:
                return (
                    f"Tệp {name} khi giải nén lớn quá {max_bytes // (1024 * 1024)} MB "
                    f"({total / 1024 / 1024:.0f} MB); không mở. Hãy lưu lại tệp gọn hơn."
                )
            for item in items:
                if item.file_size > 1024 * 1024 and item.file_size > MAX_RATIO * max(
                    item.compress_size, 1
                ):
                    return f"Tệp {name} nén bất thường (phần “{item.filename[:80]}”); không mở."
            parts = {item.filename: item for item in items}
            types = parts.get("[Content_Types].xml")
            if types is None or types.file_size > 1024 * 1024:
                return fake
            declared = zf.read(types)
            main = _main_part(declared, _MAIN_TYPES[kind])
            if main is None or main not in parts:
                return fake
            if kind == "xlsx":
                for item in items:
                    if item.filename.startswith("xl/worksheets/") and item.filename.endswith(
                        ".xml"
                    ):
                        problem = _scan_sheet(zf, item)
                        if problem:
                            return problem
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return _CORRUPT[kind]
    return None


def _main_part(declared: bytes, content_types: tuple[bytes, ...]) -> str | None:
    """The part name [Content_Types].xml gives the package's main part, or None."""
    for override in re.finditer(rb"<(?:\w+:)?Override\b[^>]*>", declared):
        tag = override[0]
        content = re.search(rb'ContentType\s*=\s*["\']([^"\']+)["\']', tag)
        part = re.search(rb'PartName\s*=\s*["\']/?([^"\']+)["\']', tag)
        if content and part and content[1] in content_types:
            return part[1].decode("utf-8", "replace")
    return None


def _scan_sheet(zf: zipfile.ZipFile, item: zipfile.ZipInfo) -> str | None:
    """Count a worksheet's rows and cells from its XML bytes, before openpyxl builds them."""
    rows = cells = in_row = 0
    cell_tags: tuple[bytes, ...] = ()
    tail = b""
    with zf.open(item) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = tail + chunk
            if not cell_tags:  # the first chunk holds the root tag and its namespace prefix
                root = _CELL_PREFIX.search(data)
                prefix = (root[1] or b"") if root else b""
                ends = (b" ", b">", b"/", b"\t", b"\n", b"\r")
                cell_tags = tuple(b"<" + prefix + b"c" + end for end in ends)
            cut = data.rfind(b"<") if chunk else len(data)
            if cut <= 0 or len(data) - cut > 4096:
                cut = len(data)  # a tag is never this long: nothing to keep for the next chunk
            body, tail = data[:cut], data[cut:]
            pieces = _ROW_TAG.split(body)
            for number, piece in enumerate(pieces):
                if number:  # a new row starts
                    rows += 1
                    in_row = 0
                found = sum(piece.count(tag) for tag in cell_tags)
                in_row += found
                cells += found
                if in_row > _MAX_ROW_CELLS:
                    return (
                        f"Trang tính có dòng {max(rows, 1)} với hơn {_MAX_ROW_CELLS} ô; "
                        f"tối đa {MAX_COLUMNS} cột. Không mở tệp."
                    )
            if rows > MAX_XLSX_ROWS + 100 or cells > _MAX_XLSX_CELLS:
                return (
                    f"Trang tính quá lớn (hơn {MAX_XLSX_ROWS} dòng hoặc {_MAX_XLSX_CELLS} ô); "
                    "không mở. Hãy chia nhỏ tệp."
                )
            if not chunk:
                return None


def _read_text(data: bytes, default_sep: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    text, problem = _decode(data)
    if text is None:
        return None, [problem or Problem(None, None, "Không đọc được tệp.")]
    sep = _sniff_separator(text, default_sep)
    first = text[: text.find("\n") + 1 or len(text)]
    if first.count(sep) >= MAX_COLUMNS:  # 100 000 columns would take Arrow a minute
        header = next(csv.reader(io.StringIO(first, newline=""), delimiter=sep), [])
        problem = _too_big(1, header)
        if problem:
            return _fail(problem)
    fast = _read_text_fast(text, sep, _utf8_bytes(data, text))
    if fast is not None:
        return fast
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
            rows.append(row)
            problem = _too_big(len(rows), row)
            if problem:
                return _fail(problem)
    except csv.Error:
        return _fail(
            "Tệp CSV không đúng định dạng (có ô quá dài hoặc dấu ngoặc kép không đóng). "
            "Hãy mở bằng Excel và lưu lại."
        )
    return _build_frame(rows)


# Python's str.isspace() characters in UTF-8 (plus the zero-width space and BOM that cells
# lose at their edges), recognised by their bytes so a whole column is checked at C speed.
_ASCII_SPACES = np.zeros(256, dtype=bool)
_ASCII_SPACES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_NEUTRALISED_NEXT = np.zeros(256, dtype=bool)
_NEUTRALISED_NEXT[[ord(c) for c in "=+-@"]] = True
# Columns beyond this many are read by csv.reader (Arrow needs each column's type up front).
_FAST_MAX_COLUMNS = 512


def _space_at(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Tell which byte positions start a space character; `data` ends with 3 padding zeros."""
    b0, b1, b2 = data[at], data[at + 1], data[at + 2]
    general = ((b2 >= 0x80) & (b2 <= 0x8B)) | (b2 == 0xA8) | (b2 == 0xA9) | (b2 == 0xAF)
    e2 = (b0 == 0xE2) & (((b1 == 0x80) & general) | ((b1 == 0x81) & (b2 == 0x9F)))
    return (
        _ASCII_SPACES[b0]
        | ((b0 == 0xC2) & ((b1 == 0x85) | (b1 == 0xA0)))
        | ((b0 == 0xE1) & (b1 == 0x9A) & (b2 == 0x80))
        | e2
        | ((b0 == 0xE3) & (b1 == 0x80) & (b2 == 0x80))
        | ((b0 == 0xEF) & (b1 == 0xBB) & (b2 == 0xBF))
    )


def _bytes_of(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes (padded with 3 zeros) and the len+1 offsets of a string array."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset :][: len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0)
    padded = np.zeros(len(data) + 3, dtype=np.uint8)
    padded[: len(data)] = data
    return padded, offsets.astype(np.int64)


def _needs_fix(array: pa.Array, inner: bool) -> np.ndarray:
    """Flag the cells a cleaning function may change; the others are already clean.

    Always: a space (or BOM, zero-width space) at either end. With `inner`: also any space
    that is not one plain space between words, and an apostrophe before = + - @.
    """
    data, offsets = _bytes_of(array)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    # A cheap sieve on each cell's first and last byte; the exact test runs on what passes.
    first, end = data[starts], data[np.maximum(ends - 1, 0)]
    maybe = (first <= 32) | (first == 0xC2) | ((first >= 0xE1) & (first <= 0xE3)) | (first == 0xEF)
    maybe |= (end <= 32) | ((end >= 0x80) & (end <= 0x8B)) | (end == 0x85) | (end == 0x9F)
    maybe |= (end == 0xA0) | (end == 0xA8) | (end == 0xA9) | (end == 0xAF) | (end == 0xBF)
    at = np.flatnonzero(filled & maybe)
    flagged = np.zeros(len(starts), dtype=bool)
    if len(at):
        begin, last = starts[at], ends[at] - 1
        for _ in range(3):  # back from the last byte to the start of the last character
            last = np.where(((data[last] & 0xC0) == 0x80) & (last > begin), last - 1, last)
        flagged[at] = _space_at(data, begin) | _space_at(data, last)
    if inner:
        body = data[int(offsets[0]) : int(offsets[-1]) + 1]  # one padding byte to pair with
        # Comparisons, not a lookup table: they run several times faster over megabytes.
        head, tail = body[:-1], body[1:]
        odd = (head < 32) | (head == 0xC2) | ((head >= 0xE2) & (head <= 0xE3)) | (head == 0xEF)
        odd |= ((head == 0xE1) & (tail == 0x9A)) | ((head == 32) & (tail == 32))
        at = np.flatnonzero(odd) + int(offsets[0])
        at = at[_space_at(data, at)]
        if len(at):
            flagged[np.searchsorted(offsets, at, side="right") - 1] = True
        flagged |= filled & (data[starts] == 0x27) & _NEUTRALISED_NEXT[data[starts + 1]]
    return flagged


def clean_column(values: pa.Array, fix: Callable[[str], str], inner: bool) -> pa.Array:
    """Apply a cleaning function to a string array, calling it only on cells it may change."""
    if values.null_count:
        values = pc.fill_null(values, "")
    flagged = _needs_fix(values, inner)
    if not flagged.any():
        return values
    at = np.flatnonzero(flagged)
    fixed = pa.array([fix(v) for v in values.take(pa.array(at)).to_pylist()], type=values.type)
    return pc.replace_with_mask(values, pa.array(flagged), fixed)


def _utf8_bytes(data: bytes, text: str) -> bytes | memoryview | None:
    """The file's own bytes when `text` is their UTF-8 decoding, sparing a re-encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return memoryview(data)[3:]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        return None
    # _decode tries UTF-8 first; cp1258 would give one character per byte.
    return data if len(text) < len(data) or data.isascii() else None


def _read_text_fast(
    text: str, sep: str, raw: bytes | memoryview | None = None
) -> tuple[pd.DataFrame | None, list[Problem]] | None:
    """Parse well-formed CSV text with Arrow's C reader; None leaves the file to csv.reader.

    `raw`, when given, is `text` encoded in UTF-8 already.
    """
    # An odd number of quotes is an unclosed quote: csv.reader reports it the way users know.
    if "\x00" in text or text.count('"') % 2:
        return None
    if not unicodedata.is_normalized("NFC", text):
        if "\u037e" in text:  # the Greek question mark composes to ";", a separator
            return None
        # One call for the whole file; cells cut from NFC text are NFC themselves.
        text, raw = unicodedata.normalize("NFC", text), None
    if raw is None:
        raw = text.encode("utf-8")
    if not text.endswith(("\n", "\r")):
        raw = bytes(raw) + b"\n"  # Arrow refuses a one-line file without its line break
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(raw),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.large_string() for i in range(_FAST_MAX_COLUMNS)},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, UnicodeError):
        return None  # rows of different lengths, odd quoting: csv.reader's way
    if table.num_columns > _FAST_MAX_COLUMNS or not all(
        pa.types.is_large_string(t) for t in table.schema.types
    ):
        return None
    raw_columns = [c.combine_chunks() for c in table.columns]
    # csv.reader refuses a cell over its field size limit (often an unclosed quote that ate
    # the rest of the file); such a file goes to it for the same message.
    limit = csv.field_size_limit()
    if any((pc.max(pc.binary_length(c)).as_py() or 0) > limit for c in raw_columns):
        return None
    if table.num_rows > MAX_ROWS:
        return _fail(f"Tệp có quá nhiều dòng; tối đa {MAX_ROWS} dòng. Hãy chia nhỏ tệp.")
    for column in raw_columns:
        longest = pc.max(pc.utf8_length(column)).as_py() or 0
        if longest > MAX_CELL_CHARS:
            return None  # csv.reader names the row of the long cell
    columns = [clean_column(c, _clean_cell, False) for c in raw_columns]
    lengths = np.zeros(table.num_rows, dtype=np.int64)
    for column in columns:
        lengths += pc.binary_length(column).to_numpy()
    filled = np.flatnonzero(lengths > 0)
    if not len(filled):
        return _fail("Tệp không có dữ liệu (chỉ có dòng trống).")
    header_at, body = int(filled[0]), filled[1:]
    if not len(body):
        return _fail("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    header = [_clean_header(c[header_at].as_py()) for c in columns]
    if len(body) == table.num_rows - header_at - 1:
        cells = [c.slice(header_at + 1) for c in columns]  # no blank rows: no copy
    else:
        taken = pa.array(body)
        cells = [c.take(taken) for c in columns]
    width = len(cells)
    while width and not header[width - 1] and not pc.any(pc.not_equal(cells[width - 1], "")):
        width -= 1
    names = [h or f"Cột {_column_letter(i)}" for i, h in enumerate(header[:width])]
    frame = pd.DataFrame({i: pd.Series(cells[i], dtype="str") for i in range(width)})
    frame.columns = names
    frame.insert(0, ROW_COLUMN, pd.Series(body + 1, dtype="int64"))
    frame.attrs["header_row"] = header_at + 1
    return frame, []


def _decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Decode text bytes the way Vietnamese Excel writes them; return (text, problem)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError:
                return None, Problem(
                    None,
                    None,
                    "Tệp có ký tự lỗi, không đọc được. Hãy mở bằng Excel và lưu lại dạng "
                    "“CSV UTF-8 (Comma delimited)”.",
                )
    for magic, kind in _SIGNATURES.items():
        if data.startswith(magic):
            return None, Problem(
                None,
                None,
                f"Tệp này không phải CSV mà là {kind}. Hãy tải lên đúng tệp, "
                "hoặc đổi đúng đuôi tệp (.xlsx) nếu đó là tệp Excel.",
            )
    head = data[:4096]
    if b"\x00" in head:
        # Excel "Unicode text" without its BOM: every other byte of ASCII text is NUL.
        odd, even = head[1::2].count(0), head[0::2].count(0)
        guess = (
            "utf-16-le" if odd > len(head) // 4 else "utf-16-be" if even > len(head) // 4 else ""
        )
        try:
            text = data.decode(guess) if guess else None
        except UnicodeDecodeError:
            text = None
        if text and _looks_textual(text):
            return text, None
        return None, Problem(None, None, _BINARY)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _damaged_utf8_line(data, exc.start)
        if line is not None:
            return None, Problem(
                line,
                None,
                "Có ký tự lỗi (không đúng mã UTF-8) trong dòng này; các dòng khác đọc được. "
                "Hãy sửa ô đó hoặc lưu lại tệp dạng “CSV UTF-8 (Comma delimited)”.",
            )
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            return None, Problem(
                None,
                None,
                "Không nhận ra bảng mã của tệp. Hãy mở bằng Excel và lưu lại dạng "
                "“CSV UTF-8 (Comma delimited)”.",
            )
    if _looks_textual(text):
        return text, None
    return None, Problem(None, None, _BINARY)


def _damaged_utf8_line(data: bytes, first_bad: int) -> int | None:
    """Return the line of the first bad byte if the file is UTF-8 apart from a few bytes."""
    # Decoding such a file as cp1258 would turn every Vietnamese letter into mojibake.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return data.count(b"\n", 0, first_bad) + 1 if good >= 10 * bad else None


def _looks_textual(text: str) -> bool:
    sample = text[:20000]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    return controls <= len(sample) // 100


def _sniff_separator(text: str, default: str) -> str:
    """Pick the separator among , ; tab that splits the first records most consistently."""
    sample = text[:65536]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_key = default, (False, 0.0, 0)
    for sep in _SEPARATORS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=sep)]
        except csv.Error:
            continue
        counts = [len(r) for r in rows if r][:50]
        if not counts:
            continue
        consistency = Counter(counts).most_common(1)[0][1] / len(counts)
        key = (counts[0] > 1, round(consistency, 1), counts[0])
        if key[0] and key > best_key:
            best, best_key = sep, key
    return best


def _read_xlsx(data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    import openpyxl

    corrupt = "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở bằng Excel và lưu lại."
    rows: list[list[str]] = []
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML, key and value errors alike on bad files
        return _fail(corrupt)
    try:
        if not wb.worksheets:
            return _fail("Tệp Excel không có trang tính nào.")
        ws = wb.worksheets[0]
        # Some tools write a wrong <dimension>; read-only mode would cut columns to it.
        ws.reset_dimensions()
        for values in ws.iter_rows(values_only=True):
            cells = [_excel_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
            problem = _too_big(len(rows), cells, MAX_XLSX_ROWS)
            if problem:
                return _fail(problem)
    except Exception:
        return _fail(corrupt)
    finally:
        wb.close()
    return _build_frame(rows)


def _too_big(row: int, cells: list[str], max_rows: int = MAX_ROWS) -> str | None:
    """Why a table import stops at this row (too many rows, columns or a too long cell)."""
    width = len(cells)
    while width and not cells[width - 1]:  # empty cells after the last value do not count
        width -= 1
    if row > max_rows:
        return f"Tệp có quá nhiều dòng; tối đa {max_rows} dòng. Hãy chia nhỏ tệp."
    if len(cells) > MAX_COLUMNS:
        return f"Dòng {row} có {len(cells)} cột; tối đa {MAX_COLUMNS} cột. Hãy xoá các cột thừa."
    longest = max(map(len, cells), default=0)
    if longest > MAX_CELL_CHARS:
        return f"Dòng {row}: ô quá dài ({longest} ký tự); mỗi ô tối đa {MAX_CELL_CHARS} ký tự."
    return None


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


def _clean_cell(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip().strip("\ufeff\u200b").strip()


def _clean_header(value: str) -> str:
    return " ".join(_clean_cell(value).split())


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _build_frame(rows: list[list[str]]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Turn raw rows into a DataFrame: header from the first non-blank row, blank rows dropped."""
    numbered = [
        (number, cells)
        for number, raw in enumerate(rows, start=1)
        if any(cells := [_clean_cell(c) for c in raw])
    ]
    if not numbered:
        return _fail("Tệp không có dữ liệu (chỉ có dòng trống).")
    (header_row, header), body = numbered[0], numbered[1:]
    if not body:
        return _fail("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    width = max(len(cells) for _, cells in numbered)
    header = [_clean_header(h) for h in header] + [""] * (width - len(header))
    body_cells = [cells + [""] * (width - len(cells)) for _, cells in body]
    while width and not header[width - 1] and not any(r[width - 1] for r in body_cells):
        width -= 1
    names = [h or f"Cột {_column_letter(i)}" for i, h in enumerate(header[:width])]
    frame = pd.DataFrame([r[:width] for r in body_cells], columns=names, dtype="str")
    frame.insert(0, ROW_COLUMN, pd.Series([n for n, _ in body], dtype="int64"))
    frame.attrs["header_row"] = header_row
    return frame, []


def normalize_header(h: str) -> str:
    """Return the matching key of a header: folded, spaces as '_' ("Mã SKKN" → "ma_skkn")."""
    # Templates often mark required columns with "*" or "(*)", or end headers with ":".
    return fold(_HEADER_MARKERS.sub("", h or "")).replace(" ", "_")


def _spec_keys(specs: list[ColumnSpec]) -> dict[str, ColumnSpec]:
    keys: dict[str, ColumnSpec] = {}
    for spec in specs:
        for alias in (spec.name, spec.label, *spec.aliases):
            keys.setdefault(normalize_header(alias), spec)
    return keys


def map_columns(
    df: pd.DataFrame, specs: list[ColumnSpec]
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Rename columns to the specs' canonical names; report missing required and duplicates."""
    keys = _spec_keys(specs)
    required = {s.name for s in specs if s.required}

    def matched(headers: list[str]) -> set[str]:
        return {keys[k].name for h in headers if (k := normalize_header(h)) in keys}

    positions = [i for i, c in enumerate(df.columns) if c != ROW_COLUMN]
    data_columns = [str(df.columns[i]) for i in positions]
    header_row = df.attrs.get("header_row", 1)
    if not required <= matched(data_columns) and ROW_COLUMN in df.columns:
        # A title row ("DANH SÁCH SKKN NĂM 2024") often sits above the real header row.
        for pos in range(min(10, len(df))):
            cells = [_clean_header(str(df.iat[pos, i])) for i in positions]
            if required <= matched(cells) and len(matched(cells)) > len(matched(data_columns)):
                header_row = int(df[ROW_COLUMN].iloc[pos])
                columns = list(df.columns)
                for n, i in enumerate(positions):
                    columns[i] = cells[n] or f"Cột {_column_letter(n)}"
                df = df.iloc[pos + 1 :].copy()
                df.columns = columns
                data_columns = [columns[i] for i in positions]
                break

    problems: list[Problem] = []
    found: dict[str, list[str]] = {}
    for column in data_columns:
        spec = keys.get(normalize_header(column))
        if spec is not None:
            found.setdefault(spec.name, []).append(column)
    for spec in specs:
        columns = found.get(spec.name, [])
        if len(columns) > 1:
            listed = ", ".join(f"“{c}”" for c in columns)
            problems.append(
                Problem(
                    header_row,
                    spec.label,
                    f"Có {len(columns)} cột cùng là “{spec.label}” ({listed}). "
                    "Hãy xoá bớt để chỉ còn một cột.",
                )
            )
        elif not columns and spec.required:
            present = ", ".join(f"“{c}”" for c in data_columns) or "(không có)"
            problems.append(
                Problem(
                    header_row,
                    spec.label,
                    f"Thiếu cột bắt buộc “{spec.label}”. Các cột đang có: {present}.",
                )
            )
    if problems:
        return None, problems

    renamed = {cols[0]: name for name, cols in found.items()}
    out = df.rename(columns=renamed)
    for spec in specs:
        if spec.name not in out.columns:
            out[spec.name] = pd.Series([""] * len(out), index=out.index, dtype="str")
    out = out.reset_index(drop=True)
    out.attrs["header_row"] = header_row
    return out, []


def _make_date(day: int, month: int, year: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(s: str) -> tuple[dt.date | None, str | None]:
    """Parse dd/mm/yyyy, d/m/yy, dd-mm-yyyy, ISO or an Excel serial; "" gives (None, None)."""
    text = " ".join(unicodedata.normalize("NFC", s or "").split())
    if not text:
        return None, None
    value: dt.date | None = None
    if m := _DATE_ISO.fullmatch(text):
        value = _make_date(int(m[3]), int(m[2]), int(m[1]))
    elif m := _DATE_DMY.fullmatch(text):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        value = _make_date(int(m[1]), int(m[2]), year)
    elif m := _DATE_WORDS.fullmatch(text):
        value = _make_date(int(m[1]), int(m[2]), int(m[3]))
    elif _SERIAL.fullmatch(text):
        serial = int(float(text))
        if _SERIAL_MIN <= serial <= _SERIAL_MAX:
            value = _EXCEL_EPOCH + dt.timedelta(days=serial)
    if value is None:
        return None, f"Ngày “{text}” không hợp lệ. Hãy ghi dạng ngày/tháng/năm, ví dụ 27/03/2024."
    return value, None


def parse_number(s: str) -> tuple[Decimal | None, str | None]:
    """Parse a number written with one decimal separator, comma or dot ("8,5"); "" gives None."""
    text = "".join(unicodedata.normalize("NFC", s or "").split())
    if not text:
        return None, None
    if not _NUMBER.fullmatch(text):
        return None, (
            f"“{text}” không phải là số. Hãy ghi số, phần thập phân dùng dấu phẩy "
            "hoặc dấu chấm, ví dụ 8,5."
        )
    try:
        return Decimal(text.replace(",", ".")), None
    except InvalidOperation:  # unreachable after the regex, kept so bad input never raises
        return None, f"“{text}” không phải là số."
