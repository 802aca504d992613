"""Thông tin đơn vị: the school's own letterhead facts, stored in the settings table."""

from __future__ import annotations

from dataclasses import dataclass, fields

from lib.core import audit
from lib.core.db import Connection, get_setting, set_setting, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc

PREFIX = "org."

# field -> (label shown to the council, required before a document can be issued)
FIELDS: dict[str, tuple[str, bool]] = {
    "school_name": ("Tên đơn vị", True),
    "governing_body": ("Cơ quan chủ quản", True),
    "place": ("Địa danh (ghi ở dòng ngày tháng)", True),
    "code": ("Chữ viết tắt tên đơn vị (trong số văn bản, vd. MNAS)", True),
    "head_name": ("Thủ trưởng đơn vị (họ và tên)", True),
    "head_title": ("Chức vụ thủ trưởng", True),
    "address": ("Địa chỉ", False),
}


@dataclass(frozen=True)
class Organization:
    """Who issues the council's documents: the school, its governing body, place and head."""

    school_name: str = ""
    governing_body: str = ""  # free text: Hà Nội reorganised district level on 01/7/2025
    place: str = ""
    code: str = ""
    head_name: str = ""
    head_title: str = ""
    address: str = ""

    def missing(self) -> list[str]:
        """Labels of the required fields still empty."""
        return [FIELDS[f.name][0] for f in fields(self)
                if FIELDS[f.name][1] and not getattr(self, f.name)]  # fmt: skip


def get(con: Connection) -> Organization:
    """The stored organization (empty strings where nothing was set)."""
    return Organization(**{name: get_setting(con, PREFIX + name) or "" for name in FIELDS})


def require(con: Connection) -> Organization:
    """The stored organization, refused when a field a letterhead needs is empty."""
    org = get(con)
    missing = org.missing()
    if missing:
        raise Invalid(
            {"organization": "Chưa khai báo Thông tin đơn vị (trang Thông tin đơn vị hoặc "
             f"`python -m lib.cli org set`): thiếu {', '.join(missing)}."}
        )  # fmt: skip
    return org


def update(con: Connection, actor: str, **values: str) -> Organization:
    """Change some fields (others kept); every error named by field, nothing written on one."""
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for name, value in values.items():
        if name not in FIELDS:
            errors[name] = f"Không có trường '{name}' (chỉ có: {', '.join(FIELDS)})."
            continue
        text = " ".join(nfc(value or "").split())
        if FIELDS[name][1] and not text:
            errors[name] = f"{FIELDS[name][0]}: không được để trống."
        if name == "code" and text and not text.replace("-", "").isalnum():
            errors[name] = f"{FIELDS[name][0]}: chỉ gồm chữ và số, vd. MNAS."
        clean[name] = text.upper() if name == "code" else text
    if errors:
        raise Invalid(errors)
    with transaction(con):
        before = get(con)
        for name, text in clean.items():
            set_setting(con, PREFIX + name, text)
        after = get(con)
        audit.record(con, actor, "update", "organization", "org",
                     before.__dict__, after.__dict__)  # fmt: skip
    return after
