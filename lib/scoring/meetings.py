"""A round's council meeting: time, place, chủ trì, thư ký, attendance and decisions with votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.core.db import Connection
from lib.core.text import fold
from lib.documents import meetings as record

# The record itself is shared with the emulation council; its names stay importable from here.
from lib.documents.meetings import Attendance, Decision, Meeting
from lib.documents.meetings import clock_time as clock_time
from lib.documents.meetings import spoken_time as spoken_time
from lib.scoring.conflicts import is_author
from lib.scoring.council import council_duties, round_examiners
from lib.scoring.entries import require_entry
from lib.scoring.rounds import require_round

CHAIR, VICE_CHAIR, MEMBER, SECRETARY = "Chủ tịch HĐ", "Phó Chủ tịch HĐ", "Ủy viên", "Thư ký HĐ"


def meeting_key(round_id: int) -> str:
    """The key of a scoring round's council meeting."""
    return f"skkn-round:{round_id}"


def duty_rank(duty: str) -> int:
    """Order in a council list: chair, vice-chairs, members, secretary last (duties as stored)."""
    text = fold(duty or "").replace(".", "").strip()
    if text in ("chu tich hd", "chu tich hoi dong", "chu tich"):
        return 0
    if text.startswith("pho chu tich") and "cong doan" not in text:
        return 1
    if text.startswith("thu ky"):
        return 3
    return 2


def ordered_council(con: Connection, round_id: int) -> pd.DataFrame:
    """The round's council (username, full_name, duty, …) chair first, secretary last."""
    df = round_examiners(con, round_id)
    df["rank"] = [duty_rank(d) for d in df["duty"]]
    return df.sort_values("rank", kind="stable").reset_index(drop=True)


def get_meeting(con: Connection, round_id: int) -> Meeting | None:
    """The round's recorded meeting, or None."""
    return record.get(con, meeting_key(round_id))


def save_meeting(
    con: Connection,
    round_id: int,
    actor: str,
    *,
    held_on: date | None,
    starts_at: str,
    ends_at: str,
    place: str,
    chaired_by: str,
    secretary: str,
    attendance: Sequence[Attendance],
    decisions: Sequence[Decision],
    content: str = "",
) -> Meeting:
    """Record (or replace) the round's meeting; every field checked, nothing written on an error."""
    require_round(con, round_id)
    return record.save(
        con, meeting_key(round_id), actor, round_id=round_id, held_on=held_on,
        starts_at=starts_at, ends_at=ends_at, place=place, chaired_by=chaired_by,
        secretary=secretary, attendance=attendance, decisions=decisions, content=content,
        no_attendance="Chưa có thành phần tham dự (hội đồng của đợt chấm trống).",
    )  # fmt: skip


def default_attendance(con: Connection, round_id: int) -> list[Attendance]:
    """The round's council in council order, everyone present: the form's starting point."""
    members = council_duties(con, round_id)  # ordered_council's order, without its counts
    ranked = sorted(members, key=lambda row: duty_rank(row[2]))
    return [Attendance(n, d, True, "", u) for u, n, d in ranked]


@dataclass(frozen=True)
class OverrideFacts:
    """The decider's ties to an entry and the council's vote on it (permissions' OverrideLike)."""

    scored: bool
    authored: bool
    duty: str
    council_vote: bool | None


def override_facts(con: Connection, entry_id: int, username: str) -> OverrideFacts:
    """What why_cannot_override needs to know about this user deciding this entry."""
    e = require_entry(con, entry_id)
    row = con.execute(
        "SELECT EXISTS (SELECT 1 FROM assignments WHERE entry_id = ? AND examiner = ?) "
        "    OR EXISTS (SELECT 1 FROM sheets WHERE entry_id = ? AND examiner = ?), "
        "  (SELECT duty FROM round_examiners WHERE round_id = ? AND examiner = ?)",
        [entry_id, username, entry_id, username, e.round_id, username],
    ).fetchone()
    meeting = get_meeting(con, e.round_id)
    vote = meeting.vote_on(entry_id) if meeting else None
    return OverrideFacts(
        bool(row and row[0]), is_author(con, entry_id, username),
        (row[1] if row else None) or "", None if vote is None else vote.passed,
    )  # fmt: skip
