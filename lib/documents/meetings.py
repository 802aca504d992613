"""One home for council meeting records (SKKN round, bình xét): time, place, people, votes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc


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
    """A council meeting record (round_id set for an SKKN round's meeting, else None)."""

    round_id: int | None
    held_on: date
    starts_at: str
    ends_at: str
    place: str
    chaired_by: str
    secretary: str
    content: str
    attendance: tuple[Attendance, ...]
    decisions: tuple[Decision, ...]
    key: str = ""

    @property
    def present(self) -> int:
        """How many members attended."""
        return sum(a.present for a in self.attendance)

    @property
    def present_usernames(self) -> frozenset[str]:
        """The accounts of the members marked present."""
        return frozenset(a.username for a in self.attendance if a.present and a.username)

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


def get(con: Connection, key: str) -> Meeting | None:
    """The meeting recorded under this key, or None."""
    row = con.execute(
        "SELECT round_id, held_on, starts_at, ends_at, place, chaired_by, secretary, content "
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
        None if row[0] is None else int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6],
        row[7],
        tuple(Attendance(n, d, bool(p), r or "", u) for n, d, p, r, u in people),
        tuple(Decision(c, int(a), int(x), int(t), None if e is None else int(e))
              for c, a, x, t, e in votes),
        key,
    )  # fmt: skip


def check(
    *,
    held_on: date | None,
    starts_at: str,
    ends_at: str,
    place: str,
    chaired_by: str,
    secretary: str,
    attendance: Sequence[Attendance],
    decisions: Sequence[Decision],
    no_attendance: str = "Chưa có thành phần tham dự.",
) -> tuple[dict[str, str], dict[str, str]]:
    """Every field's problem (field -> Vietnamese message) and the cleaned texts and times."""
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
        errors["attendance"] = no_attendance
    for i, a in enumerate(attendance, start=1):
        if not nfc(a.name or "").strip():
            errors[f"attendance.{i}.name"] = f"Dòng {i} của thành phần tham dự: ghi họ và tên."
        elif not a.present and not nfc(a.reason or "").strip():
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
    clean |= {"starts_at": start or "", "ends_at": end or ""}
    return errors, clean


def save(
    con: Connection,
    key: str,
    actor: str,
    *,
    round_id: int | None = None,
    held_on: date | None,
    starts_at: str,
    ends_at: str,
    place: str,
    chaired_by: str,
    secretary: str,
    attendance: Sequence[Attendance],
    decisions: Sequence[Decision] = (),
    content: str = "",
    no_attendance: str = "Chưa có thành phần tham dự.",
) -> Meeting:
    """Record (or replace) the meeting under this key; every field checked, nothing written on
    an error; the change is audited (the date and the number of decisions, before and after)."""
    errors, clean = check(
        held_on=held_on, starts_at=starts_at, ends_at=ends_at, place=place,
        chaired_by=chaired_by, secretary=secretary, attendance=attendance,
        decisions=decisions, no_attendance=no_attendance,
    )  # fmt: skip
    if errors:
        raise Invalid(errors)
    with transaction(con):
        before = get(con, key)
        for table in ("meeting_attendance", "meeting_decisions"):
            con.execute(f"DELETE FROM {table} WHERE meeting = ?", [key])
        con.execute("DELETE FROM meetings WHERE key = ?", [key])
        con.execute(
            "INSERT INTO meetings (key, round_id, held_on, starts_at, ends_at, place, chaired_by, "
            "secretary, content, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key, round_id, held_on, clean["starts_at"], clean["ends_at"], clean["place"],
             clean["chaired_by"], clean["secretary"], nfc(content or ""), actor],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO meeting_attendance VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[key, i, " ".join(nfc(a.name).split()), nfc(a.duty or ""), a.username, a.present,
              "" if a.present else nfc(a.reason)] for i, a in enumerate(attendance, start=1)],
        )  # fmt: skip
        if decisions:
            con.executemany(
                "INSERT INTO meeting_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[key, i, d.entry_id, nfc(d.content), d.agree, d.disagree, d.total]
                 for i, d in enumerate(decisions, start=1)],
            )  # fmt: skip
        after = get(con, key)
        assert after is not None
        was = {"held_on": str(before.held_on)} if before else None
        now = {"held_on": str(after.held_on), "decisions": len(after.decisions)}
        audit.record(con, actor, "meeting", "meeting", key, was, now)
    return after
