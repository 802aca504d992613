"""One name key and one authorship rule (lib.access.identity), and what they keep out of scoring."""

import unicodedata

import pytest

from lib.access import identity, people
from lib.core.errors import Invalid
from lib.scoring import assignment, conflicts, entries, sheets, states
from lib.scoring.authors import Author
from tests.scoring_helpers import add_examiner, make_round, user


def test_name_key_ignores_case_spacing_and_unicode_form_but_keeps_diacritics():
    assert identity.name_key("  nguyễn  THỊ lân ") == identity.name_key("Nguyễn Thị Lân")
    assert identity.name_key(unicodedata.normalize("NFD", "Lân")) == identity.name_key("Lân")
    # Lan and Lân are two names in Vietnamese, as are Đức and Dức.
    assert identity.name_key("Lan") != identity.name_key("Lân")
    assert identity.name_key("Đức") != identity.name_key("Dức")


def test_a_linked_author_is_that_person_only_an_unlinked_one_is_matched_by_name():
    linked = (Author("Trần Văn B", 100, 7),)
    assert identity.is_author(linked, 7, "Tên khác")
    assert not identity.is_author(linked, 8, "Trần Văn B")  # same name, another person
    typed = (Author("trần  văn b", 100, None),)
    assert identity.is_author(typed, 8, "Trần Văn B")
    assert not identity.is_author((Author("Trần Văn Bé", 100, None),), 8, "Trần Văn B")
    matcher = identity.AuthorMatcher([("gk1", 1, "Trần Văn B"), ("gk2", 2, "Lê Thị Lân")])
    assert matcher.writers([Author("Lê Thị Lan", 50, None), Author("X", 50, 1)]) == ["gk1"]


@pytest.fixture
def namesake(con):
    """An open round whose SKKN-001 names "Trần Văn B" as author, typed as a name: two people
    are called so (the examiner gk1 and a teacher), so the author stays linked to no one."""
    add_examiner(con, "gk1", "Trần Văn B")
    add_examiner(con, "gk2", "Lê Thị Lan")
    add_examiner(con, "gk3", "Phạm Thu C")
    people.add_person(con, "Trần Văn B", "Giáo viên", "Tổ Mẫu giáo")
    rid = make_round(con)
    eid = entries.add_entry(
        con, rid, "chutich", title="Đề tài của B",
        authors=[{"name": "trần văn  B", "share": 60}, {"name": "Lê Thị Lân", "share": 40}],
    )  # fmt: skip
    return con, rid, eid


def test_an_unlinked_author_cannot_be_assigned_their_own_skkn(namesake):
    con, rid, eid = namesake
    assert [a.person_id for a in entries.require_entry(con, eid).authors] == [None, None]
    with pytest.raises(Invalid, match="gk1 là tác giả của SKKN"):
        assignment.assign(con, eid, "gk1", "chutich")
    # Lê Thị Lan is not Lê Thị Lân: she may score it.
    assert assignment.assign(con, eid, "gk2", "chutich") == 1
    plan = assignment.propose_assignments(con, rid)
    assert [(p.code, p.examiner) for p in plan.proposals] == [("SKKN-001", "gk3")]
    assert conflicts.conflicted_examiners(con, eid, ["gk1", "gk2", "gk3"]) == {"gk1"}
    listed = conflicts.conflicts(con, rid)
    assert list(zip(listed["examiner"], listed["kind"], strict=True)) == [("gk1", "author")]


def test_an_assigned_examiner_cannot_be_typed_in_as_an_author(namesake):
    con, rid, eid = namesake
    other = entries.add_entry(con, rid, "chutich", title="T", authors=[{"name": "Phạm Văn D"}])
    assignment.assign(con, other, "gk1", "chutich")
    states.open_round(con, rid, "chutich")
    with pytest.raises(Invalid, match="gk1 đang được phân công chấm SKKN này"):
        entries.update_entry(
            con, other, "chutich", code="SKKN-002", title="T",
            authors=[{"name": "TRẦN VĂN B", "share": 50}, {"name": "Phạm Văn D", "share": 50}],
        )  # fmt: skip


def test_an_unlinked_author_cannot_score_their_own_skkn_even_if_assigned(namesake):
    con, rid, eid = namesake
    # An assignment written before the rule (or by hand in the database) still gives no sheet.
    con.execute(
        "INSERT INTO assignments (entry_id, examiner, ord, assigned_by) VALUES (?, 'gk1', 1, 't')",
        [eid],
    )
    states.open_round(con, rid, "chutich")
    with pytest.raises(Invalid, match="Bạn là tác giả của SKKN này"):
        sheets.save_draft(con, user(con, "gk1"), eid, {"I.1": "0,5"})
    assert con.execute("SELECT count(*) FROM sheets").fetchone() == (0,)


def test_a_name_matches_whatever_its_spacing_case_or_underscores():
    key = identity.name_key
    assert key("Nguyễn_Thị  Lan") == key("nguyễn thị lan") != key("Nguyễn Thị Lân")
