"""The demo SKKN round: state "chuẩn bị", the 20-point template, six invented entries."""

from __future__ import annotations

from pathlib import Path

import yaml

from lib.core.db import Connection
from lib.scoring import council, entries, rounds, states

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / "skkn-mau.yaml"
ACTOR = "demo"


def load_demo_round(con: Connection, path: Path = DEMO_FILE) -> int:
    """Create the demo round with its council and entries (flagged as demo); return its id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = data["round"]
    rubric = rounds.load_rubric_file(rounds.TEMPLATE_DIR / spec["rubric"])
    round_id = rounds.create_round(
        con, ACTOR, spec["name"], rubric, level=spec["level"],
        school_year=spec["school_year"], examiners_per_entry=spec["examiners_per_entry"],
        blind=spec["blind"], is_demo=True,
    )  # fmt: skip
    members = council.round_examiners(con, round_id)
    duties = dict(zip(members["username"], members["duty"], strict=True))
    for username, fields in data["council"].items():
        council.set_council_member(
            con, round_id, username, ACTOR, duty=duties.get(username, ""), fields=fields
        )
    for item in data["entries"]:
        entries.add_entry(
            con, round_id, ACTOR, title=item["title"], field=item["field"],
            authors=item["authors"], is_demo=True,
        )  # fmt: skip
    # The demo's council has confirmed the template's thresholds, so the demo round can open.
    states.confirm_thresholds(con, round_id, ACTOR)
    return round_id
