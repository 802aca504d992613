"""Text uploads decoded the way Vietnamese Excel writes them, and their separator found."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import Counter

from lib.io.uploads import Problem

_SEPARATORS = (",", ";", "\t")
# Magic numbers of files that secretaries sometimes rename to .csv by mistake.
_SIGNATURES = {
    b"PK\x03\x04": "tệp nén (thường là Excel .xlsx hoặc Word .docx)",
    b"\xd0\xcf\x11\xe0": "tệp Office cũ (.xls / .doc)",
    b"%PDF": "tệp PDF",
}
_BINARY = (
    "Tệp không phải văn bản CSV (có vẻ là tệp nhị phân). "
    "Hãy tải lên tệp .csv lưu từ Excel hoặc tệp .xlsx."
)


def decode(data: bytes) -> tuple[str | None, Problem | None]:
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


def sniff_separator(text: str, default: str) -> str:
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


def utf8_bytes(data: bytes, text: str) -> bytes | memoryview | None:
    """The file's own bytes when `text` is their UTF-8 decoding, sparing a re-encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return memoryview(data)[3:]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        return None
    # decode tries UTF-8 first; cp1258 would give one character per byte.
    return data if len(text) < len(data) or data.isascii() else None
