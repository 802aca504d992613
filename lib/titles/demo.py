"""The demo titles year: registrations, evaluations, start dates, the meeting and its vote."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from lib.access.permissions import User
from lib.access.users import get_user
from lib.core.db import Connection
from lib.io.dates import parse_date
from lib.titles import ballots, evaluations, meeting, registrations, skkn

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo" / "thi-dua-mau.yaml"
# Demo rows are written as an admin would, in the demo loader's name.
DEMO_ADMIN = User("demo", "Dữ liệu mẫu", frozenset({"admin"}), 0)


def load_demo_titles(con: Connection, round_id: int, path: Path = DEMO_FILE) -> None:
    """Write the demo year's titles data; registered SKKN already in the round are linked to it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    year = data["school_year"]
    people = dict(con.execute("SELECT full_name, id FROM people WHERE is_demo").fetchall())
    for name, text in data["start_dates"].items():
        day, _ = parse_date(text)
        con.execute("UPDATE people SET start_date = ? WHERE id = ?", [day, people[name]])
    entries = skkn.results(con, round_id)
    by_title = dict(zip(entries["title"], entries["entry_id"], strict=True))
    fields = dict(zip(entries["title"], entries["field"], strict=True))
    for name, (title, skkn_title) in data["registrations"].items():
        field = fields.get(skkn_title) or data["skkn_fields"].get(name, "")
        registrations.save_registration(con, DEMO_ADMIN, year, people[name], title, skkn_title,
                                        field, is_demo=True)  # fmt: skip
        if skkn_title in by_title:
            con.execute(
                "UPDATE title_registrations SET entry_id = ? WHERE school_year = ? "
                "AND person_id = ?",
                [int(by_title[skkn_title]), year, people[name]],
            )
    for group, title in data["groups"].items():
        registrations.save_group_registration(con, DEMO_ADMIN, year, group, title, is_demo=True)
    for name, (rating, months, counted, days, measure, until) in data["evaluations"].items():
        evaluations.save_evaluation(
            con, DEMO_ADMIN.username, year, people[name], rating=rating, months_worked=months,
            counted_months=counted, days_off=days, discipline=measure, discipline_until=until,
            is_demo=True,
        )  # fmt: skip
    held = data["meeting"]
    members = [
        replace(a, duty=meeting.SECRETARY) if a.name == held["secretary"] else a
        for a in meeting.council_members(con, held["chaired_by"])
    ]
    meeting.save_meeting(
        con, DEMO_ADMIN, year, held_on=parse_date(held["held_on"])[0],
        starts_at=held["starts_at"], ends_at=held["ends_at"], place=held["place"],
        chaired_by=held["chaired_by"], secretary=held["secretary"], attendance=members,
    )  # fmt: skip
    vote = data["vote"]
    ballot_id = ballots.open_ballot(con, DEMO_ADMIN, year)
    candidates = ballots.ballot_candidates(con, ballot_id)
    for username, against in vote["voted"].items():
        choices = {(r.subject, r.title): r.name not in against for r in candidates.itertuples()}
        ballots.cast_vote(con, get_user(con, username), ballot_id, choices)
