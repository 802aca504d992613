"""Access rules: every page and command asks one of these can_<verb>_<thing> functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Role codes and how the council names them.
ROLES: dict[str, str] = {
    "admin": "Quản trị (Chủ tịch, Thư ký HĐ)",
    "examiner": "Giám khảo (Thành viên HĐ)",
    "staff": "CBGVNV (xem)",
}


@dataclass(frozen=True)
class User:
    """A logged-in person: account name, display name and roles."""

    username: str
    name: str
    roles: frozenset[str]
    person_id: int

    @property
    def is_admin(self) -> bool:
        """Tell whether the user holds the admin role."""
        return "admin" in self.roles


def can_view_overview(user: User | None) -> bool:
    """Everyone logged in sees the overview."""
    return user is not None


def can_view_plans(user: User | None) -> bool:
    """Everyone logged in reads plans and their progress."""
    return user is not None


def can_edit_plans(user: User | None) -> bool:
    """Only the council's chair and secretary write plans and tasks."""
    return user is not None and user.is_admin


def can_manage_own_account(user: User | None) -> bool:
    """Everyone logged in may see their account and change their own password."""
    return user is not None


def can_manage_users(user: User | None) -> bool:
    """Only admins add, disable and change accounts."""
    return user is not None and user.is_admin


def can_import_data(user: User | None) -> bool:
    """Only admins import files, export lists, and back up or restore the database."""
    return user is not None and user.is_admin


# --- SKKN scoring rounds (HotCRP style: pages and lib only ask these) -----------------------


class RoundLike(Protocol):
    """What the round rules look at (lib.scoring.rounds.Round has it)."""

    state: str  # draft, open, closed, final
    blind: bool


class SheetLike(Protocol):
    """What the sheet rules look at (lib.scoring.sheets.Sheet has it)."""

    examiner: str  # the sheet's owner
    status: str  # draft, submitted
    assigned: bool  # the owner is (still) assigned to the entry
    examiner_is_author: bool  # the owner wrote the entry
    entry_withdrawn: bool
    entry_examiners: frozenset[str]  # everyone assigned to the entry
    round_state: str


def can_manage_rounds(user: User | None) -> bool:
    """The chair and secretary set up rounds, entries, conflicts, assignments and results."""
    return user is not None and user.is_admin


def can_score(user: User | None) -> bool:
    """Council members (examiners) have a "Phiếu chấm của tôi" page."""
    return user is not None and "examiner" in user.roles


# --- what a round's state allows (lib and pages ask these, never the state itself) ----------

# Stored round states and the council's words for them, in their order.
ROUND_STATES: dict[str, str] = {
    "draft": "Chuẩn bị",
    "open": "Đang chấm",
    "closed": "Đã đóng",
    "final": "Đã công bố",
}


def _state_words(round_: RoundLike) -> str:
    return ROUND_STATES.get(round_.state, round_.state).lower()


def is_published(round_: RoundLike) -> bool:
    """The round's results are published (final): they no longer change and everyone sees them."""
    return round_.state == "final"


def can_edit_round(round_: RoundLike) -> bool:
    """Settings, rubric, council, entries and conflicts change until the results are published."""
    return not is_published(round_)


def why_cannot_edit_round(round_: RoundLike) -> str | None:
    """The reason nothing of this round can change now, or None."""
    if can_edit_round(round_):
        return None
    return "Kết quả đợt chấm đã công bố: mọi thứ đã khóa (mở lại đợt để sửa)."


def why_cannot_open_round(round_: RoundLike, thresholds_confirmed: bool) -> str | None:
    """The reason a round in preparation cannot be opened for scoring, or None: the council
    confirms the rubric's grade thresholds first (the default ones are placeholders)."""
    if round_.state == "draft" and not thresholds_confirmed:
        return (
            "Hội đồng chưa xác nhận ngưỡng xếp loại của mẫu phiếu: xác nhận ở thẻ “Mẫu phiếu "
            "chấm” (trang Đợt chấm) trước khi mở đợt chấm."
        )
    return None


def can_add_entries(round_: RoundLike) -> bool:
    """New SKKN are registered while the round is being prepared or scored."""
    return round_.state in ("draft", "open")


def why_cannot_add_entries(round_: RoundLike) -> str | None:
    """The reason no SKKN can be registered in this round now, or None."""
    if can_add_entries(round_):
        return None
    return f"Đợt chấm {_state_words(round_)}: không đăng ký thêm SKKN được."


def can_assign(round_: RoundLike) -> bool:
    """Examiners are assigned and unassigned while the round is being prepared or scored."""
    return round_.state in ("draft", "open")


def why_cannot_assign(round_: RoundLike) -> str | None:
    """The reason no examiner can be assigned in this round now, or None."""
    if can_assign(round_):
        return None
    return f"Đợt chấm {_state_words(round_)}: không phân công được."


def can_override_grade(round_: RoundLike) -> bool:
    """The chair settles a grade until the results are published."""
    return not is_published(round_)


def can_view_results(user: User | None, round_: RoundLike) -> bool:
    """Admins always; everyone else (staff, examiners) once the round is finalized."""
    if user is None:
        return False
    return user.is_admin or is_published(round_)


def authors_hidden(round_: RoundLike) -> bool:
    """A blind round hides its authors from examiners until the results are published."""
    return round_.blind and not is_published(round_)


def can_view_authors(user: User | None, round_: RoundLike, *, scoring: bool = False) -> bool:
    """In a blind round only admins see authors until the results are published.

    On the scoring sheet of an entry they score (scoring=True) an admin is an examiner like any
    other: no authors until the results are published."""
    if user is None:
        return False
    if user.is_admin and not scoring:
        return True
    return not authors_hidden(round_)


def can_view_fellow_sheets(user: User | None, round_: RoundLike) -> bool:
    """Fellow examiners' sheets appear on a scoring sheet only once the round is closed."""
    return user is not None and round_.state in ("closed", "final")


def can_view_sheet(user: User | None, sheet: SheetLike, *, scoring: bool = False) -> bool:
    """Admins and the sheet's owner; a fellow examiner of the entry only after closing.

    From the scoring sheet of an entry they score (scoring=True) an admin is a fellow examiner
    like any other: the admin's view of every sheet is on the results page."""
    if user is None:
        return False
    if user.username == sheet.examiner:
        return True
    if user.is_admin and not (scoring and user.username in sheet.entry_examiners):
        return True
    return (
        user.username in sheet.entry_examiners
        and sheet.status == "submitted"
        and sheet.round_state in ("closed", "final")
    )


def why_cannot_edit_sheet(user: User | None, sheet: SheetLike) -> str | None:
    """The reason this user may not write this sheet now, or None when they may."""
    if user is None or user.username != sheet.examiner:
        return "Chỉ giám khảo được phân công mới chấm được phiếu này."
    if "examiner" not in user.roles:
        return "Tài khoản không có vai trò giám khảo."
    if not sheet.assigned:
        return "Bạn không được phân công chấm SKKN này."
    if sheet.examiner_is_author:
        return "Bạn là tác giả của SKKN này nên không được chấm."
    if sheet.entry_withdrawn:
        return "SKKN này đã rút, không chấm nữa."
    if sheet.round_state != "open":
        return {
            "draft": "Đợt chấm chưa mở.",
            "closed": "Đợt chấm đã đóng.",
            "final": "Kết quả đã công bố: phiếu đã khóa.",
        }.get(sheet.round_state, "Đợt chấm không mở.")
    if sheet.status == "submitted":
        return "Phiếu đã nộp: chỉ sửa được khi Chủ tịch HĐ mở lại phiếu."
    return None


def can_edit_sheet(user: User | None, sheet: SheetLike) -> bool:
    """Own, assigned, not an author, entry kept, round open, not submitted (unless reopened)."""
    return why_cannot_edit_sheet(user, sheet) is None


def why_cannot_import_sheet(sheet: SheetLike) -> str | None:
    """Why a paper sheet cannot be typed up (by an admin who may import) now, or None.

    Unlike the examiner's own form, a submitted sheet is replaced and a closed round still takes
    the council's paper sheets; the round must not be draft or finalized."""
    if sheet.examiner_is_author:
        return f"{sheet.examiner} là tác giả của SKKN này nên không được chấm."
    if sheet.entry_withdrawn:
        return "SKKN này đã rút, không chấm nữa."
    if sheet.round_state not in ("open", "closed"):
        return {
            "draft": "Đợt chấm chưa mở: chưa nhập phiếu chấm được.",
            "final": "Kết quả đã công bố: phiếu đã khóa.",
        }.get(sheet.round_state, "Đợt chấm không mở.")
    return None


def can_reopen_sheet(user: User | None, sheet: SheetLike) -> bool:
    """The chair reopens a submitted sheet (with a reason) while the round is open."""
    return (
        user is not None
        and user.is_admin
        and sheet.status == "submitted"
        and sheet.round_state == "open"
    )


class OverrideLike(Protocol):
    """What the grade-decision rule looks at: the decider's ties to the entry and the vote."""

    scored: bool  # the decider is (or was) an examiner of the entry
    authored: bool  # the decider wrote the entry
    duty: str  # the decider's duty in the round's council ("" if not a member)
    council_vote: bool | None  # the meeting's vote on this entry: None when none recorded


def why_cannot_override(user: User | None, decision: OverrideLike) -> str | None:
    """Why this user may not decide this entry's grade now, or None: no one decides an entry
    they scored or wrote unless the council voted for it; a vice-chair decides otherwise."""
    vice_chair = decision.duty == "Phó Chủ tịch HĐ"
    if user is None or not (user.is_admin or vice_chair):
        return "Chỉ Chủ tịch HĐ (hoặc Phó Chủ tịch HĐ) điều chỉnh xếp loại."
    if decision.council_vote is False:
        return "Hội đồng đã biểu quyết không đồng ý điều chỉnh này (biên bản họp)."
    if (decision.scored or decision.authored) and decision.council_vote is None:
        tie = "là tác giả" if decision.authored else "đã chấm"
        return (
            f"Bạn {tie} SKKN này nên không tự quyết định xếp loại: cần biểu quyết của hội đồng "
            "(ghi ở Biên bản họp, tab Văn bản) hoặc Phó Chủ tịch HĐ quyết định."
        )
    return None


def can_manage_organization(user: User | None) -> bool:
    """Only admins set Thông tin đơn vị, the letterhead of every document."""
    return user is not None and user.is_admin


# --- emulation titles (thi đua) -----------------------------------------------------------


def can_register_titles(user: User | None) -> bool:
    """Everyone logged in has a "Đăng ký thi đua" page (their own registration)."""
    return user is not None


def can_view_dossier(user: User | None, person_id: int | None = None) -> bool:
    """Everyone sees their own hồ sơ thi đua; admins see everyone's (person_id None: the page)."""
    if user is None:
        return False
    return person_id is None or user.is_admin or user.person_id == person_id


def can_manage_titles(user: User | None) -> bool:
    """The chair and secretary run the year: quy chế, evaluations, eligibility, anyone's entry."""
    return user is not None and user.is_admin


def why_cannot_edit_registration(
    user: User | None, person_id: int, registration_open: bool
) -> str | None:
    """Why this user may not write this person's registration now, or None when they may."""
    if user is None:
        return "Hãy đăng nhập."
    if user.is_admin:
        return None
    if user.person_id != person_id:
        return "Bạn chỉ đăng ký thi đua được cho chính mình."
    if not registration_open:
        return "Đã hết hạn đăng ký thi đua của năm học này."
    return None


def can_vote_titles(user: User | None) -> bool:
    """Council members (examiner role) and the chair and secretary vote at the council meeting."""
    return user is not None and (user.is_admin or "examiner" in user.roles)


def why_cannot_vote(user: User | None, ballot_state: str | None, has_voted: bool) -> str | None:
    """Why this user may not cast a ballot now, or None when they may."""
    if not can_vote_titles(user):
        return "Chỉ thành viên Hội đồng thi đua – khen thưởng được bỏ phiếu."
    if ballot_state != "open":
        return "Chưa có cuộc bỏ phiếu nào đang mở."
    if has_voted:
        return "Bạn đã bỏ phiếu: phiếu của bạn đã được tính."
    return None
