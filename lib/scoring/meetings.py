"""A round's council meeting: time, place, chủ trì, thư ký, attendance and decisions with votes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import fold, nfc
from lib.scoring.conflicts import is_author
from lib.scoring.council import round_examiners
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


@dataclass(frozen=True)
class Attendance:
    """One council member at the meeting."""

    name: str
    duty: str
    present: bool
    reason: str = ""
    username: str | None = None


@dataclass(frozen=True)
class Decision:
    """One decision and its show of hands: đồng ý, không đồng ý, out of tổng số voting."""

    content: str
    agree: int
    disagree: int
    total: int
    entry_id: int | None = None

    @property
    def passed(self) -> bool:
        """More than half of those voting agreed."""
        return self.agree * 2 > self.total

    @property
    def vote_text(self) -> str:
        """ "6/7 đồng ý, 1/7 không đồng ý" as a biên bản prints it."""
        return (f"{self.agree}/{self.total} ý kiến đồng ý, "
                f"{self.disagree}/{self.total} ý kiến không đồng ý")  # fmt: skip


@dataclass(frozen=True)
class Meeting:
    """The council meeting record of a round."""

    round_id: int
    held_on: date
    starts_at: str
    ends_at: str
    place: str
    chaired_by: str
    secretary: str
    content: str
    attendance: tuple[Attendance, ...]
    decisions: tuple[Decision, ...]

    @property
    def present(self) -> int:
        """How many members attended."""
        return sum(a.present for a in self.attendance)

    def vote_on(self, entry_id: int) -> Decision | None:
        """The last decision recorded about this entry, if any."""
        found = [d for d in self.decisions if d.entry_id == entry_id]
        return found[-1] if found else None


def clock_time(text: str) -> str | None:
    """ "8:00", "08h00", "8 giờ" -> "08:00"; None when not a time of day."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*(?:[:hg]|giờ)?\s*(\d{2})?\s*(?:phút)?\s*", text or "")
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def spoken_time(hhmm: str) -> str:
    """ "08:30" -> "08 giờ 30" as a biên bản writes it."""
    hour, minute = hhmm.split(":")
    return f"{hour} giờ {minute}"


def get_meeting(con: Connection, round_id: int) -> Meeting | None:
    """The round's recorded meeting, or None."""
    key = meeting_key(round_id)
    row = con.execute(
        "SELECT held_on, starts_at, ends_at, place, chaired_by, secretary, content "
        "FROM meetings WHERE key = ?",
        [key],
    ).fetchone()
    if row is None:
        return None
    people = con.execute(
        "SELECT name, duty, present, reason, username FROM meeting_attendance "
        "WHERE meeting = ? ORDER BY position",
        [key],
    ).fetchall()
    votes = con.execute(
        "SELECT content, agree, disagree, total, entry_id FROM meeting_decisions "
        "WHERE meeting = ? ORDER BY position",
        [key],
    ).fetchall()
    return Meeting(
        round_id, row[0], row[1], row[2], row[3], row[4], row[5], row[6],
        tuple(Attendance(n, d, bool(p), r or "", u) for n, d, p, r, u in people),
        tuple(Decision(c, int(a), int(x), int(t), None if e is None else int(e))
              for c, a, x, t, e in votes),
    )  # fmt: skip


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
    errors: dict[str, str] = {}
    start, end = clock_time(starts_at), clock_time(ends_at)
    if held_on is None:
        errors["held_on"] = "Ngày họp: bắt buộc."
    if start is None:
        errors["starts_at"] = f"Giờ bắt đầu '{starts_at}' không phải giờ (vd. 08:00)."
    if end is None:
        errors["ends_at"] = f"Giờ kết thúc '{ends_at}' không phải giờ (vd. 10:30)."
    if start and end and end <= start:
        errors["ends_at"] = "Giờ kết thúc phải sau giờ bắt đầu."
    texts = {"place": (place, "Địa điểm"), "chaired_by": (chaired_by, "Chủ trì"),
             "secretary": (secretary, "Thư ký")}  # fmt: skip
    clean = {k: " ".join(nfc(v or "").split()) for k, (v, _) in texts.items()}
    for key, (_, label) in texts.items():
        if not clean[key]:
            errors[key] = f"{label}: bắt buộc."
    if not attendance:
        errors["attendance"] = "Chưa có thành phần tham dự (hội đồng của đợt chấm trống)."
    for i, a in enumerate(attendance, start=1):
        if not a.present and not nfc(a.reason or ""):
            errors[f"attendance.{i}"] = f"Dòng {i} ({a.name}): vắng mặt phải ghi lý do."
    present = sum(a.present for a in attendance)
    for i, d in enumerate(decisions, start=1):
        label = f"Quyết định {i}"
        if not nfc(d.content or ""):
            errors[f"decision.{i}.content"] = f"{label}: ghi nội dung biểu quyết."
        if d.total <= 0 or d.total > present:
            errors[f"decision.{i}.total"] = (
                f"{label}: tổng số biểu quyết phải từ 1 đến số thành viên có mặt ({present})."
            )
        elif d.agree < 0 or d.disagree < 0 or d.agree + d.disagree > d.total:
            errors[f"decision.{i}.vote"] = (
                f"{label}: đồng ý ({d.agree}) + không đồng ý ({d.disagree}) vượt tổng số "
                f"({d.total})."
            )
    if errors:
        raise Invalid(errors)
    key = meeting_key(round_id)
    with transaction(con):
        before = get_meeting(con, round_id)
        for table in ("meeting_attendance", "meeting_decisions"):
            con.execute(f"DELETE FROM {table} WHERE meeting = ?", [key])
        con.execute("DELETE FROM meetings WHERE key = ?", [key])
        con.execute(
            "INSERT INTO meetings (key, round_id, held_on, starts_at, ends_at, place, chaired_by, "
            "secretary, content, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key, round_id, held_on, start, end, clean["place"], clean["chaired_by"],
             clean["secretary"], nfc(content or ""), actor],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO meeting_attendance VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[key, i, nfc(a.name), nfc(a.duty), a.username, a.present,
              "" if a.present else nfc(a.reason)] for i, a in enumerate(attendance, start=1)],
        )  # fmt: skip
        if decisions:
            con.executemany(
                "INSERT INTO meeting_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[key, i, d.entry_id, nfc(d.content), d.agree, d.disagree, d.total]
                 for i, d in enumerate(decisions, start=1)],
            )  # fmt: skip
        after = get_meeting(con, round_id)
        assert after is not None
        was = {"held_on": str(before.held_on)} if before else None
        now = {"held_on": str(after.held_on), "decisions": len(after.decisions)}
        audit.record(con, actor, "meeting", "meeting", key, was, now)
    return after


def default_attendance(con: Connection, round_id: int) -> list[Attendance]:
    """The round's council in council order, everyone present: the form's starting point."""
    df = ordered_council(con, round_id)
    columns = zip(df["full_name"], df["duty"], df["username"], strict=True)
    return [Attendance(n, d, True, "", u) for n, d, u in columns]


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
