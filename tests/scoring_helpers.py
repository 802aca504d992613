"""Helpers for the scoring tests: a demo database with a round, entries and examiners."""

from __future__ import annotations

from decimal import Decimal

from lib.access import users
from lib.access.users import NewUser
from lib.scoring import rounds
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


def add_examiner(con, username: str, full_name: str, group: str = "") -> None:
    users.add_user(con, NewUser(username, full_name, ("examiner",), group_name=group), "test")


def make_round(con, name: str = "Đợt chấm thử", **kw) -> int:
    return rounds.create_round(con, "chutich", name, rubric20(), school_year="2024-2025", **kw)


def add_entry(con, round_id: int, title: str = "Đề tài", author: str = "Vũ Thị Hồng Nhung",
              **kw) -> int:  # fmt: skip
    return rounds.add_entry(
        con, round_id, "chutich", title=title, authors=[{"name": author, "share": 100}], **kw
    )


def user(con, username: str):
    found = users.get_user(con, username)
    assert found is not None
    return found
