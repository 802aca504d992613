"""Helpers for the titles tests: a small school, evaluations and a published SKKN round."""

from __future__ import annotations

from datetime import date

from lib.access import users
from lib.access.people import add_person
from lib.access.users import NewUser
from lib.scoring import entries, rounds, states
from lib.scoring.results import set_override
from lib.titles import evaluations
from lib.titles import registrations as reg
from lib.titles.rules import default_yaml, load_rules_yaml

YEAR = "2023-2024"
RUBRIC = rounds.TEMPLATE_DIR / "mau-20-diem.yaml"


def school(con) -> dict[str, int]:
    """An admin, a staff account and two tổ: full name -> person id."""
    users.add_user(con, NewUser("chutich", "Nguyễn Thị Quyên", ("admin", "examiner"),
                                group_name="Ban giám hiệu"), "test")  # fmt: skip
    users.add_user(con, NewUser("an", "Trần Văn An", ("staff",), group_name="Tổ A"), "test")
    ids = {n: p for p, n in con.execute("SELECT id, full_name FROM people").fetchall()}
    for name, group in (
        ("Lê Thị Bình", "Tổ A"),
        ("Phạm Thu Cúc", "Tổ A"),
        ("Đỗ Mai Dung", "Tổ A"),
        ("Vũ Thu Hà", "Tổ B"),
        ("Hoàng Khoa", "Tổ B"),
    ):
        ids[name] = add_person(con, name, "Giáo viên", group)  # fmt: skip
    return ids


def user(con, username: str):
    found = users.get_user(con, username)
    assert found is not None
    return found


def evaluate(con, person_id: int, rating: str = "HTT", months="12", days="0", year=YEAR, **kw):
    return evaluations.save_evaluation(
        con, "test", year, person_id, rating=rating, months_worked=months, days_off=days, **kw
    )


def published_round(
    con,
    graded: list[tuple[list[tuple[int, str, int]], str]],
    year: str = YEAR,
    level: str = "cấp trường",
    publish: bool = True,
) -> int:
    """A round whose entries get the chair's grade, then published.

    graded: [([(person_id, name, share), …], grade), …]"""
    rubric = rounds.load_rubric_file(RUBRIC)
    name = f"Đợt {level} {year} {'công bố' if publish else 'đang chấm'}"
    rid = rounds.create_round(con, "chutich", name, rubric, level=level, school_year=year)
    states.confirm_thresholds(con, rid, "chutich")
    for i, (authors, grade) in enumerate(graded, start=1):
        entry = entries.add_entry(
            con, rid, "chutich", title=f"SKKN số {i}",
            authors=[{"name": n, "share": s, "person_id": p} for p, n, s in authors],
        )  # fmt: skip
        set_override(con, entry, grade, "Quyết định của Chủ tịch HĐ", "chutich")
    if publish:
        states.open_round(con, rid, "chutich")
        states.close_round(con, rid, "chutich")
        states.finalize_round(con, rid, "chutich")
    return rid


def stricter():
    """A second quy chế: 11 months, under 30 days off, only grade A, 10% quota, 60% for TTLĐTT."""
    text = (
        default_yaml()
        .replace("value: 10\n", "value: 11\n", 1)
        .replace("value: 40\n", "value: 30\n", 1)
        .replace('value: ["A", "B"]', 'value: ["A"]')
        .replace("value: 15\n", "value: 10\n", 1)
        .replace("ldtt_share_above:\n    value: 50", "ldtt_share_above:\n    value: 60")
    )
    rules, errors = load_rules_yaml(text)
    assert errors == []
    return rules


def set_start(con, person_id: int, day: date) -> None:
    con.execute("UPDATE people SET start_date = ? WHERE id = ?", [day, person_id])


def over_quota(con, ids: dict[str, int]) -> tuple[int, int]:
    """Seven LĐTT (quota 1) and two eligible for CSTĐCS, Bình and Cúc, none chosen yet."""
    admin = user(con, "chutich")
    names = ["Lê Thị Bình", "Phạm Thu Cúc", "Đỗ Mai Dung", "Vũ Thu Hà", "Hoàng Khoa",
             "Trần Văn An"]  # fmt: skip
    extra = add_person(con, "Giáo viên thêm 1", "", "Tổ B")  # seven: 7 × 15% = 1,05 → one
    for pid in [ids[name] for name in names] + [extra]:
        evaluate(con, pid)
        reg.save_registration(con, admin, YEAR, pid, "LDTT")
    binh, cuc = ids["Lê Thị Bình"], ids["Phạm Thu Cúc"]
    published_round(con, [([(binh, "Lê Thị Bình", 100)], "A"),
                          ([(cuc, "Phạm Thu Cúc", 100)], "B")])  # fmt: skip
    for pid in (binh, cuc):
        reg.save_registration(con, admin, YEAR, pid, "CSTDCS")
    return binh, cuc
