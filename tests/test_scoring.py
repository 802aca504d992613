"""lib.scoring: drafts, submission, reopening and the examiner's own list."""

from decimal import Decimal

import pytest

from lib.core.errors import Invalid
from lib.scoring import assignment, entries, history, sheets, states, worklist
from tests.scoring_helpers import add_entry, full_marks, make_round, rubric20, user


@pytest.fixture
def opened(demo_con):
    """A round open for scoring: SKKN-001 assigned to giamkhao1 (GK1) and giamkhao2 (GK2)."""
    rid = make_round(demo_con, deadline=None)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    states.open_round(demo_con, rid, "chutich")
    return demo_con, rid, eid


def test_draft_keeps_partial_values_and_comments(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    sheet = sheets.save_draft(con, gk, eid, {"I.1": "0,5", "II.3": 7.25}, {"II.3": "Tốt"}, "Ổn")
    assert sheet.values == {"I.1": Decimal("0.5"), "II.3": Decimal("7.25")}
    assert sheet.comments == {"II.3": "Tốt"} and sheet.comment == "Ổn"
    assert (sheet.status, sheet.status_label, sheet.version, sheet.gk) == (
        "draft", "Đang chấm", 1, "GK1",
    )  # fmt: skip
    # clearing a value removes its row; a comment alone is kept
    sheet = sheets.save_draft(con, gk, eid, {"I.1": ""}, {"II.3": "Tốt"}, "Ổn")
    assert sheet.values == {"II.3": None} and sheet.version == 2


def test_unsaved_sheet_reads_as_not_started(opened):
    con, _, eid = opened
    sheet = sheets.get_sheet(con, eid, "giamkhao1")
    assert sheet.id is None and sheet.status_label == "Chưa chấm" and sheet.assigned


def test_bad_values_are_refused_with_the_criterion_named(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    with pytest.raises(Invalid) as exc:
        sheets.save_draft(con, gk, eid, {"I.1": "0,8", "II.3": "abc", "I.2": "0,3"})
    assert exc.value.errors["I.1"] == "I.1 (Đặt vấn đề): 0,8 vượt quá điểm tối đa 0,75"
    assert "II.3 (Biện pháp)" in exc.value.errors["II.3"] and "không phải là số" in str(exc.value)
    assert "bội số của 0,25" in exc.value.errors["I.2"]
    assert con.execute("SELECT count(*) FROM sheets").fetchone() == (0,)


def test_submit_needs_every_criterion(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    values = full_marks(rubric20())
    del values["IV.1"]
    with pytest.raises(Invalid) as exc:
        sheets.submit_sheet(con, gk, eid, values)
    assert list(exc.value.errors) == ["IV.1"] and "chưa nhập điểm" in exc.value.errors["IV.1"]
    assert sheets.get_sheet(con, eid, "giamkhao1").id is None


def test_submitted_sheet_is_read_only_until_the_chair_reopens_it(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    sheet = sheets.submit_sheet(con, gk, eid, full_marks(rubric20()), overall="Rất tốt")
    assert sheet.status == "submitted" and sheet.submitted_at is not None
    with pytest.raises(Invalid, match="Phiếu đã nộp"):
        sheets.save_draft(con, gk, eid, {"I.1": 0})
    with pytest.raises(Invalid, match="lý do"):
        sheets.reopen_sheet(con, user(con, "chutich"), sheet.id, "")
    with pytest.raises(Invalid, match="Chỉ Chủ tịch"):
        sheets.reopen_sheet(con, user(con, "giamkhao2"), sheet.id, "Xin sửa")
    again = sheets.reopen_sheet(con, user(con, "chutich"), sheet.id, "Nhập nhầm điểm II.3")
    assert (again.status, again.reopened_reason, again.reopened_by) == (
        "draft", "Nhập nhầm điểm II.3", "chutich",
    )  # fmt: skip
    assert sheets.save_draft(con, gk, eid, {"I.1": 0}).values["I.1"] == 0


def test_only_the_assigned_examiner_writes_and_never_an_author(opened):
    con, rid, eid = opened
    with pytest.raises(Invalid, match="không được phân công"):
        sheets.save_draft(con, user(con, "chutich"), eid, {"I.1": 0})
    own = add_entry(con, rid, "Của Hà", author="Lê Thu Hà")
    # an assignment made before the authorship was known is still refused at the sheet
    con.execute("INSERT INTO assignments (entry_id, examiner, ord) VALUES (?, 'giamkhao1', 1)",
                [own])  # fmt: skip
    with pytest.raises(Invalid, match="là tác giả"):
        sheets.save_draft(con, user(con, "giamkhao1"), own, {"I.1": 0})


def test_no_writing_outside_an_open_round(opened):
    con, rid, eid = opened
    states.close_round(con, rid, "chutich")
    with pytest.raises(Invalid, match="đã đóng"):
        sheets.save_draft(con, user(con, "giamkhao1"), eid, {"I.1": 0})


def test_withdrawn_entry_is_not_scored(opened):
    con, _, eid = opened
    entries.withdraw_entry(con, eid, "chutich", "Rút")
    with pytest.raises(Invalid, match="đã rút"):
        sheets.save_draft(con, user(con, "giamkhao1"), eid, {"I.1": 0})


def test_stale_window_cannot_overwrite_a_newer_save(opened):
    con, _, eid = opened
    gk = user(con, "giamkhao1")
    first = sheets.save_draft(con, gk, eid, {"I.1": "0,5"})
    sheets.save_draft(con, gk, eid, {"I.1": "0,75"}, expected_version=first.version)
    with pytest.raises(Invalid, match="cửa sổ khác"):
        sheets.save_draft(con, gk, eid, {"I.1": "0,25"}, expected_version=first.version)


def test_preview_adds_up_sections_total_and_grade():
    r = rubric20()
    values = full_marks(r)
    p = sheets.preview(r, values)
    assert p.total == 20 and p.grade == "A" and p.missing == []
    values["II.3"] = Decimal(2)  # total 14 ≥ 13 but section II 8 < 9: not B, so C
    p = sheets.preview(r, values)
    assert p.total == 14 and p.sections["II"] == 8 and p.grade == "C"
    p = sheets.preview(r, {"I.1": "0,5", "I.2": "9"})
    assert p.total == Decimal("0.5") and p.missing[0] == "I.2" and p.errors[0].field == "I.2"


def test_my_assignments_show_status_and_deadline(opened):
    con, rid, eid = opened
    other = add_entry(con, rid, "Thứ hai", author="Bùi Thanh Tâm")
    states.close_round(con, rid, "chutich")
    states.reopen_scoring(con, rid, "chutich", "Thêm SKKN")
    con.execute("UPDATE rounds SET deadline = DATE '2025-04-15'")
    third = make_round(con, "Đợt chưa mở")
    assignment.assign(con, add_entry(con, third), "giamkhao1", "chutich")
    assignment.assign(con, other, "giamkhao1", "chutich")
    gk = user(con, "giamkhao1")
    sheets.save_draft(con, gk, other, {"I.1": "0,5"})
    sheets.submit_sheet(con, gk, eid, full_marks(rubric20()))
    df = worklist.my_assignments(con, "giamkhao1")
    assert list(df["code"]) == ["SKKN-001", "SKKN-002"]  # the unopened round is not listed
    assert list(df["status_label"]) == ["Đã nộp", "Đang chấm"]
    assert list(df["total"]) == [20.0, 0.5]
    assert str(df.loc[0, "deadline"].date()) == "2025-04-15"
    other_examiner = worklist.my_assignments(con, "giamkhao2")
    assert list(other_examiner["status_label"]) == ["Chưa chấm"]


def test_every_save_submit_and_reopen_is_audited(opened):
    con, rid, eid = opened
    gk = user(con, "giamkhao1")
    sheets.save_draft(con, gk, eid, {"I.1": "0,5"})
    sheet = sheets.submit_sheet(con, gk, eid, full_marks(rubric20()))
    sheets.reopen_sheet(con, user(con, "chutich"), sheet.id, "Sửa")
    log = history.round_history(con, rid)
    assert list(log["action"])[:3] == ["reopen_sheet", "submit", "save"]
    submitted = log.iloc[1]
    assert submitted["sentence"] == "Lê Thu Hà nộp phiếu SKKN-001: 20 điểm"
    assert "I.1: 0,5 → " in submitted["details"] and "I.1: 0,75" in submitted["details"]
