"""The scores import writes many sheets at once: the same rows as submitting them one by one."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pandas as pd
import pytest

from lib import demo
from lib.core import db
from lib.core.errors import Invalid
from lib.io.imports import Refused, preview, run_import
from lib.scoring import assignment, batch, conflicts, entries, results, rounds, sheets, states
from tests.scoring_helpers import add_entry, add_examiner, make_round, rubric20, user
from tests.test_imports import csv_bytes, xlsx_bytes
from tests.test_imports_scoring import CODES, FULL, LONG_HEADER, long_rows

ROUND = "Đợt chấm thử"
LOW = ["0,5", "0,5", "0,25", "0", "1,25", "2", "6,5", "1,5", "0,75", "0,75", "1,5"]  # 15,5
MID = ["0,75", "0,5", "0,25", "0,25", "1,5", "2,25", "7", "2", "1", "0,75", "2"]  # 18,25
# (code, examiner, points, comment on II.3, overall): the file's sheets, in file order.
SHEETS = [
    ("SKKN-001", "giamkhao1", FULL, "Rất_tốt", ""),  # assigned, not started
    ("SKKN-001", "giamkhao2", LOW, "", "Cần bổ sung số liệu"),  # a draft with a comment: replaced
    ("SKKN-002", "gk3", MID, "Ổn", ""),  # not assigned: assigned by the import
    ("SKKN-002", "giamkhao2", FULL, "", ""),  # submitted before with other points: replaced
    ("SKKN-003", "gk4", LOW, 'Có "ngoặc" và \\ gạch', "Chung"),  # not assigned
    ("SKKN-003", "gk3", MID, "", ""),  # not assigned: the entry's next GK after gk4
]


def scene(con) -> tuple[int, list[int]]:
    """An open round with three entries, drafts and a submitted sheet to be replaced."""
    demo.load_demo(con)
    add_examiner(con, "gk3", "Giám Khảo Ba")
    rid = make_round(con, deadline=None)
    add_examiner(con, "gk4", "Giám Khảo Bốn")  # not on the round's council: the import adds gk4
    ids = [add_entry(con, rid, code=f"SKKN-00{n}", title=f"Đề tài {n}") for n in (1, 2, 3)]
    assignment.assign(con, ids[0], "giamkhao1", "chutich")
    assignment.assign(con, ids[0], "giamkhao2", "chutich")
    assignment.assign(con, ids[1], "giamkhao2", "chutich")
    states.open_round(con, rid, "chutich")
    sheets.save_draft(con, user(con, "giamkhao2"), ids[0], {"I.1": "0,25"}, {"II.1": "Nháp"})
    sheets.submit_sheet(con, user(con, "giamkhao2"), ids[1], dict(zip(CODES, LOW, strict=True)),
                         {"I.2": "Cũ"}, "Nhận xét cũ")  # fmt: skip
    return rid, ids


def long_file(sheets=SHEETS) -> bytes:
    rows = [LONG_HEADER]
    for code, examiner, points, note, _ in sheets:
        rows += long_rows(code, examiner, points, note)
    return csv_bytes(rows, sep=";")


def wide_file(sheets=SHEETS) -> bytes:
    rows = [["Mã SKKN", "Giám khảo", *CODES, "Nhận xét"]]
    rows += [[code, examiner, *points, overall] for code, examiner, points, _, overall in sheets]
    return xlsx_bytes(rows)


def one_by_one(con, rid: int, form: str) -> None:
    """The sheet-by-sheet path: assign when not assigned, then store_sheet(submit=True)."""
    r = rounds.require_round(con, rid)
    with db.transaction(con):
        for code, examiner, points, note, overall in SHEETS:
            e = entries.require_entry_by_code(con, rid, code)
            values = dict(zip(CODES, points, strict=True))
            comments = {"II.3": note} if form == "long" and note else {}
            clean, notes, kept = sheets.check_sheet(
                r.rubric, values, comments, overall if form == "wide" else "", submit=True
            )
            if not sheets.get_sheet(con, e.id, examiner).assigned:
                assignment.assign(con, e.id, examiner, "chutich")
            sheets.store_sheet(con, examiner, e.id, r, clean, notes, kept, submit=True,
                                actor="chutich", action="import")  # fmt: skip


def stored(con, rid: int) -> dict[str, object]:
    """Every row the import writes (without timestamps), and the round's results."""
    out: dict[str, object] = {
        "assignments": con.execute(
            "SELECT id, entry_id, examiner, ord, assigned_by FROM assignments ORDER BY id"
        ).fetchall(),
        "council": con.execute("SELECT * FROM round_examiners ORDER BY ALL").fetchall(),
        "sheets": con.execute(
            "SELECT id, entry_id, examiner, status, comment, version, submitted_at IS NOT NULL, "
            "reopened_reason FROM sheets ORDER BY id"
        ).fetchall(),
        # One-by-one saves leave a sheet's score rows in no particular order: compare as sets.
        "scores": con.execute(
            "SELECT sheet_id, criterion, value, comment FROM scores ORDER BY ALL"
        ).fetchall(),
        "frozen": con.execute("SELECT id, rubric_frozen FROM rounds ORDER BY id").fetchall(),
        "audit": [
            (
                i,
                actor,
                action,
                entity,
                entity_id,
                json.loads(b) if b else None,
                json.loads(a) if a else None,
            )
            for i, actor, action, entity, entity_id, b, a in con.execute(
                "SELECT id, actor, action, entity, entity_id, before, after FROM audit_log "
                "WHERE entity <> 'scores' ORDER BY id"
            ).fetchall()
        ],
    }
    table = results.results(con, rid)
    out["results"] = table.drop(columns=["is_demo"]).to_dict("records")
    return out


@pytest.mark.parametrize("form", ["long", "wide"])
def test_import_writes_what_submitting_each_sheet_writes(form):
    batch, single = db.connect(":memory:"), db.connect(":memory:")
    rid, ids = scene(batch)
    assert scene(single) == (rid, ids)
    data, name = (long_file(), "diem.csv") if form == "long" else (wide_file(), "diem.xlsx")
    summary = run_import(batch, "scores", data, name, "chutich", ROUND)
    assert (summary.added, summary.updated, summary.unchanged) == (4, 2, 0)
    assert "Phân công thêm 3 giám khảo" in str(summary)
    one_by_one(single, rid, form)
    got, want = stored(batch, rid), stored(single, rid)
    for key in want:
        assert got[key] == want[key], key
    # What the council sees: GK order and the averages come from the imported sheets.
    table = results.results(batch, rid).set_index("code")
    assert table.loc["SKKN-003", "examiners"] == ["gk4", "gk3"]
    assert table.loc["SKKN-002", "totals"] == [Decimal(20), Decimal("18.25")]
    assert table.loc["SKKN-001", "mean_total"] == Decimal("17.75")
    sheet = sheets.get_sheet(batch, ids[0], "giamkhao1")
    if form == "long":  # "_" kept as typed, as on the examiner's own form
        assert sheet.comments == {"II.3": "Rất_tốt"} and sheet.version == 1
    assert sheets.get_sheet(batch, ids[1], "giamkhao2").version == 2


def test_reimport_leaves_identical_sheets_alone_and_replaces_changed_ones():
    con = db.connect(":memory:")
    rid, ids = scene(con)
    run_import(con, "scores", long_file(), "diem.csv", "chutich", ROUND)
    audited = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    summary = run_import(con, "scores", long_file(), "diem.csv", "chutich", ROUND)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 6)
    # Only the import itself is recorded; no sheet was written again.
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audited + 1
    changed = [SHEETS[0][:3] + ("Rất tốt, đã xem lại", ""), *SHEETS[1:]]
    summary = run_import(con, "scores", long_file(changed), "diem.csv", "chutich", ROUND)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 5)
    sheet = sheets.get_sheet(con, ids[0], "giamkhao1")
    assert sheet.comments == {"II.3": "Rất tốt, đã xem lại"} and sheet.version == 2


def test_a_closed_round_takes_sheets_of_assigned_examiners_only():
    con = db.connect(":memory:")
    rid, _ = scene(con)
    states.close_round(con, rid, "chutich")
    data = long_file([SHEETS[0], SHEETS[2]])
    problems = [str(p) for p in preview(con, "scores", data, "diem.csv", ROUND).problems]
    assert problems == [
        "Dòng 13, cột “Giám khảo”: Đợt chấm đã đóng: không phân công được.",
    ]
    summary = run_import(con, "scores", long_file([SHEETS[0]]), "diem.csv", "chutich", ROUND)
    assert (summary.added, summary.updated, summary.unchanged) == (1, 0, 0)


def test_problems_name_rows_and_columns_in_file_order():
    con = db.connect(":memory:")
    rid, ids = scene(con)
    rows = [LONG_HEADER, *long_rows("SKKN-003", "GK3", MID)]
    rows[7][4] = "x" * 4001  # II.3's comment
    rows += [["SKKN-003", "Khong_Co", "I.1", "0,5", ""], ["SKKN-003", "khong_co", "I.2", "1", ""]]
    rows += [["SKKN-001", "giamkhao1", "V.9", "1", ""], ["", "giamkhao1", "I.1", "1", ""]]
    rows += long_rows("SKKN-001", "giamkhao1", FULL)[1:]  # I.1 missing (only on the V.9 row)
    problems = [str(p) for p in preview(con, "scores", csv_bytes(rows), "d.csv", ROUND).problems]
    assert problems == [
        "Dòng 8, cột “Điểm”: Nhận xét tiêu chí II.3 dài quá 4000 ký tự.",
        "Dòng 13, cột “Giám khảo”: Không có giám khảo “Khong_Co”: ghi tên đăng nhập của một tài "
        "khoản giám khảo đang hoạt động.",
        "Dòng 14, cột “Giám khảo”: Không có giám khảo “Khong_Co”: ghi tên đăng nhập của một tài "
        "khoản giám khảo đang hoạt động.",
        "Dòng 15, cột “Tiêu chí”: Tiêu chí “V.9” không có trong mẫu phiếu "
        "“Phiếu chấm SKKN – thang 20 điểm”.",
        "Dòng 15, cột “Tiêu chí”: Phiếu của giamkhao1 cho SKKN-001 thiếu điểm 1 tiêu chí: I.1.",
        "Dòng 16, cột “Mã SKKN”: Mã SKKN đang trống.",
    ]


def test_wide_form_second_row_of_a_sheet_and_empty_cells():
    con = db.connect(":memory:")
    rid, _ = scene(con)
    empty = ["", *FULL[1:]]
    rows = [
        ["Mã SKKN", "Giám khảo", *CODES, "Nhận xét"],
        ["SKKN-001", "giamkhao1", *empty, ""],
        ["skkn-001", "GIAMKHAO1", *FULL, ""],
        ["SKKN-002", "gk4", *FULL, "y" * 4001],
    ]
    problems = [str(p) for p in preview(con, "scores", csv_bytes(rows), "d.csv", ROUND).problems]
    assert problems == [
        "Dòng 2, cột “Tiêu chí”: Phiếu của giamkhao1 cho SKKN-001 thiếu điểm 1 tiêu chí: I.1.",
        "Dòng 3, cột “Giám khảo”: Phiếu của giamkhao1 cho SKKN-001 đã có ở dòng 2. Hãy xoá một "
        "trong hai dòng.",
        "Dòng 4, cột “Nhận xét”: Nhận xét chung dài quá 4000 ký tự.",
    ]


def test_an_entry_with_nine_examiners_takes_no_tenth():
    con = db.connect(":memory:")
    rid, ids = scene(con)
    for n in range(5, 13):
        add_examiner(con, f"gk{n}", f"Giám Khảo {n}")
    for n in range(3, 11):
        assignment.assign(con, ids[2], f"gk{n}", "chutich")
    before = con.execute("SELECT count(*) FROM assignments").fetchone()
    data = long_file([("SKKN-003", "gk11", FULL, "", ""), ("SKKN-003", "gk12", FULL, "", "")])
    with pytest.raises(Invalid) as info:
        run_import(con, "scores", data, "diem.csv", "chutich", ROUND)
    assert info.value.errors == {"examiner": "SKKN-003 đã có quá nhiều giám khảo."}
    assert con.execute("SELECT count(*) FROM assignments").fetchone() == before
    assert not isinstance(info.value, Refused)


def test_the_first_imported_sheet_freezes_the_rubric():
    con = db.connect(":memory:")
    demo.load_demo(con)
    rid = make_round(con, deadline=None)
    add_entry(con, rid, code="SKKN-001")
    states.open_round(con, rid, "chutich")
    frozen = "SELECT rubric_frozen FROM rounds WHERE id = ?"
    assert con.execute(frozen, [rid]).fetchone() == (False,)
    run_import(con, "scores", long_file([SHEETS[0]]), "diem.csv", "chutich", ROUND)
    assert con.execute(frozen, [rid]).fetchone() == (True,)


def test_batch_submit_needs_every_criterion_of_each_sheet():
    con = db.connect(":memory:")
    rid, ids = scene(con)
    r = rounds.require_round(con, rid)
    rows = pd.DataFrame({"entry_id": [ids[0]], "code": ["SKKN-001"], "examiner": ["giamkhao1"],
                           "assign": [False], "overall": [""]})  # fmt: skip
    scores = pd.DataFrame({"sheet": 0, "criterion": CODES[1:], "value": "0", "comment": ""})
    with pytest.raises(ValueError):
        batch.store_submitted_sheets(con, r, rows, scores, "chutich")
    assert sheets.get_sheet(con, ids[0], "giamkhao1").id is None
    full = pd.DataFrame({"sheet": 0, "criterion": CODES, "value": "0", "comment": ""})
    batch.store_submitted_sheets(con, r, rows, full, "chutich")
    sheet = sheets.get_sheet(con, ids[0], "giamkhao1")
    assert sheet.status == "submitted" and sum(sheet.values.values()) == 0
    assert rubric20().criteria[0].code in sheet.values


def assign_refusal(con, rid: int, code: str, examiner: str) -> str:
    """What the one-by-one path says when it assigns this examiner (assignment.assign refuses)."""
    e = entries.require_entry_by_code(con, rid, code)
    with pytest.raises(Invalid) as info:
        assignment.assign(con, e.id, examiner, "chutich")
    [message] = info.value.messages
    return message


@pytest.mark.parametrize("case", ["conflict", "conflict without a note", "closed round"])
def test_an_examiner_the_import_cannot_assign_is_refused_in_rounds_assign_words(case):
    con = db.connect(":memory:")
    rid, ids = scene(con)
    if case == "closed round":
        states.close_round(con, rid, "chutich")
    else:
        note = "" if case == "conflict without a note" else "Em ruột"
        conflicts.add_conflict(con, ids[1], "gk3", "relative", "chutich", note)
    got = [str(p) for p in preview(con, "scores", long_file([SHEETS[2]]), "d.csv", ROUND).problems]
    assert got == [f"Dòng 2, cột “Giám khảo”: {assign_refusal(con, rid, 'SKKN-002', 'gk3')}"]


POINTS = ["0,5", "0,25", "0", "x", "-0,25", "99", "0,3", "1,25", "8", "1e1", "0.75", "2,50"]


@pytest.mark.parametrize("seed", range(8))
def test_points_problems_are_the_sheets_own_in_its_words(seed):
    rng = random.Random(seed)
    con = db.connect(":memory:")
    rid, _ = scene(con)
    r = rounds.require_round(con, rid)
    values = [rng.choice(POINTS) for _ in CODES]
    data = long_file([("SKKN-001", "giamkhao1", values, "", "")])
    got = [p.message for p in preview(con, "scores", data, "d.csv", ROUND).problems]
    # The one-by-one path: the examiner's own sheet, submitted with these points.
    try:
        sheets.check_sheet(r.rubric, dict(zip(CODES, values, strict=True)), {}, "", submit=True)
        want = []
    except Invalid as exc:
        want = exc.messages
    assert got == want
