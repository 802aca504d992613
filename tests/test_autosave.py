"""lib.scoring.sheets.autosave: every valid field stored at once, an invalid one never."""

from decimal import Decimal

import pytest

from lib.core import audit
from lib.core.errors import Invalid
from lib.scoring import assignment, rounds, sheets, states
from tests.scoring_helpers import add_entry, full_marks, make_round, user


@pytest.fixture
def opened(demo_con):
    rid = make_round(demo_con, deadline=None)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    states.open_round(demo_con, rid, "chutich")
    return demo_con, rid, eid


def stored(con, eid, examiner="giamkhao1"):
    return sheets.get_sheet(con, eid, examiner).values


@pytest.mark.parametrize(("typed", "value"), [("0,5", "0.5"), ("0.5", "0.5"), (",75", "0.75"),
                                              ("1,25", "1.25")])  # fmt: skip
def test_vietnamese_decimals_are_stored_exactly(opened, typed, value):
    con, _, eid = opened
    done = sheets.autosave(con, user(con, "giamkhao1"), eid, {"II.3": typed})
    assert done.refused == {} and stored(con, eid) == {"II.3": Decimal(value)}


def test_an_invalid_field_is_refused_at_the_field_and_stores_nothing_for_it(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    sheets.autosave(con, gk, eid, {"II.3": "7"})
    done = sheets.autosave(con, gk, eid, {"II.3": "15", "I.1": "0,3", "I.2": "0,5", "II.1": "a"})
    assert done.refused == {
        "II.3": "II.3: 15 vượt quá điểm tối đa 8",
        "I.1": "I.1: 0,3 không phải là bội số của 0,25 (bước điểm)",
        "II.1": "II.1: “a” không phải là số",
    }
    # The refused fields keep what was stored before; the valid one is stored.
    assert stored(con, eid) == {"II.3": Decimal("7"), "I.2": Decimal("0.5")}


def test_the_later_window_wins_field_by_field_and_the_other_is_told(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    first = sheets.autosave(con, gk, eid, {"I.1": "0,5"}, known_version=0)
    assert not first.elsewhere
    other = sheets.autosave(con, gk, eid, {"I.2": "0,25"}, known_version=first.sheet.version)
    # A tab that still knows the first version saves one field: the other tab's field stays.
    late = sheets.autosave(con, gk, eid, {"I.1": "0,75"}, known_version=first.sheet.version)
    assert late.elsewhere and other.sheet.version < late.sheet.version
    assert stored(con, eid) == {"I.1": Decimal("0.75"), "I.2": Decimal("0.25")}


def test_clearing_a_field_removes_its_points_and_comments_are_saved_alone(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    sheets.autosave(con, gk, eid, {"I.1": "0,5", "I.2": "0,5"})
    sheets.autosave(con, gk, eid, {"I.1": ""}, notes={"I.2": "Rõ ràng"}, overall="Ổn")
    sheet = sheets.get_sheet(con, eid, "giamkhao1")
    assert sheet.values == {"I.2": Decimal("0.5")}
    assert sheet.comments == {"I.2": "Rõ ràng"} and sheet.comment == "Ổn"


def test_a_burst_of_saves_is_one_audit_entry_and_a_submit_its_own(opened):
    con, rid, eid = opened
    gk = user(con, "giamkhao1")
    for code, points in full_marks(rounds.require_round(con, rid).rubric).items():
        sheets.autosave(con, gk, eid, {code: str(points)})
    log = audit.latest(con, "sheet")
    assert log["action"].tolist() == ["save"]
    assert '"II.3": "8"' in log["after"].iloc[0] and log["before"].iloc[0] is None
    sheets.submit_sheet(con, gk, eid, stored(con, eid))
    assert audit.latest(con, "sheet")["action"].tolist() == ["submit", "save"]
    # Another examiner's saves are their own entry.
    sheets.autosave(con, user(con, "giamkhao2"), eid, {"I.1": "0,5"})
    assert audit.latest(con, "sheet")["action"].tolist() == ["save", "submit", "save"]


def test_a_submitted_sheet_is_read_only(opened):
    con, rid, eid = opened
    gk = user(con, "giamkhao1")
    sheets.submit_sheet(con, gk, eid, full_marks(rounds.require_round(con, rid).rubric))
    with pytest.raises(Invalid) as exc:
        sheets.autosave(con, gk, eid, {"I.1": "0,5"})
    assert "Phiếu đã nộp" in exc.value.errors["sheet"]
    assert stored(con, eid)["I.1"] == Decimal("0.75")


def _row(sheet):
    return (sheet.id, sheet.status, sheet.comment, sheet.submitted_at, sheet.version,
            sheet.updated_at, sheet.values, sheet.comments)  # fmt: skip


def test_what_a_save_returns_is_the_sheet_as_stored(opened):
    # The sheet's row is not read back after the write: what the save says must be the file.
    con, rid, eid = opened
    gk = user(con, "giamkhao1")
    first = sheets.autosave(con, gk, eid, {"I.1": "0,5"})  # a new sheet
    assert _row(first.sheet) == _row(sheets.get_sheet(con, eid, "giamkhao1"))
    edits = [{"points": {"I.1": "0,25"}}, {"points": {"I.2": ",75"}},  # a row kept, a new row
             {"notes": {"I.1": "Đủ ý"}}, {"overall": "Tốt"}, {"points": {"I.2": ""}}]  # fmt: skip
    for change in edits:
        done = sheets.autosave(con, gk, eid, **change)
        assert _row(done.sheet) == _row(sheets.get_sheet(con, eid, "giamkhao1"))
        assert done.view is not None and done.view.sheet == done.sheet
    assert sheets.get_sheet(con, eid, "giamkhao1").version == 1 + len(edits)
    marks = full_marks(rounds.require_round(con, rid).rubric)
    after = sheets.submit_sheet(con, gk, eid, marks, overall="Tốt")
    assert after.status == "submitted" and after.submitted_at is not None
    assert _row(after) == _row(sheets.get_sheet(con, eid, "giamkhao1"))


def test_a_save_after_the_burst_window_is_a_new_audit_entry(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    sheets.autosave(con, gk, eid, {"I.1": "0,5"})
    sheets.autosave(con, gk, eid, {"I.2": "0,5"})
    assert audit.latest(con, "sheet")["action"].tolist() == ["save"]
    con.execute(
        "UPDATE audit_log SET logged_at = logged_at - to_minutes(?) WHERE entity = 'sheet'",
        [sheets.BURST_MINUTES + 1],
    )
    sheets.autosave(con, gk, eid, {"I.1": "0,25"})
    log = audit.latest(con, "sheet")
    assert log["action"].tolist() == ["save", "save"]
    assert '"I.1": "0,25"' in log["after"].iloc[0] and '"I.1": "0,5"' in log["before"].iloc[0]
