"""The council's clock: times and dates in its own time zone (Asia/Ho_Chi_Minh unless set)."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def zone_name() -> str:
    """The configured time zone ($THIDUA_TIMEZONE), else Vietnam's."""
    name = os.environ.get("THIDUA_TIMEZONE") or DEFAULT_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", name):  # it is written into a SET statement
        return DEFAULT_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_ZONE
    return name


def now() -> datetime:
    """The council's wall-clock time now, naive, as the database stores its timestamps."""
    return datetime.now(ZoneInfo(zone_name())).replace(tzinfo=None)


def today() -> date:
    """The council's date today (not the server's, which may be UTC)."""
    return now().date()


def hhmm(value: datetime | None = None) -> str:
    """A time as 15:42 (now when none is given)."""
    return (value or now()).strftime("%H:%M")


def stamp(value: datetime | None) -> str:
    """A stored timestamp as 15:42 27/03/2024, empty for none."""
    return value.strftime("%H:%M %d/%m/%Y") if value else ""
