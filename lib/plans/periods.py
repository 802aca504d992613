"""Parse the free-text period labels of Vietnamese plans ("Tháng 5/2024", "Quý I/2025")."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from lib.core.text import fold


@dataclass(frozen=True)
class Period:
    """A task's time span; start is None for a pure deadline such as "Trước tháng 6/2024"."""

    start: date | None
    due: date | None
    kind: str  # month, before, range, quarter, semester, school_year, year, ongoing, date


Handler = Callable[[re.Match[str], int | None, int | None], "Period | None"]

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ONGOING_WORD = r"(?:thuong xuyen|hang thang|hang tuan|hang ngay|hang quy|lien tuc|dinh ky)"

# Rewrites applied in order to the folded label, so the pattern tables see one spelling.
_REWRITES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\u2010-\u2015\u2212]"), "-"),  # en/em dashes typed by word processors
    (re.compile(r"^[\s\-+*\u2022\u00b7]+|[\s.;:,]+$"), ""),  # list bullets, trailing punctuation
    (re.compile(r"^trong "), ""),  # "Trong tháng 9/2024" means the same as "Tháng 9/2024"
    (re.compile(r"\s*([/,\-])\s*"), r"\1"),  # "Tháng 10/ 2024", "2024 - 2025"
    (re.compile(r"\b(?:thang|t)\.?\s*(?=\d)"), "thang "),  # "T5/2024", "tháng5"
    (re.compile(r"(?<=[\divx])\s+nam\s+(?=\d{4}\b)"), "/"),  # "tháng 5 năm 2024", "Quý IV năm 2024"
    (re.compile(r"\bngay (\d{1,2}) thang (\d{1,2})\b"), r"ngay \1/\2"),  # "ngày 20 tháng 11"
]


def school_year_bounds(first_year: int) -> tuple[date, date]:
    """Return the first and last day of the school year that starts in first_year."""
    return date(first_year, 9, 1), date(first_year + 1, 5, 31)


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _month_year(month: int, year: int | None, school_year: int | None) -> int | None:
    """Calendar year of a month written without one; None when the context does not say."""
    if year is not None:
        return year
    if school_year is not None:
        # September to December open the school year; later months fall in the next calendar year.
        return school_year if month >= 9 else school_year + 1
    return None


def _school_year(first: str | None, second: str | None, context: int | None) -> int | None:
    """First year of "2024-2025" (or "2024-25"); None when the two years are not consecutive."""
    if first is None:
        return context
    start = int(first)
    expected = start + 1 if len(second or "") == 4 else (start + 1) % 100
    return start if second is not None and int(second) == expected else None


def _number(token: str) -> int:
    return _ROMAN[token] if token in _ROMAN else int(token)


def _day(day: int, month: int, year: int | None) -> Period | None:
    if year is None:
        return None
    value = date(year, month, day)
    return Period(value, value, "date")


def _full_date(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    return _day(int(m["d"]), int(m["m"]), int(m["y"]))


def _partial_date(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    month = int(m["m"])
    return _day(int(m["d"]), month, _month_year(month, year, school_year))


def _month(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    month = int(m["m"])
    if not m["word"] and not m["y"]:
        return None  # a bare number such as "5" is not a period
    y = int(m["y"]) if m["y"] else _month_year(month, year, school_year)
    return None if y is None else Period(*_month_bounds(y, month), "month")


def _months(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    months = [int(part) for part in re.split(r"[,-]", m["ms"])]
    years = [int(m["y"]) if m["y"] else _month_year(mo, year, school_year) for mo in months]
    if None in years or months != sorted(months):
        return None  # "Tháng 12-1/2025" crosses a year end; the range form resolves it
    start, due = _month_bounds(years[0], months[0])[0], _month_bounds(years[-1], months[-1])[1]
    return Period(start, due, "range") if start <= due else None


def _quarter(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    quarter, y = _number(m["q"]), int(m["y"]) if m["y"] else year
    if y is None:
        return None
    return Period(_month_bounds(y, quarter * 3 - 2)[0], _month_bounds(y, quarter * 3)[1], "quarter")


def _semester(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    y = _school_year(m["y1"], m["y2"], school_year)
    if y is None:
        return None
    if _number(m["s"]) == 1:
        return Period(date(y, 9, 1), date(y + 1, 1, 15), "semester")
    return Period(date(y + 1, 1, 16), date(y + 1, 5, 31), "semester")


def _whole_school_year(
    m: re.Match[str], year: int | None, school_year: int | None
) -> Period | None:
    y = _school_year(m["y1"], m["y2"], school_year)
    return None if y is None else Period(*school_year_bounds(y), "school_year")


def _calendar_year(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    written = m["y"] or m["y2"]
    y = int(written) if written else year
    return None if y is None else Period(date(y, 1, 1), date(y, 12, 31), "year")


def _ongoing(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    if school_year is not None:
        return Period(*school_year_bounds(school_year), "ongoing")
    return None if year is None else Period(date(year, 1, 1), date(year, 12, 31), "ongoing")


_YEARS = r"(?P<y1>\d{4})-(?P<y2>\d{4}|\d{2})"

# Labels naming one span; each pattern must match the whole normalised label.
_POINTS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"(?:ngay )?(?P<d>\d{1,2})([/.-])(?P<m>\d{1,2})\2(?P<y>\d{4})"), _full_date),
    (re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"), _full_date),
    (re.compile(r"(?:ngay )?(?P<d>\d{1,2})/(?P<m>\d{1,2})"), _partial_date),
    (re.compile(r"(?P<word>thang )?(?P<m>\d{1,2})(?:[/-](?P<y>\d{4}))?"), _month),
    (re.compile(r"thang (?P<ms>\d{1,2}(?:[,-]\d{1,2})+)(?:[/-](?P<y>\d{4}))?"), _months),
    (re.compile(r"quy (?P<q>iv|i{1,3}|[1-4])(?:[/-](?P<y>\d{4}))?"), _quarter),
    (
        re.compile(rf"(?:hoc ky|hk) ?(?P<s>ii|i|[12])(?:[ /,-]*(?:nam hoc )?{_YEARS})?"),
        _semester,
    ),
    (re.compile(rf"(?:ca )?nam hoc(?: {_YEARS})?"), _whole_school_year),
    (re.compile(r"ca nam(?: (?P<y>\d{4}))?|nam (?P<y2>\d{4})"), _calendar_year),
    (re.compile(rf"{_ONGOING_WORD}(?:(?:,| va | ){_ONGOING_WORD})*"), _ongoing),
]


def _point(text: str, year: int | None, school_year: int | None) -> Period | None:
    for pattern, handler in _POINTS:
        if (m := pattern.fullmatch(text)) is not None:
            try:
                if (period := handler(m, year, school_year)) is not None:
                    return period
            except ValueError:  # month 13, day 32 and the like
                return None
    return None


def _endpoint(text: str, year: int | None = None, school_year: int | None = None) -> Period | None:
    """A span that may open or close a range: anything but an ongoing label."""
    period = _point(text, year, school_year)
    return period if period is not None and period.kind != "ongoing" else None


def _in_year(
    text: str, year: int, step: int, fits: Callable[[Period], bool]
) -> tuple[Period | None, bool]:
    """Parse a year-less endpoint in that year, or a year on when out of order; flag the roll."""
    period = _endpoint(text, year)
    if period is None or fits(period):
        return period, False
    return _endpoint(text, year + step), True


def _span(a: str, b: str, year: int | None, school_year: int | None) -> Period | None:
    left, right = _endpoint(a), _endpoint(b)
    rolled = False
    # A side written without its year takes it from the other side ("Tháng 12 - 1/2025").
    if left is None and right is not None:
        left, rolled = _in_year(a, right.due.year, -1, lambda p: p.start <= right.due)
    elif right is None and left is not None:
        right, rolled = _in_year(b, left.start.year, +1, lambda p: p.due >= left.start)
    elif left is None and right is None:
        left, right = _endpoint(a, year, school_year), _endpoint(b, year, school_year)
        if left and right and right.due < left.start and school_year is None and year:
            right, rolled = _endpoint(b, year + 1), True  # "Từ tháng 9 đến tháng 5" crosses 1/1
    if left is None or right is None or right.due < left.start:
        return None
    months = (right.due.year - left.start.year) * 12 + right.due.month - left.start.month
    if rolled and months >= 11:
        return None  # "Tháng 10-9/2024" wrapping into a whole year is likelier a typo than a plan
    return Period(left.start, right.due, "range")


_RANGE_SEP = re.compile(r"\s*(?:[-,;~]|\b(?:den het|den|toi|va)\b)\s*")


def _range(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    body = m["body"]
    # "-" also separates date parts, so try every separator until both sides make sense.
    for sep in _RANGE_SEP.finditer(body):
        a, b = body[: sep.start()], body[sep.end() :]
        if a and b and (period := _span(a, b, year, school_year)) is not None:
            return period
    return None


def _before(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    inner = _endpoint(m["body"], year, school_year)
    if inner is None:
        return None
    # "Trước ngày 20/11" is a deadline on that day; "Trước tháng 6" ends with the previous month.
    due = inner.due if inner.kind == "date" else inner.start - timedelta(days=1)
    return Period(None, due, "before")


def _by(m: re.Match[str], year: int | None, school_year: int | None) -> Period | None:
    inner = _endpoint(m["body"], year, school_year)
    return None if inner is None else Period(None, inner.due, "before")


# Labels built around other labels, tried after _POINTS.
_FORMS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"truoc (?:ngay )?(?P<body>.+)"), _before),
    (re.compile(r"(?:cham nhat|muon nhat|han chot)(?: vao)?(?: ngay)? (?P<body>.+)"), _by),
    (re.compile(r"(?:tu )?(?P<body>.+)"), _range),
]


def normalize_label(label: str) -> str:
    """Return the folded, canonically spaced form of a period label that the patterns expect."""
    text = fold(label or "")
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text


def parse_period(
    label: str, *, year: int | None = None, school_year: int | None = None
) -> Period | None:
    """Derive start and due dates from a period label; None when the label cannot be understood."""
    text = normalize_label(label)
    if not text:
        return None
    if (period := _point(text, year, school_year)) is not None:
        return period
    for pattern, handler in _FORMS:
        if (m := pattern.fullmatch(text)) is not None:
            try:
                if (period := handler(m, year, school_year)) is not None:
                    return period
            except ValueError:
                return None
    return None


def derive_dates(
    label: str,
    *,
    year: int | None = None,
    school_year: int | None = None,
    fallback_start: date | None = None,
) -> tuple[date | None, date | None]:
    """Return (start, due) for a label, starting a pure deadline at fallback_start when it fits."""
    period = parse_period(label, year=year, school_year=school_year)
    if period is None:
        return None, None
    start = period.start
    if start is None and period.due is not None and fallback_start is not None:
        # The plan's issue date is a fair start for "Trước tháng 6", unless it is already late.
        start = fallback_start if fallback_start <= period.due else None
    return start, period.due
