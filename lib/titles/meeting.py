"""The emulation council's meeting of a school year (bình xét): its record and its members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lib.access.permissions import User, can_manage_titles
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import fold, vn_name_key
from lib.documents import meetings as record
from lib.documents.meetings import Attendance, Decision, Meeting
from lib.titles.rules import check_school_year

CHAIR, VICE_CHAIR, MEMBER, SECRETARY = "Chủ tịch HĐ", "Phó Chủ tịch HĐ", "Ủy viên", "Thư ký HĐ"
DUTIES = (CHAIR, VICE_CHAIR, MEMBER, SECRETARY)
NO_MEETING = (
    "Chưa ghi thông tin cuộc họp bình xét (ngày, giờ, địa điểm, chủ trì, thư ký, thành phần có "
    "mặt / vắng): ghi ở thẻ “Biểu quyết” của trang Bình xét thi đua."
)


def meeting_key(school_year: str) -> str:
    """The key of a school year's bình xét meeting in the shared meeting record."""
    return f"titles:{school_year}"


def get_meeting(con: Connection, school_year: str) -> Meeting | None:
    """The year's recorded bình xét meeting, or None."""
    return record.get(con, meeting_key(check_school_year(school_year)))


def require_meeting(con: Connection, school_year: str) -> Meeting:
    """The year's recorded meeting; refused (a biên bản is never printed blank) when missing."""
    found = get_meeting(con, school_year)
    if found is None:
        raise Invalid({"meeting": NO_MEETING})
    return found


def _duty(position: str, is_head: bool) -> str:
    """The council duty a chức vụ names ("Hiệu trưởng, Chủ tịch HĐ" -> Chủ tịch HĐ)."""
    text = fold(position or "")
    if "pho chu tich" in text and "cong doan" not in text:
        return VICE_CHAIR
    if is_head or ("chu tich" in text and "cong doan" not in text):
        return CHAIR
    if "thu ky" in text:
        return SECRETARY
    return MEMBER


_RANKS = {fold(CHAIR): 0, fold(VICE_CHAIR): 1, fold(SECRETARY): 3}


def duty_rank(duty: str) -> int:
    """Order in the council list: chair, vice-chairs, members, secretary last."""
    return _RANKS.get(fold(duty or ""), 2)


def council_members(con: Connection, head_name: str = "") -> list[Attendance]:
    """Who may vote (active accounts with the admin or examiner role), in council order, all
    present: the meeting form's starting point (members without an account are added there)."""
    rows = con.execute(
        "SELECT DISTINCT u.username, p.full_name, p.position FROM users u "
        "JOIN people p ON p.id = u.person_id JOIN user_roles r ON r.username = u.username "
        "WHERE u.active AND r.role IN ('admin', 'examiner')"
    ).fetchall()
    head = fold(head_name)
    found = [Attendance(name, _duty(position, bool(head) and fold(name) == head), True, "", who)
             for who, name, position in rows]  # fmt: skip
    return sorted(found, key=lambda a: (duty_rank(a.duty), vn_name_key(a.name)))


def save_meeting(
    con: Connection,
    user: User | None,
    school_year: str,
    *,
    held_on: date | None,
    starts_at: str,
    ends_at: str,
    place: str,
    chaired_by: str,
    secretary: str,
    attendance: Sequence[Attendance],
    decisions: Sequence[Decision] = (),
    content: str = "",
) -> Meeting:
    """Record the year's bình xét meeting (admins); while a phone ballot is open the number of
    members present cannot change, since the ballot counts shares of it."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ ghi thông tin cuộc họp bình xét."})
    assert user is not None
    year = check_school_year(school_year)
    row = con.execute(
        "SELECT present FROM title_ballots WHERE school_year = ? AND state = 'open'", [year]
    ).fetchone()
    present = sum(a.present for a in attendance)
    if row is not None and attendance and present != int(row[0]):
        raise Invalid({"attendance": f"Cuộc bỏ phiếu đang mở với {int(row[0])} thành viên có "
                       f"mặt; thành phần ghi {present} người có mặt. Đóng bỏ phiếu trước khi "
                       "sửa thành phần tham dự."})  # fmt: skip
    return record.save(
        con, meeting_key(year), user.username, held_on=held_on, starts_at=starts_at,
        ends_at=ends_at, place=place, chaired_by=chaired_by, secretary=secretary,
        attendance=attendance, decisions=decisions, content=content,
        no_attendance="Chưa có thành phần tham dự: thêm các thành viên Hội đồng.",
    )  # fmt: skip


def attendance_from_rows(
    rows: Sequence[dict[str, object]], members: Sequence[Attendance]
) -> list[Attendance]:
    """The meeting form's attendance table (Họ và tên, Nhiệm vụ, Có mặt, Lý do vắng) as records;
    a row naming a council member keeps that member's account, so their phone vote counts."""
    accounts = {fold(m.name): m.username for m in members if m.username}

    def text(value: object) -> str:
        empty = value is None or (isinstance(value, float) and value != value)  # None / NaN
        return "" if empty else " ".join(str(value).split())

    found = []
    for row in rows:
        name, reason = text(row.get("Họ và tên")), text(row.get("Lý do vắng"))
        if not name and not reason:
            continue  # an empty line the editor added
        present = row.get("Có mặt")
        found.append(Attendance(name, text(row.get("Nhiệm vụ")) or MEMBER,
                                True if text(present) == "" else bool(present), reason,
                                accounts.get(fold(name))))  # fmt: skip
    return found
