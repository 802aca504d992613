"""Numbers the Vietnamese way: a decimal comma (0,5; ,5 and 0.5 read alike), shown as 0,5."""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal

from lib.core.text import nfc

# The same in charts (Vega's number locale: axis labels, tooltips): 0,5 and 1.234.
CHART_LOCALE = {"number": {"decimal": ",", "thousands": ".", "grouping": [3],
                           "currency": ["", " ₫"]}}  # fmt: skip
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


def parse_number(value: object) -> Decimal | None:
    """Return the value as a Decimal (decimal comma accepted), None if empty; ValueError if not."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(value)
        return value
    if isinstance(value, numbers.Real):
        # pandas writes empty cells as NaN; they mean "not entered", not a bad value.
        if isinstance(value, float) and math.isnan(value):
            return None
        if not math.isfinite(value):
            raise ValueError(value)
        # str() gives the shortest repr, so 2.675 stays 2.675 instead of 2.67499999…
        return Decimal(str(value))
    if isinstance(value, str):
        text = nfc(value).replace(" ", "")
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            raise ValueError(value)
        return Decimal(text.replace(",", "."))
    raise ValueError(value)


def format_number(value: object) -> str:
    """Format a number the Vietnamese way: decimal comma, no trailing zeros (19,5; 20; 0,25)."""
    number = value if isinstance(value, Decimal) else parse_number(value)
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text.replace(".", ",")
