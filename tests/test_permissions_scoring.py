"""The scoring rules of lib.permissions, asked directly with plain objects."""

from dataclasses import dataclass, field, replace

import pytest

from lib.access import permissions as p

ADMIN = p.User("chair", "Chủ tịch", frozenset({"admin", "examiner"}), 1)
GK1 = p.User("gk1", "GK 1", frozenset({"examiner"}), 2)
GK2 = p.User("gk2", "GK 2", frozenset({"examiner"}), 3)
STAFF = p.User("staff", "GV", frozenset({"staff"}), 4)


@dataclass(frozen=True)
class R:
    state: str = "open"
    blind: bool = False


@dataclass(frozen=True)
class S:
    examiner: str = "gk1"
    status: str = "draft"
    assigned: bool = True
    examiner_is_author: bool = False
    entry_withdrawn: bool = False
    entry_examiners: frozenset[str] = field(default_factory=lambda: frozenset({"gk1", "gk2"}))
    round_state: str = "open"


def test_manage_and_score():
    assert [p.can_manage_rounds(u) for u in (None, STAFF, GK1, ADMIN)] == [
        False, False, False, True,
    ]  # fmt: skip
    assert [p.can_score(u) for u in (None, STAFF, GK1, ADMIN)] == [False, False, True, True]


@pytest.mark.parametrize("state", ["draft", "open", "closed", "final"])
def test_results_admin_always_others_once_finalized(state):
    r = R(state=state)
    assert p.can_view_results(ADMIN, r)
    assert p.can_view_results(STAFF, r) == (state == "final")
    assert p.can_view_results(GK1, r) == (state == "final")
    assert not p.can_view_results(None, r)


def test_blind_round_hides_authors_from_examiners_until_published():
    assert p.can_view_authors(GK1, R(blind=False))
    assert not p.can_view_authors(GK1, R(blind=True))
    assert p.can_view_authors(ADMIN, R(blind=True))
    assert p.can_view_authors(STAFF, R(blind=True, state="final"))


def test_edit_own_assigned_draft_in_an_open_round():
    sheet = S()
    assert p.can_edit_sheet(GK1, sheet)
    assert not p.can_edit_sheet(GK2, sheet)  # not theirs
    assert not p.can_edit_sheet(ADMIN, sheet)  # not even the chair writes someone's sheet
    assert not p.can_edit_sheet(None, sheet)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"assigned": False}, "không được phân công"),
        ({"examiner_is_author": True}, "là tác giả"),
        ({"entry_withdrawn": True}, "đã rút"),
        ({"round_state": "draft"}, "chưa mở"),
        ({"round_state": "closed"}, "đã đóng"),
        ({"round_state": "final"}, "công bố"),
        ({"status": "submitted"}, "mở lại phiếu"),
    ],
)
def test_edit_refusals_say_why(change, reason):
    sheet = replace(S(), **change)
    assert not p.can_edit_sheet(GK1, sheet)
    assert reason in (p.why_cannot_edit_sheet(GK1, sheet) or "")


def test_examiner_role_removed_means_no_editing():
    former = p.User("gk1", "GK 1", frozenset({"staff"}), 2)
    assert "vai trò giám khảo" in (p.why_cannot_edit_sheet(former, S()) or "")


def test_other_examiners_sheets_only_after_closing():
    mine = S(examiner="gk1", status="submitted")
    assert p.can_view_sheet(GK1, mine) and p.can_view_sheet(ADMIN, mine)
    assert not p.can_view_sheet(GK2, mine)  # round open: never another examiner's scores
    assert p.can_view_sheet(GK2, replace(mine, round_state="closed"))
    assert p.can_view_sheet(GK2, replace(mine, round_state="final"))
    assert not p.can_view_sheet(GK2, replace(mine, round_state="closed", status="draft"))
    outsider = p.User("gk9", "GK 9", frozenset({"examiner"}), 9)
    assert not p.can_view_sheet(outsider, replace(mine, round_state="final"))
    assert not p.can_view_sheet(STAFF, replace(mine, round_state="final"))


def test_reopen_is_the_chairs_while_open():
    submitted = S(status="submitted")
    assert p.can_reopen_sheet(ADMIN, submitted)
    assert not p.can_reopen_sheet(GK1, submitted)
    assert not p.can_reopen_sheet(ADMIN, S())
    assert not p.can_reopen_sheet(ADMIN, replace(submitted, round_state="final"))


@pytest.mark.parametrize("state", ["draft", "open", "closed", "final"])
def test_round_state_rules(state):
    r = R(state=state)
    assert p.can_assign(r) == (state in ("draft", "open"))
    assert p.can_add_entries(r) == (state in ("draft", "open"))
    assert p.can_edit_round(r) == p.can_override_grade(r) == (state != "final")
    assert (p.why_cannot_assign(r) is None) == p.can_assign(r)
    assert (p.why_cannot_add_entries(r) is None) == p.can_add_entries(r)
    assert (p.why_cannot_edit_round(r) is None) == p.can_edit_round(r)


def test_refusals_name_the_state_in_the_councils_words():
    assert p.why_cannot_assign(R(state="closed")) == "Đợt chấm đã đóng: không phân công được."
    assert p.why_cannot_add_entries(R(state="final")) == (
        "Đợt chấm đã công bố: không đăng ký thêm SKKN được."
    )


def test_chair_who_scores_an_entry_is_an_examiner_on_its_sheet():
    # Issue 15 point 6: the chair's own scoring sheet shows no fellow draft, no author.
    chair_scores = S(examiner="gk1", entry_examiners=frozenset({"gk1", "chair"}))
    assert not p.can_view_sheet(ADMIN, chair_scores, scoring=True)
    assert p.can_view_sheet(ADMIN, chair_scores)  # the results page keeps the admin's view
    submitted_closed = replace(chair_scores, status="submitted", round_state="closed")
    assert p.can_view_sheet(ADMIN, submitted_closed, scoring=True)
    assert not p.can_view_authors(ADMIN, R(blind=True), scoring=True)
    assert not p.can_view_authors(ADMIN, R(blind=True, state="closed"), scoring=True)
    assert p.can_view_authors(ADMIN, R(blind=True, state="final"), scoring=True)
    assert p.can_view_authors(ADMIN, R(blind=True))
    assert not p.can_view_fellow_sheets(ADMIN, R(state="open"))
    assert p.can_view_fellow_sheets(GK1, R(state="closed"))
