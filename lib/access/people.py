"""People of the school: staff, council members and authors of SKKN."""

from __future__ import annotations

from datetime import date

import pandas as pd

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
