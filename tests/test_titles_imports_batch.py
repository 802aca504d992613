"""The batched writers of evaluations and registrations store and log what the per-row ones did."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from lib.access.people import add_person
from lib.core import audit
from lib.core.db import transaction
from lib.titles import evaluations as ev
from lib.titles import registrations as reg
from lib.titles.rules import ensure_year
from tests.titles_helpers import YEAR, school, user

_LOGGED = "SELECT actor, action, entity, entity_id, before, after FROM audit_log"


def _reference_evaluations(con, planned: ev.Planned, actor: str) -> None:
    """The per-row writer the batch replaced: one read, one upsert and one log entry a person."""
    ensure_year(con, planned.school_year, actor)
    for e in planned.evaluations:
        ev._write(con, planned.school_year, e, actor, False)


def _reference_registrations(con, planned: reg.Planned, actor: str) -> None:
    """The per-row writer the batch replaced."""
    year = ensure_year(con, planned.school_year, actor)
    for person_id, title, skkn_title, skkn_field in planned.people:
        before = reg.get_registration(con, year, person_id)
        con.execute(
            "INSERT INTO title_registrations (school_year, person_id, title, skkn_title, "
            " skkn_field, is_demo, updated_by) VALUES (?, ?, ?, ?, ?, false, ?) "
            "ON CONFLICT (school_year, person_id) DO UPDATE SET title = excluded.title, "
            " skkn_title = excluded.skkn_title, skkn_field = excluded.skkn_field, "
            " updated_by = excluded.updated_by, updated_at = current_localtimestamp()",
            [year, person_id, title, skkn_title, skkn_field, actor],
        )
        after = reg.get_registration(con, year, person_id)
        audit.record(con, actor, "register", "registration", f"{year}:{person_id}",
                     before.__dict__ if before else None, after.__dict__)  # fmt: skip
    for group, title in planned.groups:
        con.execute(
            "INSERT INTO group_registrations (school_year, group_name, title, is_demo, "
            " updated_by) VALUES (?, ?, ?, false, ?) ON CONFLICT (school_year, group_name) "
            "DO UPDATE SET title = excluded.title, updated_by = excluded.updated_by, "
            " updated_at = current_localtimestamp()",
            [year, group, title, actor],
        )
        audit.record(con, actor, "register", "group_registration", f"{year}:{group}", None, title)


def _generated(con, rng: random.Random) -> list[int]:
    """A school of 60 with some evaluations and registrations already stored (one linked to an
    SKKN entry), so the writers replace some rows and log what they held."""
    ids = list(school(con).values())
    ids += [add_person(con, f"Người Số {n}", "Giáo viên", f"Tổ {'AB'[n % 2]}") for n in range(53)]
    for pid in ids[::4]:
        ev.save_evaluation(con, "test", YEAR, pid, rating="HT", months_worked="10",
                           days_off="2", discipline="Khiển trách",
                           discipline_from="01/02/2024")  # fmt: skip
    admin = user(con, "chutich")
    for pid in ids[::3]:
        reg.save_registration(con, admin, YEAR, pid, "LDTT", "Sáng kiến cũ", "Toán")
    con.execute("UPDATE title_registrations SET entry_id = 7 WHERE person_id = ?", [ids[3]])
    return ids


def _evaluations_plan(ids: list[int], rng: random.Random) -> ev.Planned:
    out = []
    for pid in ids:
        dated = rng.random() < 0.3
        out.append(ev.Evaluation(
            person_id=pid, rating=rng.choice(["HTXS", "HTT", "HT", "KHT"]),
            months_worked=Decimal(rng.choice(["12", "9.5", "11", "0.5"])),
            counted_months=Decimal(rng.choice(["0", "1.5"])), days_off=rng.randint(0, 30),
            discipline="Cảnh cáo" if dated else "",
            discipline_from=date(2024, 3, rng.randint(1, 28))
            if dated else None,
            discipline_until=date(2025, 3, 1) if dated and rng.random()
            < 0.5 else None,
        ))  # fmt: skip
    return ev.Planned(YEAR, tuple(out))


def _registrations_plan(ids: list[int], rng: random.Random) -> reg.Planned:
    people = tuple(
        (pid, "CSTDCS", f"Sáng kiến “{n}” – mới", "Tiếng Việt") if rng.random() < 0.4
        else (pid, "LDTT", "Sáng kiến cũ" if pid == ids[3] else "", "")
        for n, pid in enumerate(ids)
    )  # fmt: skip
    return reg.Planned(YEAR, people, (("Tổ A", "TTLDXS"), ("Tổ B", "TTLDTT")))


def _state(con, table: str, key: str) -> tuple[list, list]:
    rows = con.execute(
        f"SELECT * EXCLUDE (updated_at) FROM {table} ORDER BY school_year, {key}"
    ).fetchall()
    return rows, sorted(con.execute(_LOGGED).fetchall(), key=str)


def test_batched_evaluations_store_and_log_what_the_per_row_writer_did(tmp_path):
    from lib.core import db

    results = []
    for writer in (_reference_evaluations, ev.write_evaluations):
        con = db.connect(":memory:")
        rng = random.Random(16)
        ids = _generated(con, rng)
        planned = _evaluations_plan(ids, rng)
        with transaction(con):
            writer(con, planned, "thuky")
        results.append(_state(con, "evaluations", "person_id"))
        con.close()
    assert results[0] == results[1]
    rows, logged = results[1]
    assert len(rows) == 60 and sum(1 for r in logged if r[1] == "evaluate" and r[4]) == 15


def test_batched_registrations_store_and_log_what_the_per_row_writer_did():
    from lib.core import db

    results = []
    for writer in (_reference_registrations, reg.write_registrations):
        con = db.connect(":memory:")
        rng = random.Random(16)
        ids = _generated(con, rng)
        planned = _registrations_plan(ids, rng)
        with transaction(con):
            writer(con, planned, "thuky")
        results.append(
            (
                _state(con, "title_registrations", "person_id"),
                _state(con, "group_registrations", "group_name")[0],
            )  # fmt: skip
        )
        con.close()
    assert results[0] == results[1]
    (rows, logged), groups = results[1]
    assert len(rows) == 60 and [g[1:3] for g in groups] == [("Tổ A", "TTLDXS"), ("Tổ B", "TTLDTT")]
    # The entry made from a registration stays linked when the registration is rewritten.
    assert any(r[5] == 7 for r in rows)
    assert any('"entry_id": 7' in (r[5] or "") for r in logged)
