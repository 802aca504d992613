"""Dates as Vietnamese files write them, parsed with a Vietnamese refusal."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serials accepted as dates: 01/01/1950 .. 31/12/2100 (birth dates to far deadlines).
_SERIAL_MIN, _SERIAL_MAX = 18264, 73415
_DATE_DMY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DATE_WORDS = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


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
