"""Helpers for the scoring tests: a demo database with a round, entries and examiners."""

from __future__ import annotations

import functools
from decimal import Decimal

import bcrypt

from lib.access import users
from lib.access.users import NewUser
from lib.scoring import entries, rounds, states
from lib.scoring.rubric import Rubric

TEMPLATE_20 = rounds.TEMPLATE_DIR / "mau-20-diem.yaml"
TEMPLATE_100 = rounds.TEMPLATE_DIR / "mau-100-diem.yaml"


def rubric20() -> Rubric:
    return rounds.load_rubric_file(TEMPLATE_20)


def full_marks(r: Rubric) -> dict[str, Decimal]:
    return {c.code: c.max for c in r.criteria}


def scores_for_total(r: Rubric, total: Decimal | str | int) -> dict[str, Decimal]:
    """Points reaching exactly `total`: criteria filled in order, the rest zero."""
    left = Decimal(str(total))
    values = {}
    for c in r.criteria:
        give = min(c.max, left)
        values[c.code] = give
        left -= give
    assert left == 0
    return values


@functools.cache
def _password_hash() -> str:
    # A real bcrypt hash at the lowest cost: the accounts can log in, and tests stay fast.
    return bcrypt.hashpw(b"mat-khau-thu", bcrypt.gensalt(4)).decode("ascii")


def add_examiner(
    con, username: str, full_name: str, group: str = "", *, password: bool = True, position=""
) -> None:
    """An examiner account; with password=False it cannot log in yet (as an imported one)."""
    users.add_user(
        con, NewUser(username, full_name, ("examiner",), position=position, group_name=group),
        "test",
    )  # fmt: skip
    if password:
        con.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?", [_password_hash(), username]
        )


def make_round(con, name: str = "Đợt chấm thử", confirmed: bool = True, **kw) -> int:
    """A round in preparation; confirmed: the council has confirmed its grade thresholds."""
    rid = rounds.create_round(con, "chutich", name, rubric20(), school_year="2024-2025", **kw)
    if confirmed:
        states.confirm_thresholds(con, rid, "chutich")
    return rid


def add_entry(con, round_id: int, title: str = "Đề tài", author: str = "Vũ Thị Hồng Nhung",
              **kw) -> int:  # fmt: skip
    return entries.add_entry(
        con, round_id, "chutich", title=title, authors=[{"name": author, "share": 100}], **kw
    )


def user(con, username: str):
    found = users.get_user(con, username)
    assert found is not None
    return found
