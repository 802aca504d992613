"""Office (.xlsx, .docx) uploads checked from their zip directory before any parser opens them."""

from __future__ import annotations

import io
import re
import zipfile

from lib.io.uploads import MAX_COLUMNS, MAX_XLSX_ROWS

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
CORRUPT = {
    "xlsx": "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở bằng Excel và lưu lại.",
    "docx": "Tệp Word bị hỏng hoặc không đúng định dạng .docx. Hãy lưu lại.",
}
# Excel's own maximum: a row with more cells than columns exist was not written by Excel.
_MAX_ROW_CELLS = 16_384
_MAX_XLSX_CELLS = 3_000_000
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")


def check_office_zip(data: bytes, kind: str) -> str | None:
    """Why an .xlsx/.docx upload must not be opened (from its zip directory), or None."""
    name = _KIND_NAMES[kind]
    fake = CORRUPT[kind] + " (Tệp là một tệp nén khác được đổi đuôi, không có nội dung chính.)"
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
        return CORRUPT[kind]
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
