"""lib.results: means, grades at their boundaries, disagreement, third examiner, overrides."""

from decimal import Decimal

import pytest

from lib.core.errors import Invalid
from lib.scoring import assignment, entries, results, rounds, sheets, states
from lib.scoring.rubric import NO_GRADE
from tests.scoring_helpers import add_entry, full_marks, make_round, rubric20, user


def _values(total: str, section_ii: str | None = None) -> dict[str, Decimal]:
    """A 20-point sheet adding up to total, with section II as given (rest elsewhere)."""
    r = rubric20()
    target = Decimal(total)
    ii = Decimal(section_ii) if section_ii is not None else min(target, Decimal(14))
    values = {c.code: Decimal(0) for c in r.criteria}
    left = ii
    for c in r.criteria:
        if c.section == "II":
            values[c.code] = min(c.max, left)
            left -= values[c.code]
    assert left == 0
    left = target - ii
    for c in r.criteria:
        if c.section != "II":
            values[c.code] = min(c.max, left)
            left -= values[c.code]
    assert left == 0
    return values


@pytest.fixture
def scored(demo_con):
    """Open round, SKKN-001 assigned to giamkhao1 and giamkhao2; a function to submit."""
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    states.open_round(demo_con, rid, "chutich")

    def submit(username: str, values, entry=eid):
        return sheets.submit_sheet(demo_con, user(demo_con, username), entry, values)

    return demo_con, rid, eid, submit


def _row(con, rid):
    return results.results(con, rid).iloc[0]


def test_columns_the_exports_rely_on(scored):
    con, rid, _, _ = scored
    df = results.results(con, rid)
    for column in ("entry_id", "code", "title", "authors", "field", "group_name", "n_sheets",
                   "totals", "gk1_total", "gk2_total", "gk3_total", "mean_total", "grade",
                   "override_reason", "needs_third", "status"):  # fmt: skip
        assert column in df.columns
    row = df.iloc[0]
    assert row["status"] == "Chưa có phiếu" and row["grade"] is None and row["mean_total"] is None
    assert row["totals"] == [None, None] and row["examiners"] == ["giamkhao1", "giamkhao2"]


def test_exactly_16_with_section_ii_11_is_a(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", _values("16", "11"))
    submit("giamkhao2", _values("16", "11"))
    row = _row(con, rid)
    assert (row["mean_total"], row["grade"], row["needs_third"]) == (Decimal("16.00"), "A", False)
    assert row["status"] == "Đã chấm xong" and row["gk1_total"] == 16


def test_mean_15_99_is_b(scored):
    # 16 and 15.98 are not on the 0.25 step; 16 and 15.75 give 15.875 -> 15.88 (half-up)
    con, rid, _, submit = scored
    submit("giamkhao1", _values("16", "11"))
    submit("giamkhao2", _values("15.75", "11"))
    row = _row(con, rid)
    assert row["mean_total"] == Decimal("15.88")
    assert row["grade"] == "B"  # below 16 → not A, even by a hair


def test_section_minimum_decides_the_grade(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", _values("16.75", "10.75"))
    submit("giamkhao2", _values("16.75", "10.75"))
    row = _row(con, rid)
    assert row["mean_total"] == Decimal("16.75") and row["section_means"]["II"] == Decimal("10.75")
    assert row["grade"] == "B"  # A needs section II ≥ 11


def test_mean_is_rounded_half_up_not_bankers(scored):
    con, rid, eid, submit = scored
    assignment.assign(con, eid, "chutich", "chutich")
    submit("giamkhao1", _values("12.25", "9"))
    submit("giamkhao2", _values("12.5", "9"))
    submit("chutich", _values("12.5", "9"))
    row = _row(con, rid)
    # (12.25 + 12.5 + 12.5) / 3 = 12.41666… → 12.42
    assert row["mean_total"] == Decimal("12.42") and row["n_sheets"] == 3


def test_half_up_at_the_exact_half(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", _values("13.25", "9"))
    submit("giamkhao2", _values("13", "9"))
    assert _row(con, rid)["mean_total"] == Decimal("13.13")  # 13.125 → 13.13, not 13.12


def test_different_grades_need_a_third_examiner(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", _values("16", "11"))
    submit("giamkhao2", _values("15.75", "11"))  # gap 0.25 but A vs B
    row = _row(con, rid)
    assert row["needs_third"] and row["unsettled"]
    assert row["status"] == "Cần giám khảo thứ 3" and "(A/B)" in row["reason"]
    assert results.unsettled(con, rid) == ["SKKN-001"]
    assignment.assign(con, eid, "chutich", "chutich")
    assert _row(con, rid)["status"] == "Chờ phiếu giám khảo thứ 3"
    submit("chutich", _values("16", "11"))
    row = _row(con, rid)
    assert row["n_sheets"] == 3 and not row["needs_third"]
    assert row["mean_total"] == Decimal("15.92") and row["grade"] == "B"
    assert row["gk3_total"] == 16 and row["status"] == "Đã chấm xong"


def test_gap_above_max_needs_a_third_examiner(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", _values("12.75", "9"))
    submit("giamkhao2", _values("10.5", "9"))  # both C? 10.5 → C; 12.75 → C (B needs 13)
    row = _row(con, rid)
    assert row["needs_third"] and "Chênh lệch tổng điểm 2,25 > 2" in row["reason"]


def test_gap_equal_to_max_is_fine(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", _values("12.5", "9"))
    submit("giamkhao2", _values("10.5", "9"))
    assert not _row(con, rid)["needs_third"]


def test_override_is_shown_as_such_and_settles_the_disagreement(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", _values("16", "11"))
    submit("giamkhao2", _values("15.75", "11"))
    with pytest.raises(Invalid, match="lý do"):
        results.set_override(con, eid, "A", "", "chutich")
    with pytest.raises(Invalid, match="không có trong mẫu phiếu"):
        results.set_override(con, eid, "A+", "Lý do", "chutich")
    results.set_override(con, eid, "A", "Hội đồng thống nhất sau khi đọc lại", "chutich")
    row = _row(con, rid)
    assert (row["grade"], row["computed_grade"], row["overridden"]) == ("A", "B", True)
    assert row["override_reason"] == "Hội đồng thống nhất sau khi đọc lại"
    assert row["status"] == "Chủ tịch HĐ đã quyết định" and not row["unsettled"]
    results.set_override(con, eid, None, "Bỏ điều chỉnh", "chutich")
    row = _row(con, rid)
    assert row["grade"] == "B" and not row["overridden"] and row["unsettled"]
    assert NO_GRADE in results.grade_choices(rounds.require_round(con, rid))


def test_finalize_waits_for_disagreements_to_be_settled(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", _values("16", "11"))
    submit("giamkhao2", _values("15.75", "11"))
    states.close_round(con, rid, "chutich")
    with pytest.raises(Invalid, match="SKKN-001"):
        states.finalize_round(con, rid, "chutich")
    results.set_override(con, eid, "B", "Giữ loại B", "chutich")
    states.finalize_round(con, rid, "chutich")
    with pytest.raises(Invalid, match="đã công bố"):
        results.set_override(con, eid, "A", "Muộn", "chutich")


def test_only_submitted_sheets_count(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", full_marks(rubric20()))
    sheets.save_draft(con, user(con, "giamkhao2"), eid, {"I.1": 0})
    row = _row(con, rid)
    assert row["n_sheets"] == 1 and row["mean_total"] == 20 and row["status"] == "Đang chấm (1/2)"
    assert row["totals"] == [20, None]


def test_withdrawn_entry_is_listed_without_a_grade(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", full_marks(rubric20()))
    entries.withdraw_entry(con, eid, "chutich", "Rút")
    row = _row(con, rid)
    assert row["status"] == "Đã rút" and row["grade"] is None and row["withdrawn"]


def test_progress_per_examiner_and_entry(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", full_marks(rubric20()))
    by_examiner = results.progress_by_examiner(con, rid).set_index("username")
    assert by_examiner.loc["giamkhao1", ["assigned", "submitted", "percent"]].tolist() == [
        1,
        1,
        100,
    ]
    assert by_examiner.loc["giamkhao2", ["assigned", "submitted", "not_started"]].tolist() == [
        1, 0, 1,
    ]  # fmt: skip
    by_entry = results.progress_by_entry(con, rid)
    assert by_entry[["code", "assigned", "submitted", "needed"]].values.tolist() == [
        ["SKKN-001", 2, 1, 2]
    ]


def test_progress_counts_drafts_and_leaves_out_withdrawn_entries(scored):
    con, rid, eid, submit = scored
    second = add_entry(con, rid, title="Đề tài hai")
    assignment.assign(con, second, "giamkhao1", "chutich")
    sheets.save_draft(con, user(con, "giamkhao1"), second, {"I.1": Decimal("0.5")})
    submit("giamkhao2", full_marks(rubric20()))
    counts = ["assigned", "submitted", "drafts", "not_started"]
    by_examiner = results.progress_by_examiner(con, rid).set_index("username")
    assert by_examiner.loc["giamkhao1", counts].tolist() == [2, 0, 1, 1]
    assert by_examiner.loc["giamkhao2", counts].tolist() == [1, 1, 0, 0]
    assert by_examiner.loc["chutich", counts].tolist() == [0, 0, 0, 0]  # on the council, no SKKN
    entries.withdraw_entry(con, eid, "chutich", "Rút")
    by_examiner = results.progress_by_examiner(con, rid).set_index("username")
    assert by_examiner.loc["giamkhao1", counts].tolist() == [1, 0, 1, 0]
    assert by_examiner.loc["giamkhao2", [*counts, "percent"]].tolist() == [0, 0, 0, 0, 0]


def test_submitted_sheets_for_printing(scored):
    con, rid, eid, submit = scored
    values = _values("16", "11")
    sheets.submit_sheet(con, user(con, "giamkhao2"), eid, values, {"II.3": "Biện pháp hay"},
                         "Đạt loại A")  # fmt: skip
    submit("giamkhao1", _values("17", "12"))
    submitted = results.submitted_sheets(con, rid)
    assert [(s.gk, s.examiner, s.total, s.grade) for s in submitted] == [
        ("GK1", "giamkhao1", 17, "A"), ("GK2", "giamkhao2", 16, "A"),
    ]  # fmt: skip
    mine = results.submitted_sheets(con, rid, examiner="giamkhao2")[0]
    assert mine.examiner_name == "Phạm Minh Châu" and mine.comments == {"II.3": "Biện pháp hay"}
    assert mine.overall == "Đạt loại A" and mine.scores["II.3"] == values["II.3"]
    assert mine.authors == "Vũ Thị Hồng Nhung" and mine.section_totals["II"] == 11


def test_summary_counts(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", _values("16", "11"))
    submit("giamkhao2", _values("16", "11"))
    s = results.headline_counts(con, rid)
    assert s["entries"] == 1 and s["submitted"] == 2 and s["expected"] == 2 and s["grade:A"] == 1


def test_sheet_list_is_submitted_sheets_without_points(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", _values("17", "12"))
    sheets.save_draft(con, user(con, "giamkhao2"), eid, {"I.1": "0,25"})
    listed = results.sheet_list(con, rid)
    full = results.submitted_sheets(con, rid)
    assert listed[["sheet_id", "code", "gk", "examiner_name"]].values.tolist() == [
        [s.sheet_id, s.code, s.gk, s.examiner_name] for s in full
    ]
    everything = results.sheet_list(con, rid, include_drafts=True)
    assert list(everything["gk"]) == ["GK1", "GK2"]
    assert list(everything["status"]) == ["submitted", "draft"]
    draft_id = int(everything["sheet_id"].iloc[1])
    (draft,) = results.submitted_sheets(con, rid, include_drafts=True, sheet_id=draft_id)
    assert (draft.examiner, draft.status, draft.scores["I.1"]) == ("giamkhao2", "draft", 0.25)
    assert draft.authors == "Vũ Thị Hồng Nhung"


def test_summary_and_unsettled_from_results_already_read(scored):
    con, rid, _, submit = scored
    submit("giamkhao1", full_marks(rubric20()))
    submit("giamkhao2", _values("16", "11"))
    df = results.results(con, rid)
    assert results.headline_counts(con, rid, df) == results.headline_counts(con, rid)
    assert results.unsettled(con, rid, df) == results.unsettled(con, rid) == ["SKKN-001"]


def test_a_score_outside_the_rubric_is_refused_by_name(scored):
    con, rid, eid, submit = scored
    submit("giamkhao1", _values("16", "11"))
    sheet_id = con.execute("SELECT id FROM sheets").fetchone()[0]
    con.execute("UPDATE scores SET criterion = 'IX.9' WHERE sheet_id = ? AND criterion = 'I.1'",
                [sheet_id])  # fmt: skip
    with pytest.raises(ValueError, match="IX.9"):
        results.results(con, rid)
