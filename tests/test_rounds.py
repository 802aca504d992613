"""lib.rounds: rounds and their rubric, entries, conflicts, assignment, states, audit."""

import io
import zipfile
from dataclasses import replace
from decimal import Decimal

import docx
import pytest

from lib.core.errors import Invalid
from lib.scoring import assignment, conflicts, council, entries, history, rounds, sheets, states
from lib.scoring.rubric import load_rubric_yaml
from tests.scoring_helpers import (
    TEMPLATE_100,
    add_entry,
    add_examiner,
    full_marks,
    make_round,
    rubric20,
    user,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


# --- rounds and their rubric ------------------------------------------------------------


def test_create_round_defaults_and_council(demo_con):
    rid = make_round(demo_con)
    r = rounds.require_round(demo_con, rid)
    assert (r.level, r.state, r.examiners_per_entry, r.blind) == ("cấp trường", "draft", 2, False)
    assert r.state_label == "Chuẩn bị"
    assert r.max_gap == Decimal(2) and r.rubric.max_gap == Decimal(2)
    assert r.rubric == rubric20()
    members = council.round_examiners(demo_con, rid)
    assert set(members["username"]) == {"chutich", "giamkhao1", "giamkhao2"}
    duties = dict(zip(members["username"], members["duty"], strict=True))
    assert duties["chutich"] == "Chủ tịch HĐ" and duties["giamkhao1"] == "Ủy viên"


def test_round_settings_are_checked_together(demo_con):
    make_round(demo_con, "Đợt 1")
    with pytest.raises(Invalid) as exc:
        rounds.create_round(
            demo_con, "chutich", "đợt 1", rubric20(), school_year="2024-2026",
            examiners_per_entry=9, max_gap="-1",
        )  # fmt: skip
    assert set(exc.value.errors) == {"name", "school_year", "examiners_per_entry", "max_gap"}
    assert "Đợt 1" in exc.value.errors["name"]
    with pytest.raises(Invalid, match="chữ số"):
        rounds.create_round(demo_con, "chutich", "2024", rubric20())


def test_round_found_by_id_or_name(demo_con):
    rid = make_round(demo_con, "Chấm SKKN năm học 2024-2025")
    assert rounds.require_round_by_key(demo_con, str(rid)).id == rid
    assert rounds.require_round_by_key(demo_con, "chấm skkn năm học 2024-2025").id == rid
    with pytest.raises(Invalid, match="Không có đợt chấm"):
        rounds.require_round_by_key(demo_con, "Đợt khác")


def test_round_max_gap_overrides_the_rubric_and_follows_a_new_rubric(demo_con):
    rid = make_round(demo_con, max_gap="1,5")
    assert rounds.require_round(demo_con, rid).rubric.max_gap == Decimal("1.5")
    r100 = rounds.load_rubric_file(TEMPLATE_100)
    rounds.set_rubric(demo_con, rid, r100, "chutich")
    r = rounds.require_round(demo_con, rid)
    assert r.rubric.name == r100.name and r.max_gap == Decimal(10)


def test_a_saved_rubric_edit_is_read_at_once_though_parsing_is_remembered(demo_con):
    rid = make_round(demo_con)
    before = rounds.require_round(demo_con, rid).rubric
    assert rounds.require_round(demo_con, rid).rubric == before  # read twice, parsed once
    renamed = replace(before, name="Phiếu chấm của trường", scale=before.scale)
    rounds.set_rubric(demo_con, rid, renamed, "chutich")
    assert rounds.require_round(demo_con, rid).rubric.name == "Phiếu chấm của trường"
    rounds.set_rubric(demo_con, rid, before, "chutich")  # back to a text parsed before
    assert rounds.require_round(demo_con, rid).rubric == before


def test_rubric_yaml_round_trips(demo_con):
    rid = make_round(demo_con)
    text = rounds.rubric_yaml(rounds.require_round(demo_con, rid))
    again, errors = load_rubric_yaml(text)
    assert errors == [] and again == rubric20()
    assert "Lý do chọn đề tài" in text  # Vietnamese kept as UTF-8, not \u escapes


def _open_with_one_entry(con):
    rid = make_round(con)
    eid = add_entry(con, rid)
    assignment.assign(con, eid, "giamkhao1", "chutich")
    states.open_round(con, rid, "chutich")
    return rid, eid


def test_rubric_is_frozen_once_a_sheet_is_submitted(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    gk = user(demo_con, "giamkhao1")
    sheets.save_draft(demo_con, gk, eid, {"I.1": "0,5"})
    edited = replace(rubric20(), name="Phiếu sửa")
    rounds.set_rubric(demo_con, rid, edited, "chutich")  # drafts only: still editable
    assert not rounds.require_round(demo_con, rid).rubric_frozen
    sheets.submit_sheet(demo_con, gk, eid, full_marks(edited))
    assert rounds.require_round(demo_con, rid).rubric_frozen
    assert rounds.is_rubric_frozen(demo_con, rid)
    with pytest.raises(Invalid, match="đã khóa"):
        rounds.set_rubric(demo_con, rid, rubric20(), "chutich")


def test_rubric_edit_cannot_drop_a_criterion_with_draft_points(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    sheets.save_draft(demo_con, user(demo_con, "giamkhao1"), eid, {"I.1": "0,5"})
    with pytest.raises(Invalid, match="I.1"):
        rounds.set_rubric(demo_con, rid, rounds.load_rubric_file(TEMPLATE_100), "chutich")


def test_rubric_edit_cannot_lower_a_maximum_below_draft_points(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    sheets.save_draft(demo_con, user(demo_con, "giamkhao1"), eid, {"II.3": "7,5"})
    r = rubric20()
    lower = replace(
        r,
        criteria=tuple(
            replace(c, max=Decimal(7)) if c.code == "II.3"
            else replace(c, max=c.max + 1) if c.code == "IV.1" else c
            for c in r.criteria
        ),
    )  # fmt: skip
    with pytest.raises(Invalid, match=r"II.3 \(đã có 7,5 điểm, tối đa mới 7\)"):
        rounds.set_rubric(demo_con, rid, lower, "chutich")


# --- entries ---------------------------------------------------------------------------


def test_entry_codes_are_generated_or_the_councils_own_and_unique(demo_con):
    rid = make_round(demo_con)
    first = add_entry(demo_con, rid, "Một")
    add_entry(demo_con, rid, "Hai", code="HĐ-07")
    third = add_entry(demo_con, rid, "Ba")
    assert entries.require_entry(demo_con, first).code == "SKKN-001"
    assert entries.require_entry(demo_con, third).code == "SKKN-002"
    with pytest.raises(Invalid, match="đã có"):
        add_entry(demo_con, rid, "Bốn", code="hđ-07")
    other = make_round(demo_con, "Đợt khác")
    assert entries.require_entry(demo_con, add_entry(demo_con, other, "X")).code == "SKKN-001"


def test_authors_shares_must_add_up_to_100(demo_con):
    rid = make_round(demo_con)
    with pytest.raises(Invalid) as exc:
        entries.add_entry(
            demo_con, rid, "chutich", title="Đề tài",
            authors=[{"name": "Bùi Thanh Tâm", "share": 60}, {"name": "Ngô Thị Phương",
                                                              "share": "30"}],
        )  # fmt: skip
    assert "90%" in exc.value.errors["shares"]
    with pytest.raises(Invalid, match="hãy nhập tỉ lệ"):
        entries.add_entry(
            demo_con, rid, "chutich", title="Đề tài",
            authors=[{"name": "Bùi Thanh Tâm"}, {"name": "Ngô Thị Phương", "share": 50}],
        )  # fmt: skip
    with pytest.raises(Invalid, match="ít nhất một tác giả"):
        entries.add_entry(demo_con, rid, "chutich", title="Đề tài", authors=[])
    eid = entries.add_entry(
        demo_con, rid, "chutich", title="Đề tài",
        authors=[{"name": "Bùi Thanh Tâm", "share": "33,33"},
                 {"name": "Ngô Thị Phương", "share": "33,33"},
                 {"name": "Người ngoài trường", "share": "33,34"}],
    )  # fmt: skip
    e = entries.require_entry(demo_con, eid)
    assert e.authors_text == (
        "Bùi Thanh Tâm (33,33%); Ngô Thị Phương (33,33%); Người ngoài trường (33,34%)"
    )
    assert e.authors[0].person_id is not None and e.authors[2].person_id is None
    assert e.group_name == "Tổ Mẫu giáo lớn"  # the first author's group by default


def test_sole_author_gets_100_and_is_written_alone(demo_con):
    rid = make_round(demo_con)
    eid = entries.add_entry(
        demo_con, rid, "chutich", title="T", authors=[{"name": "Bùi Thanh Tâm"}]
    )
    assert entries.require_entry(demo_con, eid).authors_text == "Bùi Thanh Tâm"


def test_document_must_be_a_real_pdf_or_docx(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid, document=PDF, document_name="de-tai.pdf")
    assert entries.entry_document(demo_con, eid) == (PDF, "de-tai.pdf", "application/pdf")
    with pytest.raises(Invalid, match="chỉ nhận PDF hoặc DOCX"):
        add_entry(demo_con, rid, document=b"abc", document_name="de-tai.txt")
    with pytest.raises(Invalid, match="không phải là tệp DOCX"):
        add_entry(demo_con, rid, document=PDF, document_name="de-tai.docx")
    entries.set_document(demo_con, eid, "chutich", None, None)
    assert entries.entry_document(demo_con, eid) is None


def test_a_renamed_zip_is_not_accepted_as_a_docx(demo_con):
    rid = make_round(demo_con)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("anh.jpg", b"not a word document")
    with pytest.raises(Invalid, match="tệp nén khác được đổi đuôi"):
        add_entry(demo_con, rid, document=buffer.getvalue(), document_name="de-tai.docx")
    real = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Biện pháp nâng cao chất lượng")
    document.save(real)
    eid = add_entry(demo_con, rid, document=real.getvalue(), document_name="de-tai.docx")
    assert entries.entry_document(demo_con, eid)[1] == "de-tai.docx"


def test_withdrawn_entry_is_kept_marked_and_not_assignable(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    with pytest.raises(Invalid, match="lý do"):
        entries.withdraw_entry(demo_con, eid, "chutich")
    entries.withdraw_entry(demo_con, eid, "chutich", "Tác giả xin rút")
    df = entries.entry_table(demo_con, rid)
    assert df.loc[0, "withdrawn"] and df.loc[0, "withdrawn_reason"] == "Tác giả xin rút"
    with pytest.raises(Invalid, match="đã rút"):
        assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    entries.withdraw_entry(demo_con, eid, "chutich", withdrawn=False)
    assert assignment.assign(demo_con, eid, "giamkhao1", "chutich") == 1


def test_entry_code_and_authors_can_be_edited(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    entries.update_entry(
        demo_con, eid, "chutich", code="HĐ-01", title="Tên mới",
        authors=[{"name": "Vũ Thị Hồng Nhung", "share": 50}, {"name": "Bùi Thanh Tâm",
                                                               "share": 50}],
    )  # fmt: skip
    e = entries.require_entry(demo_con, eid)
    assert (e.code, e.title, len(e.authors)) == ("HĐ-01", "Tên mới", 2)
    with pytest.raises(Invalid, match="không thể là tác giả"):
        entries.update_entry(
            demo_con, eid, "chutich", code="HĐ-01", title="Tên mới",
            authors=[{"name": "Lê Thu Hà", "share": 100}],
        )  # fmt: skip


# --- conflicts and assignment ----------------------------------------------------------


def test_an_author_is_never_assigned_to_their_own_entry(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid, author="Lê Thu Hà")  # giamkhao1's person
    with pytest.raises(Invalid, match="là tác giả"):
        assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    # even written without the person link (e.g. typed into a co-author list)
    eid2 = entries.add_entry(
        demo_con, rid, "chutich", title="T2",
        authors=[{"name": "Phạm  Minh Châu ", "share": 50}, {"name": "X", "share": 50}],
    )  # fmt: skip
    with pytest.raises(Invalid, match="là tác giả"):
        assignment.assign(demo_con, eid2, "giamkhao2", "chutich")
    plan = assignment.propose_assignments(demo_con, rid)
    assert ("giamkhao1", eid) not in {(p.examiner, p.entry_id) for p in plan.proposals}
    assert ("giamkhao2", eid2) not in {(p.examiner, p.entry_id) for p in plan.proposals}
    kinds = conflicts.conflicts(demo_con, rid)
    assert set(kinds.loc[kinds["kind"] == "author", "examiner"]) == {"giamkhao1", "giamkhao2"}


def test_recorded_conflict_refuses_the_pair_with_the_reason(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    conflicts.add_conflict(demo_con, eid, "giamkhao2", "relative", "chutich", "chị em họ")
    with pytest.raises(Invalid, match=r"người thân: chị em họ"):
        assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    with pytest.raises(Invalid, match="Đã ghi xung đột"):
        conflicts.add_conflict(demo_con, eid, "giamkhao2", "other", "chutich")
    with pytest.raises(Invalid, match="Loại xung đột"):
        conflicts.add_conflict(demo_con, eid, "giamkhao1", "enemy", "chutich")
    conflict_id = int(conflicts.conflicts(demo_con, rid, include_authors=False).loc[0, "id"])
    conflicts.remove_conflict(demo_con, conflict_id, "chutich")
    assert assignment.assign(demo_con, eid, "giamkhao2", "chutich") == 1


def test_conflict_for_an_assigned_pair_asks_to_unassign_first(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    with pytest.raises(Invalid, match="bỏ phân công trước"):
        conflicts.add_conflict(demo_con, eid, "giamkhao2", "same_group", "chutich")


def test_only_active_examiners_are_assigned(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    with pytest.raises(Invalid, match="không phải tài khoản giám khảo"):
        assignment.assign(demo_con, eid, "giaovien", "chutich")


def test_same_group_conflicts_are_suggested(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid, author="Bùi Thanh Tâm")  # Tổ Mẫu giáo lớn, like giamkhao2
    found = conflicts.same_group_conflicts(demo_con, rid)
    assert found[["entry_id", "code", "examiner"]].values.tolist() == [
        [eid, "SKKN-001", "giamkhao2"]
    ]


def test_unassign_never_moves_a_sheet_with_scores(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    assignment.unassign(demo_con, eid, "giamkhao2", "chutich")  # nothing written yet
    sheets.save_draft(demo_con, user(demo_con, "giamkhao1"), eid, {"I.1": "0,25"})
    with pytest.raises(Invalid, match="đã có điểm"):
        assignment.unassign(demo_con, eid, "giamkhao1", "chutich")


def test_empty_saved_sheet_goes_with_its_assignment(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    sheets.save_draft(demo_con, user(demo_con, "giamkhao1"), eid, {})
    assignment.unassign(demo_con, eid, "giamkhao1", "chutich")
    assert demo_con.execute("SELECT count(*) FROM sheets").fetchone() == (0,)


def _council(con, n: int, prefix: str = "gk") -> list[str]:
    names = []
    for i in range(1, n + 1):
        add_examiner(con, f"{prefix}{i:02d}", f"Giám khảo {prefix.upper()} {i:02d}")
        names.append(f"{prefix}{i:02d}")
    return names


def test_auto_assignment_balances_loads(con):
    members = _council(con, 5)
    rid = make_round(con)
    for i in range(12):
        add_entry(con, rid, f"Đề tài {i}", author=f"Tác giả {i}")
    plan = assignment.propose_assignments(con, rid)
    assert plan.problems == []
    assert len(plan.proposals) == 24
    loads = [plan.loads[u] for u in members]
    assert sum(loads) == 24 and max(loads) - min(loads) <= 1
    per_entry = {}
    for p in plan.proposals:
        per_entry.setdefault(p.entry_id, []).append((p.ord, p.examiner))
    assert all(sorted(o for o, _ in v) == [1, 2] and len({x for _, x in v}) == 2
               for v in per_entry.values())  # fmt: skip
    # nothing was written: the plan is shown for confirmation first
    assert con.execute("SELECT count(*) FROM assignments").fetchone() == (0,)


def test_auto_assignment_is_stable_and_never_moves_anything(con):
    _council(con, 4)
    rid = make_round(con)
    for i in range(6):
        add_entry(con, rid, f"Đề tài {i}", author=f"Tác giả {i}")
    first = assignment.propose_assignments(con, rid)
    assert assignment.propose_assignments(con, rid).proposals == first.proposals  # deterministic
    assignment.apply_assignments(con, rid, first.proposals, "chutich")
    before = assignment.assignments(con, rid)[["entry_id", "examiner", "ord"]]
    assert assignment.propose_assignments(con, rid).proposals == []
    new = add_entry(con, rid, "Đề tài mới", author="Tác giả mới")
    again = assignment.propose_assignments(con, rid)
    assert {p.entry_id for p in again.proposals} == {new} and len(again.proposals) == 2
    assignment.apply_assignments(con, rid, again.proposals, "chutich")
    after = assignment.assignments(con, rid)[["entry_id", "examiner", "ord"]]
    kept = after.merge(before, how="inner")
    assert len(kept) == len(before)  # every earlier assignment is still there, unchanged


def test_auto_assignment_prefers_the_same_field_and_respects_conflicts(con):
    members = _council(con, 4)
    rid = make_round(con)
    council.set_council_member(con, rid, members[2], "chutich", fields="Nhà trẻ")
    council.set_council_member(con, rid, members[3], "chutich", fields="nha tre; Quản lý")
    eid = add_entry(con, rid, "Trẻ nhà trẻ", author="A", field="Nhà trẻ")
    plan = assignment.propose_assignments(con, rid)
    assert {p.examiner for p in plan.proposals} == {members[2], members[3]}
    assert all(p.same_field for p in plan.proposals)
    conflicts.add_conflict(con, eid, members[3], "relative", "chutich")
    plan = assignment.propose_assignments(con, rid)
    chosen = {p.examiner for p in plan.proposals}
    assert members[2] in chosen and members[3] not in chosen and len(chosen) == 2


def test_auto_assignment_reports_entries_it_cannot_fill(con):
    add_examiner(con, "gk01", "Nguyễn Văn A")
    add_examiner(con, "gk02", "Trần Thị B")
    rid = make_round(con)
    eid = add_entry(con, rid, "Đề tài của A", author="Nguyễn Văn A")
    plan = assignment.propose_assignments(con, rid)
    assert [p.examiner for p in plan.proposals] == ["gk02"]
    assert plan.problems and "SKKN-001" in plan.problems[0] and "1/2" in plan.problems[0]
    assert entries.require_entry(con, eid).code == "SKKN-001"


def test_apply_rechecks_every_proposal_all_or_nothing(con):
    _council(con, 2)
    rid = make_round(con)
    eid = add_entry(con, rid, "Đề tài", author="X")
    plan = assignment.propose_assignments(con, rid)
    conflicts.add_conflict(con, eid, plan.proposals[1].examiner, "other", "chutich")
    with pytest.raises(Invalid, match="xung đột"):
        assignment.apply_assignments(con, rid, plan.proposals, "chutich")
    assert con.execute("SELECT count(*) FROM assignments").fetchone() == (0,)


def test_third_examiner_gets_gk3(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    assert assignment.assign(demo_con, eid, "giamkhao1", "chutich") == 1
    assert assignment.assign(demo_con, eid, "giamkhao2", "chutich") == 2
    assert assignment.assign(demo_con, eid, "chutich", "chutich") == 3
    assert list(assignment.assignments(demo_con, rid)["gk"]) == ["GK1", "GK2", "GK3"]
    with pytest.raises(Invalid, match="đã được phân công"):
        assignment.assign(demo_con, eid, "chutich", "chutich")


def test_council_member_with_assignments_stays(demo_con):
    rid = make_round(demo_con)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    with pytest.raises(Invalid, match="bỏ phân công trước"):
        council.remove_council_member(demo_con, rid, "giamkhao1", "chutich")
    council.remove_council_member(demo_con, rid, "giamkhao2", "chutich")
    assert "giamkhao2" not in set(council.round_examiners(demo_con, rid)["username"])


# --- states ----------------------------------------------------------------------------


def test_state_changes_follow_the_process(demo_con):
    rid = make_round(demo_con)
    with pytest.raises(Invalid, match="Chưa có SKKN"):
        states.open_round(demo_con, rid, "chutich")
    eid = add_entry(demo_con, rid)
    with pytest.raises(Invalid, match="Không chuyển được"):
        states.finalize_round(demo_con, rid, "chutich")
    assert states.open_round(demo_con, rid, "chutich").state == "open"
    assert states.close_round(demo_con, rid, "chutich").state == "closed"
    with pytest.raises(Invalid, match="lý do"):
        states.reopen_scoring(demo_con, rid, "chutich", " ")
    assert states.reopen_scoring(demo_con, rid, "chutich", "Thêm GK3").state == "open"
    states.close_round(demo_con, rid, "chutich")
    # An entry nobody has scored is named, and nothing is published until it is scored or withdrawn.
    with pytest.raises(Invalid, match="chưa có phiếu chấm nào được nộp: SKKN-001"):
        states.finalize_round(demo_con, rid, "chutich")
    assert rounds.require_round(demo_con, rid).state == "closed"
    entries.withdraw_entry(demo_con, eid, "chutich", "Tác giả xin rút")
    r = states.finalize_round(demo_con, rid, "chutich")
    assert (r.state, r.finalized_by) == ("final", "chutich") and r.finalized_at is not None
    with pytest.raises(Invalid, match="đã công bố"):
        add_entry(demo_con, rid, "Muộn")
    r = states.reopen_round(demo_con, rid, "chutich", "Sửa tên tác giả")
    assert (r.state, r.reopen_reason, r.finalized_by) == ("closed", "Sửa tên tác giả", None)


def test_audit_lists_the_rounds_history(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    sheets.save_draft(demo_con, user(demo_con, "giamkhao1"), eid, {"I.1": "0,5"})
    other = make_round(demo_con, "Đợt khác")
    add_entry(demo_con, other)
    log = history.round_history(demo_con, rid)
    assert list(log["action"])[:4] == ["save", "open", "assign", "create"]
    assert set(log["entity_id"]) == {str(rid), f"{rid}:SKKN-001", f"{rid}:SKKN-001:giamkhao1"}
    saved = log.iloc[0]
    assert saved["actor"] == "giamkhao1"
    # Read as sentences with names, not ids; the values saved on demand, not as JSON.
    assert saved["sentence"] == "Lê Thu Hà lưu nháp phiếu SKKN-001"
    assert "Điểm: I.1: 0,5" in saved["details"].splitlines() and "{" not in saved["details"]
    assert list(log["sentence"])[1:] == [
        "Nguyễn Thị Quyên mở đợt chấm",
        "Nguyễn Thị Quyên phân công Lê Thu Hà chấm SKKN-001 (GK1)",
        "Nguyễn Thị Quyên đăng ký SKKN-001: Đề tài",
        "Nguyễn Thị Quyên xác nhận ngưỡng xếp loại",
        "Nguyễn Thị Quyên tạo đợt chấm “Đợt chấm thử”",
    ]


def test_conflicted_examiners_agrees_with_conflict_reason(demo_con):
    rid = make_round(demo_con)
    # giamkhao2 (Phạm Minh Châu) wrote it by name only; giamkhao1 has a recorded conflict
    eid = entries.add_entry(
        demo_con, rid, "chutich", title="T",
        authors=[{"name": "Phạm  Minh Châu ", "share": 50}, {"name": "X", "share": 50}],
    )  # fmt: skip
    conflicts.add_conflict(demo_con, eid, "giamkhao1", "relative", "chutich")
    members = list(council.round_examiners(demo_con, rid)["username"])
    expected = {u for u in members if conflicts.conflict_reason(demo_con, eid, u) is not None}
    assert expected == {"giamkhao1", "giamkhao2"}
    assert conflicts.conflicted_examiners(demo_con, eid, members) == expected


def test_list_rounds_labels_match_the_rounds(demo_con):
    make_round(demo_con)
    listed = rounds.list_rounds(demo_con)
    assert not listed.empty
    for row in listed.itertuples():
        assert row.label == rounds.require_round(demo_con, int(row.id)).label


def test_same_group_suggestions_leave_out_authors_recorded_and_withdrawn(demo_con):
    rid = make_round(demo_con)
    # giamkhao2 (Phạm Minh Châu, Tổ Mẫu giáo lớn) wrote this one: authorship, not same group
    own = add_entry(demo_con, rid, author="Phạm Minh Châu", group_name="Tổ Mẫu giáo lớn")
    other = add_entry(demo_con, rid, author="Bùi Thanh Tâm")
    gone = add_entry(demo_con, rid, author="Bùi Thanh Tâm")
    entries.withdraw_entry(demo_con, gone, "chutich", "trùng đề tài")
    found = conflicts.same_group_conflicts(demo_con, rid)
    assert found[["entry_id", "code", "examiner"]].values.tolist() == [
        [other, "SKKN-002", "giamkhao2"]
    ]
    kinds = conflicts.conflicts(demo_con, rid)
    assert kinds[["entry_id", "examiner", "kind"]].values.tolist() == [[own, "giamkhao2", "author"]]
    conflicts.add_conflict(demo_con, other, "giamkhao2", "same_group", "chutich")
    assert conflicts.same_group_conflicts(demo_con, rid).empty


def test_list_rounds_without_counts_for_pickers(demo_con):
    make_round(demo_con)
    full = rounds.list_rounds(demo_con)
    light = rounds.list_rounds(demo_con, counts=False)
    assert "n_entries" in full.columns and "n_entries" not in light.columns
    assert list(light["label"]) == list(full["label"]) and list(light["id"]) == list(full["id"])


def test_council_names_in_the_council_order(demo_con):
    rid = make_round(demo_con)
    members = council.round_examiners(demo_con, rid)
    names = council.council_names(demo_con, rid)
    assert list(names.items()) == list(zip(members["username"], members["full_name"], strict=True))


def test_assignment_in_a_closed_round_is_refused(demo_con):
    rid, eid = _open_with_one_entry(demo_con)
    second = add_entry(demo_con, rid, "Đề tài 2")
    states.close_round(demo_con, rid, "chutich")
    with pytest.raises(Invalid, match="Đợt chấm đã đóng: không phân công được."):
        assignment.assign(demo_con, second, "giamkhao2", "chutich")
    plan = assignment.propose_assignments(demo_con, rid)
    with pytest.raises(Invalid, match="không phân công được"):
        assignment.apply_assignments(demo_con, rid, plan.proposals, "chutich")
    with pytest.raises(Invalid, match="không sửa phân công"):
        assignment.unassign(demo_con, eid, "giamkhao1", "chutich")
    assert list(assignment.assignments(demo_con, rid)["examiner"]) == ["giamkhao1"]
    # Reopened for scoring (e.g. for a third examiner), assigning works again.
    states.reopen_scoring(demo_con, rid, "chutich", "Cần GK3")
    assert assignment.assign(demo_con, second, "giamkhao2", "chutich") == 1


@pytest.mark.parametrize(
    ("position", "duty"),
    [
        ("Hiệu trưởng, Chủ tịch HĐ", "Chủ tịch HĐ"),
        ("Phó hiệu trưởng - Phó Chủ tịch HĐ", "Phó Chủ tịch HĐ"),
        ("Phó Chủ tịch hội đồng thi đua", "Phó Chủ tịch HĐ"),
        ("Giáo viên, Chủ tịch Công đoàn", "Ủy viên"),  # the union's chair, not the council's
        ("Thư ký HĐ", "Thư ký HĐ"),
        ("Phó hiệu trưởng, Thành viên HĐ", "Ủy viên"),
        ("Giáo viên", "Ủy viên"),
        ("", "Ủy viên"),
    ],
)
def test_a_new_councils_duties_come_from_positions(con, position, duty):
    add_examiner(con, "gk01", "Giám khảo Một", position=position)
    rid = make_round(con)
    assert list(council.round_examiners(con, rid)["duty"]) == [duty]


def test_a_typed_duty_is_kept_as_written(demo_con):
    rid = make_round(demo_con)
    council.set_council_member(demo_con, rid, "giamkhao1", "chutich", duty="Phụ trách  chuyên môn")
    members = council.round_examiners(demo_con, rid)
    assert members.set_index("username").loc["giamkhao1", "duty"] == "Phụ trách chuyên môn"


def test_accounts_without_a_password_are_kept_out_of_new_councils_and_the_auto_plan(con):
    add_examiner(con, "gk01", "Giám khảo Một")
    add_examiner(con, "gk02", "Giám khảo Hai")
    add_examiner(con, "moi", "Người Mới Nhập", password=False)
    rid = make_round(con, examiners_per_entry=2)
    assert set(council.round_examiners(con, rid)["username"]) == {"gk01", "gk02"}
    # Added by hand, the member is listed and flagged, but the plan gives them nothing.
    council.set_council_member(con, rid, "moi", "chutich")
    members = council.round_examiners(con, rid).set_index("username")
    assert not members.loc["moi", "has_password"] and members.loc["gk01", "has_password"]
    add_entry(con, rid, "Đề tài", author="Tác giả")
    plan = assignment.propose_assignments(con, rid)
    assert {p.examiner for p in plan.proposals} == {"gk01", "gk02"}
    assert any("Người Mới Nhập" in problem and "mật khẩu" in problem for problem in plan.problems)
