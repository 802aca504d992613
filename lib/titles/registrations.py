"""Đăng ký thi đua: each person's target title and SKKN, each tổ's collective title."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.access.permissions import User, can_manage_titles, why_cannot_edit_registration
from lib.core import audit
from lib.core.db import Connection, transactional
from lib.core.errors import Invalid
from lib.core.text import nfc, vn_key, vn_name_key
from lib.titles import skkn
from lib.titles.rules import GROUP_TITLES, PERSON_TITLES, check_school_year, ensure_year


@dataclass(frozen=True)
class Registration:
    """A person's registration for a school year."""

    school_year: str
    person_id: int
    title: str  # LDTT or CSTDCS
    skkn_title: str
    skkn_field: str
    entry_id: int | None


def registration_open(con: Connection, school_year: str) -> bool:
    """Tell whether staff may still register for the year (a year never set up is open)."""
    row = con.execute(
        "SELECT registration_open FROM title_years WHERE school_year = ?", [school_year]
    ).fetchone()
    return True if row is None else bool(row[0])


@transactional
def set_registration_open(
    con: Connection, user: User | None, school_year: str, is_open: bool
) -> None:
    """Open or close the year's registration (admins only)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ mở hoặc đóng đăng ký thi đua."})
    assert user is not None
    year = ensure_year(con, school_year, user.username)
    con.execute(
        "UPDATE title_years SET registration_open = ?, updated_by = ?, "
        "updated_at = current_localtimestamp() WHERE school_year = ?",
        [is_open, user.username, year],
    )
    audit.record(con, user.username, "open" if is_open else "close", "registration", year)


def get_registration(con: Connection, school_year: str, person_id: int) -> Registration | None:
    """The person's registration for the year, or None."""
    row = con.execute(
        "SELECT school_year, person_id, title, skkn_title, skkn_field, entry_id "
        "FROM title_registrations WHERE school_year = ? AND person_id = ?",
        [school_year, person_id],
    ).fetchone()
    return Registration(*row) if row else None


def _person(con: Connection, person_id: int) -> tuple[str, str]:
    row = con.execute(
        "SELECT full_name, group_name FROM people WHERE id = ?", [person_id]
    ).fetchone()
    if row is None:
        raise Invalid({"person": f"Không có cán bộ số {person_id}."})
    return row[0], row[1]


@transactional
def save_registration(
    con: Connection,
    user: User | None,
    school_year: str,
    person_id: int,
    title: str,
    skkn_title: str = "",
    skkn_field: str = "",
    *,
    is_demo: bool = False,
) -> Registration:
    """Write a person's registration: their own while open, anyone's for an admin."""
    year = check_school_year(school_year)
    name, _ = _person(con, person_id)
    errors: dict[str, str] = {}
    refused = why_cannot_edit_registration(user, person_id, registration_open(con, year))
    if refused:
        raise Invalid({"user": refused})
    assert user is not None
    if title not in PERSON_TITLES:
        errors["title"] = f"Danh hiệu '{title}' không đăng ký được (chỉ nhận: LĐTT, CSTĐCS)."
    skkn_title, skkn_field = nfc(skkn_title or ""), nfc(skkn_field or "")
    if skkn_field and not skkn_title:
        errors["skkn_title"] = "Có lĩnh vực thì hãy nhập cả tên SKKN."
    if len(skkn_title) > 500:
        errors["skkn_title"] = "Tên SKKN dài quá 500 ký tự."
    before = get_registration(con, year, person_id)
    if before and before.entry_id is not None and skkn_title != before.skkn_title:
        errors["skkn_title"] = (
            'SKKN này đã được đưa vào đợt chấm: sửa tên SKKN ở trang "SKKN và phân công".'
        )
    if errors:
        raise Invalid(errors)
    ensure_year(con, year, user.username)
    con.execute(
        "INSERT INTO title_registrations (school_year, person_id, title, skkn_title, skkn_field, "
        " is_demo, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (school_year, person_id) DO UPDATE SET title = excluded.title, "
        " skkn_title = excluded.skkn_title, skkn_field = excluded.skkn_field, "
        " updated_by = excluded.updated_by, updated_at = current_localtimestamp()",
        [year, person_id, title, skkn_title, skkn_field, is_demo, user.username],
    )
    after = get_registration(con, year, person_id)
    assert after is not None
    audit.record(con, user.username, "register", "registration", f"{year}:{person_id}",
                 before.__dict__ if before else None, after.__dict__)  # fmt: skip
    return after


@transactional
def withdraw_registration(
    con: Connection, user: User | None, school_year: str, person_id: int
) -> None:
    """Remove a person's registration (same rule as writing it)."""
    year = check_school_year(school_year)
    refused = why_cannot_edit_registration(user, person_id, registration_open(con, year))
    if refused:
        raise Invalid({"user": refused})
    assert user is not None
    before = get_registration(con, year, person_id)
    if before is None:
        return
    con.execute(
        "DELETE FROM title_registrations WHERE school_year = ? AND person_id = ?",
        [year, person_id],
    )
    audit.record(con, user.username, "withdraw", "registration", f"{year}:{person_id}",
                 before.__dict__)  # fmt: skip


def registrations_table(con: Connection, school_year: str) -> pd.DataFrame:
    """Every person with their registration for the year (empty title: not registered).

    Columns: person_id, full_name, group_name, username, title, skkn_title, skkn_field,
    entry_id, registered."""
    df = con.execute(
        "SELECT p.id AS person_id, p.full_name, p.group_name, u.username, "
        "       coalesce(r.title, '') AS title, coalesce(r.skkn_title, '') AS skkn_title, "
        "       coalesce(r.skkn_field, '') AS skkn_field, r.entry_id "
        "FROM people p LEFT JOIN users u ON u.person_id = p.id "
        "LEFT JOIN title_registrations r ON r.person_id = p.id AND r.school_year = ?",
        [school_year],
    ).df()
    df["registered"] = df["title"] != ""
    order = sorted(range(len(df)), key=lambda i: vn_name_key(df["full_name"].iloc[i]))
    return df.iloc[order].reset_index(drop=True)


def unregistered(con: Connection, school_year: str) -> pd.DataFrame:
    """The people who have not registered for the year."""
    df = registrations_table(con, school_year)
    return df[~df["registered"]][["person_id", "full_name", "group_name"]].reset_index(drop=True)


def group_names(con: Connection) -> list[str]:
    """The school's tổ (every group a person belongs to), in Vietnamese order."""
    rows = con.execute("SELECT DISTINCT group_name FROM people WHERE group_name <> ''").fetchall()
    return sorted((r[0] for r in rows), key=vn_key)


@transactional
def save_group_registration(
    con: Connection,
    user: User | None,
    school_year: str,
    group_name: str,
    title: str | None,
    *,
    is_demo: bool = False,
) -> None:
    """Register a tổ's collective title for the year, or with None remove it (admins only)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ đăng ký danh hiệu tập thể."})
    assert user is not None
    year = check_school_year(school_year)
    group = nfc(group_name or "")
    if group not in group_names(con):
        raise Invalid({"group": f"Không có tổ '{group_name}' trong danh sách cán bộ."})
    if title is None:
        con.execute(
            "DELETE FROM group_registrations WHERE school_year = ? AND group_name = ?",
            [year, group],
        )
        audit.record(con, user.username, "withdraw", "group_registration", f"{year}:{group}")
        return
    if title not in GROUP_TITLES:
        raise Invalid(
            {"title": f"Danh hiệu '{title}' không phải danh hiệu tập thể (TTLĐTT, TTLĐXS)."}
        )
    ensure_year(con, year, user.username)
    con.execute(
        "INSERT INTO group_registrations (school_year, group_name, title, is_demo, updated_by) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (school_year, group_name) DO UPDATE SET "
        "title = excluded.title, updated_by = excluded.updated_by, "
        "updated_at = current_localtimestamp()",
        [year, group, title, is_demo, user.username],
    )
    audit.record(con, user.username, "register", "group_registration", f"{year}:{group}",
                 None, title)  # fmt: skip


def group_registrations(con: Connection, school_year: str) -> dict[str, str]:
    """Tổ -> registered collective title for the year."""
    rows = con.execute(
        "SELECT group_name, title FROM group_registrations WHERE school_year = ?", [school_year]
    ).fetchall()
    return dict(rows)


@transactional
def make_entry(
    con: Connection, user: User | None, school_year: str, person_id: int, round_id: int
) -> int:
    """Turn a registered SKKN into an entry of an SKKN round of the same year; return its id."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ đưa SKKN vào đợt chấm."})
    assert user is not None
    year = check_school_year(school_year)
    reg = get_registration(con, year, person_id)
    name, _ = _person(con, person_id)
    if reg is None or not reg.skkn_title:
        raise Invalid({"skkn": f"{name} chưa đăng ký SKKN trong năm học {year}."})
    if reg.entry_id is not None:
        raise Invalid({"skkn": f"SKKN của {name} đã có trong đợt chấm (số SKKN {reg.entry_id})."})
    round_school_year, label = skkn.round_year(con, round_id)
    if round_school_year and round_school_year != year:
        raise Invalid({"round": f"Đợt chấm {label} không thuộc năm học {year}."})
    entry_id = skkn.register_entry(
        con, round_id, user.username, person_id, name, reg.skkn_title, reg.skkn_field
    )
    con.execute(
        "UPDATE title_registrations SET entry_id = ? WHERE school_year = ? AND person_id = ?",
        [entry_id, year, person_id],
    )
    audit.record(con, user.username, "to_round", "registration", f"{year}:{person_id}",
                 None, {"round_id": round_id, "entry_id": entry_id})  # fmt: skip
    return entry_id


def pending_entries(con: Connection, school_year: str) -> pd.DataFrame:
    """Registered SKKN of the year not yet entered in a round."""
    df = registrations_table(con, school_year)
    keep = (df["skkn_title"] != "") & df["entry_id"].isna()
    return df[keep][["person_id", "full_name", "group_name", "skkn_title", "skkn_field"]]


def summary_table(con: Connection, school_year: str) -> pd.DataFrame:
    """Bảng tổng hợp đăng ký: every person and tổ with the registered title, Vietnamese headers."""
    df = registrations_table(con, school_year)
    people = pd.DataFrame(
        {
            "Họ và tên": df["full_name"],
            "Tổ": df["group_name"],
            "Danh hiệu đăng ký": [PERSON_TITLES.get(t, "Chưa đăng ký") for t in df["title"]],
            "Tên SKKN": df["skkn_title"],
            "Lĩnh vực": df["skkn_field"],
        }
    )
    groups = group_registrations(con, school_year)
    collective = pd.DataFrame(
        {
            "Họ và tên": group_names(con),
            "Tổ": group_names(con),
            "Danh hiệu đăng ký": [
                GROUP_TITLES.get(groups.get(g, ""), "Chưa đăng ký") for g in group_names(con)
            ],
            "Tên SKKN": "",
            "Lĩnh vực": "",
        }
    )
    return pd.concat([people, collective], ignore_index=True)
