"""Imports into a scoring round (SKKN lists, typed-up paper sheets, rubrics) and its exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from lib import demo
from lib.core import db
from lib.io import exports
from lib.io.imports import Refused, preview, run_import
from lib.scoring import assignment, conflicts, entries, rounds, sheets, states
from tests.scoring_helpers import (
    TEMPLATE_20,
    TEMPLATE_100,
    add_entry,
    full_marks,
    make_round,
    rubric20,
    user,
)
from tests.test_cli import invoke
from tests.test_imports import csv_bytes, xlsx_bytes

TABLES = ("people", "users", "rounds", "entries", "entry_authors", "assignments",
          "round_examiners", "conflicts", "sheets", "scores", "audit_log")  # fmt: skip
SKKN_HEADER = ["Mã SKKN", "Tên SKKN", "Tác giả", "Lĩnh vực", "Tổ"]
LONG_HEADER = ["Mã SKKN", "Giám khảo", "Tiêu chí", "Điểm", "Nhận xét"]
CODES = [c.code for c in rubric20().criteria]
# 20-point sheet: I.1 0,75 I.2 0,75 I.3 0,25 I.4 0,25 II.1 1,5 II.2 2,5 II.3 8 II.4 2 III.1 1
# III.2 1 IV.1 2 (full marks 20).
FULL = ["0,75", "0,75", "0,25", "0,25", "1,5", "2,5", "8", "2", "1", "1", "2"]


def snapshot(con) -> dict[str, list[str]]:
    """Every row of every table a scoring import may touch, to prove nothing changed."""
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def state(db_file) -> dict[str, list[str]]:
    con = db.connect(db_file)
    try:
        return snapshot(con)
    finally:
        con.close()


def refused(con, kind: str, data: bytes, filename: str, target: str | None) -> list[str]:
    """Import a bad file: refused with messages, every table as it was, preview says the same."""
    before = snapshot(con)
    with pytest.raises(Refused) as info:
        run_import(con, kind, data, filename, "chutich", target)
    assert snapshot(con) == before
    assert [str(p) for p in preview(con, kind, data, filename, target).problems] == [
        str(p) for p in info.value.problems
    ]
    return [str(p) for p in info.value.problems]


def entry_rows(con, round_id: int) -> list[tuple]:
    return con.execute(
        "SELECT e.code, e.title, e.field, e.group_name, "
        " string_agg(a.name || ':' || a.share::INT || ':' || coalesce(a.person_id::VARCHAR, '-'),"
        " '; ' ORDER BY a.position) FROM entries e JOIN entry_authors a ON a.entry_id = e.id "
        "WHERE e.round_id = ? GROUP BY ALL ORDER BY e.code",
        [round_id],
    ).fetchall()


def person_id(con, name: str) -> int:
    return con.execute("SELECT id FROM people WHERE full_name = ?", [name]).fetchone()[0]


def group_of(con, pid: int) -> str:
    return con.execute("SELECT group_name FROM people WHERE id = ?", [pid]).fetchone()[0]


@pytest.fixture
def round_(demo_con):
    return demo_con, make_round(demo_con, deadline=None)


# --- skkn --------------------------------------------------------------------------------------


def test_skkn_list_imports_with_generated_codes_shares_and_matched_authors(round_):
    con, rid = round_
    data = csv_bytes([
        SKKN_HEADER,
        ["", "Dạy trẻ kể chuyện", "  vũ thị  HỒNG nhung ", "Ngôn ngữ", "Tổ Mẫu giáo lớn"],
        ["SKKN-007", "Trò chơi dân gian", "Hoàng Mai Anh (60%); Bà Ngoại Tự Do (40%)", "", ""],
        ["", "Góc thiên nhiên", "Bùi Thanh Tâm 50%; Đặng Ngọc Ánh - 50", "Khám phá", ""],
    ])  # fmt: skip
    checked = preview(con, "skkn", data, "skkn.csv", str(rid))
    assert checked.ok and (checked.added, checked.updated, checked.unchanged) == (3, 0, 0)
    assert [str(w) for w in checked.warnings] == [
        "Dòng 3, cột “Tác giả”: Không tìm thấy “Bà Ngoại Tự Do” trong danh sách cán bộ (hoặc có "
        "nhiều người trùng tên): giữ nguyên tên như đã ghi."
    ]
    summary = run_import(con, "skkn", data, "skkn.csv", "chutich", "Đợt chấm thử")
    assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
    nhung, anh = person_id(con, "Vũ Thị Hồng Nhung"), person_id(con, "Hoàng Mai Anh")
    tam, anh2 = person_id(con, "Bùi Thanh Tâm"), person_id(con, "Đặng Ngọc Ánh")
    group = group_of(con, tam)  # an empty "Tổ" takes the first author's group
    # An empty code takes the next free number: SKKN-007 is already taken by the file.
    assert entry_rows(con, rid) == [
        ("SKKN-001", "Dạy trẻ kể chuyện", "Ngôn ngữ", "Tổ Mẫu giáo lớn",
         f"vũ thị HỒNG nhung:100:{nhung}"),
        ("SKKN-002", "Góc thiên nhiên", "Khám phá", group,
         f"Bùi Thanh Tâm:50:{tam}; Đặng Ngọc Ánh:50:{anh2}"),
        ("SKKN-007", "Trò chơi dân gian", "", group_of(con, anh),
         f"Hoàng Mai Anh:60:{anh}; Bà Ngoại Tự Do:40:-"),
    ]  # fmt: skip


def test_skkn_existing_code_is_updated_and_same_row_unchanged(round_):
    con, rid = round_
    add_entry(con, rid, title="Tên cũ", code="A1")
    data = csv_bytes([SKKN_HEADER, ["a1", "Tên mới", "Vũ Thị Hồng Nhung", "Toán", "Tổ 1"]])
    summary = run_import(con, "skkn", data, "skkn.csv", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    assert entry_rows(con, rid)[0][:4] == ("A1", "Tên mới", "Toán", "Tổ 1")
    summary = run_import(con, "skkn", data, "skkn.csv", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 1)


def test_skkn_bad_rows_are_named_and_nothing_is_written(round_):
    con, rid = round_
    data = csv_bytes([
        SKKN_HEADER,
        ["X1", "Đề tài 1", "Hoàng Mai Anh (60%); Bùi Thanh Tâm (30%)", "", ""],
        ["X2", "", "Hoàng Mai Anh", "", ""],
        ["x1", "Đề tài 3", "Hoàng Mai Anh", "", ""],
        ["X4", "Đề tài 4", "", "", ""],
        ["X5", "Đề tài 5", "Hoàng Mai Anh; Bùi Thanh Tâm", "", ""],
    ])  # fmt: skip
    assert refused(con, "skkn", data, "skkn.csv", str(rid)) == [
        "Dòng 2, cột “Tác giả”: Tổng tỉ lệ đóng góp của các tác giả là 90%, phải bằng 100%.",
        "Dòng 3, cột “Tên SKKN”: Tên SKKN đang trống.",
        "Dòng 4, cột “Mã SKKN”: Dòng này trùng với dòng 2. Hãy xoá một trong hai dòng.",
        "Dòng 5, cột “Tác giả”: Hãy nhập ít nhất một tác giả.",
        "Dòng 6, cột “Tác giả”: Tác giả Hoàng Mai Anh: hãy nhập tỉ lệ đóng góp (%).",
        "Dòng 6, cột “Tác giả”: Tác giả Bùi Thanh Tâm: hãy nhập tỉ lệ đóng góp (%).",
    ]


def test_skkn_into_a_finalized_round_or_unknown_round_is_refused(round_):
    con, rid = round_
    data = csv_bytes([SKKN_HEADER, ["A1", "Đề tài", "Hoàng Mai Anh", "", ""]])
    assert refused(con, "skkn", data, "skkn.csv", "Không có")[0].startswith(
        "Không có đợt chấm “Không có”. Các đợt chấm: "
    )
    eid = add_entry(con, rid, code="A1")
    assignment.assign(con, eid, "giamkhao1", "chutich")
    states.open_round(con, rid, "chutich")
    sheets.submit_sheet(con, user(con, "giamkhao1"), eid, full_marks(rubric20()))
    states.close_round(con, rid, "chutich")
    states.finalize_round(con, rid, "chutich")
    assert refused(con, "skkn", data, "skkn.csv", str(rid)) == [
        "Kết quả đợt chấm “Đợt chấm thử” đã công bố: mọi thứ đã khóa, không nhập SKKN được "
        "(mở lại đợt để sửa)."
    ]


def test_a_new_skkn_in_a_closed_round_is_refused_with_the_rounds_state(round_):
    con, rid = round_
    eid = add_entry(con, rid, code="A1")
    assignment.assign(con, eid, "giamkhao1", "chutich")
    states.open_round(con, rid, "chutich")
    states.close_round(con, rid, "chutich")
    data = csv_bytes([SKKN_HEADER, ["A2", "Đề tài mới", "Hoàng Mai Anh", "", ""]])
    assert refused(con, "skkn", data, "skkn.csv", str(rid)) == [
        "Dòng 2, cột “Mã SKKN”: Đợt chấm đã đóng: không đăng ký thêm SKKN được."
    ]


# --- scores ------------------------------------------------------------------------------------


@pytest.fixture
def opened(round_):
    """An open round: SKKN-001 assigned to giamkhao1 only; SKKN-002 written by giamkhao1."""
    con, rid = round_
    first = add_entry(con, rid, title="Đề tài một", code="SKKN-001")
    add_entry(con, rid, title="Đề tài hai", code="SKKN-002", author="Lê Thu Hà")
    assignment.assign(con, first, "giamkhao1", "chutich")
    states.open_round(con, rid, "chutich")
    return con, rid, first


def long_rows(code: str, examiner: str, values: list[str], note: str = "") -> list[list[str]]:
    return [
        [code, examiner, c, v, note if c == "II.3" else ""]
        for c, v in zip(CODES, values, strict=True)
    ]


def sheet_values(con, entry_id: int, examiner: str) -> tuple[str, dict[str, Decimal], str]:
    sheet = sheets.get_sheet(con, entry_id, examiner)
    return sheet.status, sheet.values, sheet.comment


def test_long_form_sheets_are_submitted_and_missing_examiner_assigned(opened):
    con, rid, eid = opened
    second = ["0,5", "0,75", "0,25", "0", "1,25", "2", "7,5", "1,5", "1", "0,75", "2"]
    data = csv_bytes(
        [LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL, "Rất tốt"),
         *long_rows("skkn-001", "GiamKhao2", second)], sep=";"
    )  # fmt: skip
    summary = run_import(con, "scores", data, "diem.csv", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    assert "Phân công thêm 1 giám khảo" in str(summary)
    status, values, _ = sheet_values(con, eid, "giamkhao1")
    assert status == "submitted" and values == {c.code: c.max for c in rubric20().criteria}
    assert sheets.get_sheet(con, eid, "giamkhao1").comments == {"II.3": "Rất tốt"}
    status, values, _ = sheet_values(con, eid, "giamkhao2")
    assert status == "submitted" and sum(values.values()) == Decimal("17.5")
    assert values["II.3"] == Decimal("7.5")  # "7,5" read with its decimal comma
    gk = assignment.assignments(con, rid)
    assert sorted(zip(gk["examiner"], gk["gk"], strict=True)) == [
        ("giamkhao1", "GK1"),
        ("giamkhao2", "GK2"),
    ]


def test_wide_form_from_excel_with_overall_comment(opened):
    con, rid, eid = opened
    data = xlsx_bytes([["Mã SKKN", "Giám khảo", *CODES, "Nhận xét"],
                       ["SKKN-001", "giamkhao1", *FULL, "Trình bày đẹp"]])  # fmt: skip
    summary = run_import(con, "scores", data, "diem.xlsx", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (1, 0, 0)
    status, values, comment = sheet_values(con, eid, "giamkhao1")
    assert (status, sum(values.values()), comment) == ("submitted", Decimal(20), "Trình bày đẹp")


def test_reimporting_a_sheet_replaces_it_and_is_audited(opened):
    con, rid, eid = opened
    run_import(con, "scores", csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL)]),
               "a.csv", "chutich", str(rid))  # fmt: skip
    lower = ["0,5", *FULL[1:]]
    data = csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", lower)])
    summary = run_import(con, "scores", data, "b.csv", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    assert sheet_values(con, eid, "giamkhao1")[1]["I.1"] == Decimal("0.5")
    before, after = con.execute(
        "SELECT before, after FROM audit_log WHERE action = 'import' AND entity = 'sheet' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert '"I.1": "0,75"' in before and '"I.1": "0,5"' in after
    summary = run_import(con, "scores", data, "b.csv", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 1)


def test_bad_scores_name_row_and_column_and_write_nothing(opened):
    con, rid, _ = opened
    rows = long_rows("SKKN-001", "giamkhao1", FULL)
    rows[0][3] = "0,8"  # I.1 above its max 0,75
    rows[4][3] = "1,3"  # II.1 off the 0,25 step
    rows.append(rows[6][:])  # II.3 twice
    del rows[10]  # IV.1 missing
    data = csv_bytes([
        LONG_HEADER, *rows,
        ["SKKN-999", "giamkhao1", "I.1", "0,5", ""],
        ["SKKN-001", "khongco", "I.1", "0,5", ""],
        *long_rows("SKKN-002", "giamkhao1", FULL),
    ])  # fmt: skip
    assert refused(con, "scores", data, "diem.csv", str(rid)) == [  # in the file's order
        "Dòng 2, cột “Tiêu chí”: Phiếu của giamkhao1 cho SKKN-001 thiếu điểm 1 tiêu chí: IV.1.",
        "Dòng 2, cột “Điểm”: I.1 (Đặt vấn đề): 0,8 vượt quá điểm tối đa 0,75",
        "Dòng 6, cột “Điểm”: II.1 (Thực trạng): điểm phải là bội số của 0,25",
        "Dòng 12, cột “Tiêu chí”: Dòng này trùng với dòng 8. Hãy xoá một trong hai dòng.",
        "Dòng 13, cột “Mã SKKN”: Không có SKKN mã “SKKN-999” trong đợt chấm “Đợt chấm thử”.",
        "Dòng 14, cột “Giám khảo”: Không có giám khảo “khongco”: ghi tên đăng nhập của một tài "
        "khoản giám khảo đang hoạt động.",
        "Dòng 15, cột “Giám khảo”: Phiếu SKKN-002: giamkhao1 là tác giả của SKKN này nên không "
        "được chấm.",
    ]


def test_examiner_in_conflict_is_not_assigned_by_the_import(opened):
    con, rid, eid = opened
    conflicts.add_conflict(con, eid, "giamkhao2", "relative", "chutich", "Em ruột")
    data = csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao2", FULL)])
    [message] = refused(con, "scores", data, "diem.csv", str(rid))
    assert message.startswith("Dòng 2, cột “Giám khảo”: Không phân công giamkhao2 chấm SKKN-001: "
                              "giamkhao2 có xung đột lợi ích")  # fmt: skip


def test_sheets_of_a_finalized_round_are_frozen(opened):
    con, rid, _ = opened
    data = csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL)])
    run_import(con, "scores", data, "diem.csv", "chutich", str(rid))
    second = entries.require_entry_by_code(con, rid, "SKKN-002")  # nobody scored it
    entries.withdraw_entry(con, second.id, "chutich", "Tác giả xin rút")
    states.close_round(con, rid, "chutich")
    states.finalize_round(con, rid, "chutich")
    assert refused(con, "scores", data, "diem.csv", str(rid)) == [
        "Kết quả đợt chấm “Đợt chấm thử” đã công bố: mọi thứ đã khóa, không nhập phiếu chấm "
        "được (mở lại đợt để sửa)."
    ]


def test_wide_form_unknown_criterion_column(opened):
    con, rid, _ = opened
    data = csv_bytes([["Mã SKKN", "Giám khảo", *CODES, "V.9"],
                      ["SKKN-001", "giamkhao1", *FULL, "1"]])  # fmt: skip
    [message] = refused(con, "scores", data, "diem.csv", str(rid))
    assert message.startswith("Dòng 1, cột “V.9”: Cột “V.9” không phải mã tiêu chí của mẫu phiếu")


def test_utf16_scores_file_imports(opened):
    con, rid, eid = opened
    text = "\r\n".join("\t".join(r) for r in [LONG_HEADER, *long_rows("SKKN-001", "giamkhao1",
                                                                    FULL, "Tốt lắm")])  # fmt: skip
    summary = run_import(con, "scores", text.encode("utf-16"), "diem.txt", "chutich", str(rid))
    assert summary.added == 1
    assert sheets.get_sheet(con, eid, "giamkhao1").comments == {"II.3": "Tốt lắm"}


def test_cp1258_skkn_file_imports(round_):
    con, rid = round_
    data = csv_bytes([SKKN_HEADER, ["", "Giáo dục kỹ năng sống", "Hoàng Mai Anh", "", ""]],
                     encoding="cp1258")  # fmt: skip
    assert run_import(con, "skkn", data, "skkn.csv", "chutich", str(rid)).added == 1
    assert entry_rows(con, rid)[0][:2] == ("SKKN-001", "Giáo dục kỹ năng sống")


# --- rubric ------------------------------------------------------------------------------------


def test_rubric_yaml_replaces_the_round_rubric(round_):
    con, rid = round_
    summary = run_import(con, "rubric", TEMPLATE_100.read_bytes(), "mau.yaml", "chutich", str(rid))
    assert (summary.updated, summary.unchanged) == (1, 0)
    assert rounds.require_round(con, rid).rubric.scale == 100
    summary = run_import(con, "rubric", TEMPLATE_100.read_bytes(), "mau.yml", "chutich", str(rid))
    assert (summary.updated, summary.unchanged) == (0, 1)


def test_bad_rubric_yaml_lists_the_parser_errors(round_):
    con, rid = round_
    text = TEMPLATE_20.read_text(encoding="utf-8").replace("max: 8", "max: -8")
    problems = refused(con, "rubric", text.encode(), "mau.yaml", str(rid))
    assert problems and all(p.startswith("cột “Mẫu phiếu”: ") for p in problems)
    assert any("II.3" in p for p in problems)
    assert refused(con, "rubric", b"scale: [", "mau.yaml", str(rid))
    assert refused(con, "rubric", b"x", "mau.csv", str(rid))[0].startswith("Sai loại tệp")


def test_rubric_is_refused_once_a_sheet_was_submitted(opened):
    con, rid, _ = opened
    data = csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL)])
    run_import(con, "scores", data, "diem.csv", "chutich", str(rid))
    assert refused(con, "rubric", TEMPLATE_100.read_bytes(), "mau.yaml", str(rid)) == [
        "cột “Mẫu phiếu”: Mẫu phiếu của đợt chấm “Đợt chấm thử” đã khóa vì đã có phiếu chấm "
        "được nộp: không thay được."
    ]


# --- exports and the command line --------------------------------------------------------------


def test_results_export_columns_and_dot_decimal(opened):
    con, rid, eid = opened
    second = ["0,5", "0,75", "0,25", "0,25", "1,5", "2,5", "7,75", "2", "1", "1", "2"]  # 19,5
    data = csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL),
                      *long_rows("SKKN-001", "giamkhao2", second)])  # fmt: skip
    run_import(con, "scores", data, "diem.csv", "chutich", str(rid))
    raw = exports.export(con, "results", "Đợt chấm thử", "csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["ma_skkn", "ten_skkn", "tac_gia", "so_phieu", "diem_tb", "xep_loai",
                       "trang_thai"]  # fmt: skip
    assert rows[1][:6] == ["SKKN-001", "Đề tài một", "Vũ Thị Hồng Nhung", "2", "19.75", "A"]
    assert rows[2][:5] == ["SKKN-002", "Đề tài hai", "Lê Thu Hà", "0", ""]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.export(con, "results", str(rid), "xlsx")))
    assert [c.value for c in sheet.active[2]][4] == 19.75  # a number Excel can sum


def test_skkn_export_reimports_unchanged(opened):
    con, rid, _ = opened
    data = exports.export(con, "skkn", str(rid), "csv")
    summary = run_import(con, "skkn", data, "skkn.csv", "chutich", str(rid))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 2)


def test_templates_of_the_new_kinds_have_their_headers_and_an_example(demo_con):
    for kind, header in (("skkn", SKKN_HEADER), ("scores", LONG_HEADER)):
        sheet = openpyxl.load_workbook(io.BytesIO(exports.template_xlsx(kind))).active
        assert [c.value for c in sheet[1]] == header
        assert any(c.value for c in sheet[2])


def test_cli_imports_scores_and_refuses_a_bad_file(tmp_path, capsys):
    db_file = tmp_path / "t.duckdb"
    con = db.connect(db_file)
    demo.load_demo(con)
    rid = make_round(con, deadline=None)
    eid = add_entry(con, rid, code="SKKN-001")
    states.open_round(con, rid, "chutich")
    con.close()
    good = tmp_path / "diem.csv"
    good.write_bytes(csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL)]))
    done = invoke(capsys, db_file, "import", "scores", good, "--round", "Đợt chấm thử")
    assert done.returncode == 0, done.stderr
    assert "thêm 1" in done.stdout
    bad = tmp_path / "sai.csv"
    bad.write_bytes(csv_bytes([LONG_HEADER, ["SKKN-001", "giamkhao2", "I.1", "9", ""]]))
    before = state(db_file)
    failed = invoke(capsys, db_file, "import", "scores", bad, "--round", str(rid))
    assert failed.returncode == 1 and "vượt quá điểm tối đa" in failed.stdout + failed.stderr
    assert state(db_file) == before
    out = tmp_path / "kq.csv"
    exported = invoke(capsys, db_file, "export", "results", "--round", str(rid), "-o", out)
    assert exported.returncode == 0
    assert out.read_bytes().decode("utf-8-sig").splitlines()[1].startswith("SKKN-001,")
    con = db.connect(db_file)
    assert sheets.get_sheet(con, eid, "giamkhao1").status == "submitted"
    con.close()


def test_sheets_wait_for_the_round_to_open_and_skip_withdrawn_entries(round_):
    con, rid = round_
    eid = add_entry(con, rid, code="SKKN-001")
    assignment.assign(con, eid, "giamkhao1", "chutich")
    data = csv_bytes([LONG_HEADER, *long_rows("SKKN-001", "giamkhao1", FULL)])
    assert refused(con, "scores", data, "diem.csv", str(rid)) == [
        "Dòng 2, cột “Giám khảo”: Phiếu SKKN-001: Đợt chấm chưa mở: chưa nhập phiếu chấm được."
    ]
    states.open_round(con, rid, "chutich")
    entries.withdraw_entry(con, eid, "chutich", "Tác giả xin rút")
    assert refused(con, "scores", data, "diem.csv", str(rid)) == [
        "Dòng 2, cột “Giám khảo”: Phiếu SKKN-001: SKKN này đã rút, không chấm nữa."
    ]


def test_rubric_that_drafts_no_longer_fit_is_refused_whole(opened):
    con, rid, eid = opened
    sheets.save_draft(con, user(con, "giamkhao1"), eid, {"II.3": "7"})
    problems = refused(con, "rubric", TEMPLATE_100.read_bytes(), "mau.yaml", str(rid))
    assert problems == ["cột “Mẫu phiếu”: Không bỏ được tiêu chí đã có điểm trong phiếu nháp: II.3"]
