"""People of the school: staff, council members and authors of SKKN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.access.identity import name_key
from lib.core.db import Connection
from lib.core.text import nfc, vn_name_key


def add_person(
    con: Connection,
    full_name: str,
    position: str = "",
    group_name: str = "",
    email: str = "",
    start_date: date | None = None,
    is_demo: bool = False,
) -> int:
    """Insert one person and return the new id."""
    row = con.execute(
        "INSERT INTO people (full_name, position, group_name, email, start_date, is_demo) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [nfc(full_name), nfc(position), nfc(group_name), email.strip(), start_date, is_demo],
    ).fetchone()
    assert row is not None
    return int(row[0])


def list_people(con: Connection) -> pd.DataFrame:
    """Every person with their account name if any, sorted by given name the Vietnamese way."""
    df = con.execute(
        "SELECT p.id, p.full_name, p.position, p.group_name, p.email, p.start_date, "
        "       u.username, p.is_demo "
        "FROM people p LEFT JOIN users u ON u.person_id = p.id"
    ).df()
    return df.sort_values("full_name", key=lambda s: s.map(vn_name_key)).reset_index(drop=True)


@dataclass(frozen=True)
class PeopleIndex:
    """Everyone by account name and by written name (diacritics kept), to find a row's person."""

    by_username: dict[str, int]
    by_name: dict[str, list[int]]

    def find(self, username: str, name: str) -> tuple[int | None, tuple[str, str] | None]:
        """The person a file row names (Tên đăng nhập first, else Họ và tên), or (column, why)."""
        if username:
            person = self.by_username.get(username)
            if person is None:
                return None, ("Tên đăng nhập", f"Không có tài khoản “{username}”.")
            return person, None
        if not name:
            return None, ("Họ và tên", "Họ và tên (hoặc tên đăng nhập) đang trống.")
        found = self.by_name.get(name_key(name), [])
        if not found:
            return None, ("Họ và tên", f"Không có cán bộ tên “{name}”.")
        if len(found) > 1:
            return None, (
                "Họ và tên",
                f"Có {len(found)} cán bộ tên “{name}”: hãy ghi tên đăng nhập.",
            )
        return found[0], None


def people_index(con: Connection) -> PeopleIndex:
    """Read everyone once for an import: "Lan" and "Lân" are two people (identity.name_key)."""
    by_name: dict[str, list[int]] = {}
    for pid, full_name in con.execute("SELECT id, full_name FROM people").fetchall():
        by_name.setdefault(name_key(full_name), []).append(int(pid))
    accounts = con.execute(
        "SELECT username, person_id FROM users WHERE person_id IS NOT NULL"
    ).fetchall()
    return PeopleIndex({u: int(p) for u, p in accounts}, by_name)
