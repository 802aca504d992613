"""Access rules of the titles pages and actions, asked directly."""

import pytest

from lib.access import permissions as p

ADMIN = p.User("a", "A", frozenset({"admin"}), 1)
EXAMINER = p.User("e", "E", frozenset({"examiner"}), 2)
STAFF = p.User("s", "S", frozenset({"staff"}), 3)


@pytest.mark.parametrize(
    "rule, anonymous, staff, examiner, admin",
    [
        (p.can_register_titles, False, True, True, True),
        (p.can_manage_titles, False, False, False, True),
        (p.can_vote_titles, False, False, True, True),
    ],
)
def test_rules(rule, anonymous, staff, examiner, admin):
    assert [rule(None), rule(STAFF), rule(EXAMINER), rule(ADMIN)] == [
        anonymous, staff, examiner, admin
    ]  # fmt: skip


def test_own_registration_only_while_open_and_admins_always():
    assert p.why_cannot_edit_registration(STAFF, 3, True) is None
    assert "chính mình" in p.why_cannot_edit_registration(STAFF, 4, True)
    assert "hết hạn" in p.why_cannot_edit_registration(STAFF, 3, False)
    assert "hết hạn" in p.why_cannot_edit_registration(EXAMINER, 2, False)
    assert p.why_cannot_edit_registration(ADMIN, 4, False) is None
    assert p.why_cannot_edit_registration(None, 3, True) == "Hãy đăng nhập."


def test_vote_once_while_open_and_only_as_a_member():
    assert p.why_cannot_vote(EXAMINER, "open", False) is None
    assert "đã bỏ phiếu" in p.why_cannot_vote(EXAMINER, "open", True)
    assert "Chưa có cuộc bỏ phiếu" in p.why_cannot_vote(EXAMINER, "closed", False)
    assert "Chỉ thành viên" in p.why_cannot_vote(STAFF, "open", False)
