"""The demo database: plan 13/KH-MNAS of Trường mầm non Ánh Sao, its people and demo accounts."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import yaml

from lib.access import users
from lib.access.people import add_person
from lib.core.db import Connection, get_setting, set_setting, transaction
from lib.core.errors import Invalid
from lib.documents import organization
from lib.plans import plans

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_PASSWORD = "anhsao2024"
ACTOR = "demo"
# Thông tin đơn vị as plan 13/KH-MNAS prints it; the plan gives no address, so none is invented.
DEMO_ORGANIZATION = {
    "school_name": "Trường mầm non Ánh Sao",
    "governing_body": "UBND QUẬN LONG BIÊN",
    "place": "Long Biên",
    "code": "MNAS",
    "head_name": "Nguyễn Thị Quyên",
    "head_title": "Hiệu trưởng",
}


@functools.cache
def _demo_hash() -> str:
    # One bcrypt hash for every demo account: hashing is slow by design, and the
    # demo password is public anyway (README lists it).
    return users.hash_password(DEMO_PASSWORD)


def is_empty(con: Connection) -> bool:
    """Tell whether the database holds no people, accounts or plans yet."""
    row = con.execute(
        "SELECT (SELECT count(*) FROM people) + (SELECT count(*) FROM users)"
        " + (SELECT count(*) FROM plans)"
    ).fetchone()
    return bool(row) and row[0] == 0


def should_autoload(con: Connection) -> bool:
    """The app loads the demo on first start unless the database was set up empty on purpose."""
    return is_empty(con) and get_setting(con, "no_demo") != "1"


def load_plan(path: Path) -> tuple[plans.PlanIn, list[plans.TaskIn]]:
    """Read a plan and its schedule from the demo YAML format."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    task_rows = data.pop("tasks")
    plan = plans.PlanIn(**data, is_demo=True)
    tasks = [
        plans.TaskIn(
            period_label=row["period"],
            content=row["content"],
            unit=row.get("unit", ""),
            leader=row.get("leader", ""),
            note=row.get("note", ""),
            status=row.get("status", "todo"),
            done_on=row.get("done_on"),
        )
        for row in task_rows
    ]
    return plan, tasks


def load_demo(con: Connection) -> None:
    """Load the demo plan, people and accounts into an empty database, all or nothing."""
    if not is_empty(con):
        raise Invalid("Cơ sở dữ liệu đã có dữ liệu: chỉ nạp dữ liệu mẫu vào cơ sở dữ liệu trống.")
    plan, tasks = load_plan(DEMO_DIR / "ke-hoach-13-KH-MNAS-2024.yaml")
    password_hash = _demo_hash()
    with transaction(con):
        with (DEMO_DIR / "people.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                person_id = add_person(
                    con, row["ho_ten"], row["chuc_vu"], row["to"], row["email"], is_demo=True
                )
                if row["ten_dang_nhap"]:
                    con.execute(
                        "INSERT INTO users (username, person_id, password_hash) VALUES (?, ?, ?)",
                        [row["ten_dang_nhap"], person_id, password_hash],
                    )
                    for role in row["vai_tro"].split(";"):
                        con.execute(
                            "INSERT INTO user_roles VALUES (?, ?)", [row["ten_dang_nhap"], role]
                        )
        plans.insert_plan(con, plan, tasks, ACTOR)
        set_setting(con, "demo_password_hash", password_hash)
        organization.update(con, ACTOR, **DEMO_ORGANIZATION)
        # lib.rounds' own transactions join this one, so a failure here leaves no half demo.
        from lib.demo_scoring import load_demo_round

        round_id = load_demo_round(con)
        from lib.titles.demo import load_demo_titles

        load_demo_titles(con, round_id)


def demo_accounts(con: Connection) -> list[tuple[str, str, str]]:
    """Demo accounts still using the demo password: (username, name, roles); empty otherwise."""
    demo_hash = get_setting(con, "demo_password_hash")
    if not demo_hash:
        return []
    rows = con.execute(
        "SELECT u.username, p.full_name, string_agg(r.role, ',' ORDER BY r.role) "
        "FROM users u JOIN people p ON p.id = u.person_id "
        "JOIN user_roles r USING (username) "
        "WHERE u.active AND u.password_hash = ? GROUP BY ALL ORDER BY u.username",
        [demo_hash],
    ).fetchall()
    return [(u, n, users.role_labels(r)) for u, n, r in rows]
