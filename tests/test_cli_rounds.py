"""`python -m lib.cli round …`: create, list, assign, open, close, finalize; exit codes 0/1/2."""

import pytest

from lib import cli
from lib.access import users
from lib.core import db
from lib.scoring import assignment, rounds, sheets, states
from tests.conftest import held_by_another_process
from tests.scoring_helpers import TEMPLATE_20, full_marks, rubric20


@pytest.fixture
def demo_db(tmp_path):
    path = tmp_path / "t.duckdb"
    assert cli.main(["--db", str(path), "init", "--demo"]) == 0
    return path


def run(path, capsys, *args):
    code = cli.main(["--db", str(path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_round_create_and_list(demo_db, capsys):
    code, out, _ = run(
        demo_db, capsys, "round", "create", "Chấm SKKN 2024-2025", "--rubric",
        str(TEMPLATE_20), "--year", "2024-2025", "--examiners", "3", "--blind",
    )  # fmt: skip
    assert code == 0 and "Đã tạo đợt chấm số 2" in out and "chấm ẩn danh" in out
    code, out, _ = run(demo_db, capsys, "round", "list")
    assert code == 0 and "Chấm SKKN 2024-2025" in out and "Chuẩn bị" in out
    con = db.connect(demo_db)
    r = rounds.require_round(con, 2)
    assert (r.school_year, r.examiners_per_entry, r.blind, r.level) == ("2024-2025", 3, True,
                                                                        "cấp trường")  # fmt: skip
    con.close()


def test_round_create_refuses_a_bad_rubric_or_settings(demo_db, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nscale: 20\n", encoding="utf-8")
    code, _, err = run(demo_db, capsys, "round", "create", "Đợt", "--rubric", str(bad))
    assert code == 1 and "Lỗi: " in err and "criteria" in err
    code, _, err = run(demo_db, capsys, "round", "create", "Đợt", "--rubric", str(TEMPLATE_20),
                       "--year", "2024")  # fmt: skip
    assert code == 1 and "2024-2025" in err
    code, _, err = run(demo_db, capsys, "round", "create", "Đợt", "--rubric", "/khong/co.yaml")
    assert code == 1 and "Không đọc được tệp" in err


def test_round_assign_auto_then_by_hand_with_the_same_rules(demo_db, capsys):
    code, out, _ = run(demo_db, capsys, "round", "assign", "1", "--auto")
    assert code == 0 and "Đã phân công 12 phiếu chấm." in out
    code, out, _ = run(demo_db, capsys, "round", "assign", "1", "--auto")
    assert code == 0 and "mọi SKKN đã đủ giám khảo" in out
    name = "chấm skkn năm học 2023-2024 (dữ liệu mẫu)"
    code, _, err = run(demo_db, capsys, "round", "assign", name, "--skkn", "skkn-006",
                       "--examiner", "giamkhao1")  # fmt: skip
    assert code == 1 and "giamkhao1 là tác giả của SKKN" in err
    code, _, err = run(demo_db, capsys, "round", "assign", "1", "--skkn", "SKKN-099",
                       "--examiner", "giamkhao1")  # fmt: skip
    assert code == 1 and "Không có SKKN mã 'SKKN-099'" in err


@pytest.mark.parametrize(
    "args",
    [
        ["round", "assign", "1"],
        ["round", "assign", "1", "--skkn", "SKKN-001"],
        ["round", "assign", "1", "--auto", "--skkn", "SKKN-001"],
        ["round", "assign", "1", "--auto", "--examiner", "giamkhao1"],
        ["round", "create", "Đợt"],
        ["round", "close"],
        ["round", "frobnicate", "1"],
    ],
)
def test_wrong_usage_exits_2(demo_db, args):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--db", str(demo_db), *args])
    assert exc.value.code == 2


def test_open_refuses_a_round_without_entries(demo_db, capsys):
    run(demo_db, capsys, "round", "create", "Đợt trống", "--rubric", str(TEMPLATE_20))
    code, _, err = run(demo_db, capsys, "round", "open", "Đợt trống")
    assert code == 1 and "Chưa có SKKN nào trong đợt chấm" in err


def test_the_councils_confirmation_of_the_thresholds_is_recorded_from_the_cli(demo_db, capsys):
    run(demo_db, capsys, "round", "create", "Đợt mới", "--rubric", str(TEMPLATE_20))
    con = db.connect(demo_db)
    rid = rounds.require_round_by_key(con, "Đợt mới").id
    assert not states.thresholds_confirmed(con, rid)
    con.close()
    code, out, _ = run(demo_db, capsys, "round", "confirm-thresholds", "Đợt mới")
    assert code == 0 and "đã xác nhận ngưỡng xếp loại" in out
    con = db.connect(demo_db)
    assert states.thresholds_confirmed(con, rid)
    con.close()


def test_open_close_and_finalize_follow_the_rules(demo_db, capsys):
    code, _, err = run(demo_db, capsys, "round", "close", "1")
    assert code == 1 and "Không chuyển được" in err
    run(demo_db, capsys, "round", "assign", "1", "--auto")
    code, out, _ = run(demo_db, capsys, "round", "open", "1")
    assert code == 0 and "Đã mở đợt chấm số 1" in out
    code, _, err = run(demo_db, capsys, "round", "open", "1")
    assert code == 1 and "Không chuyển được đợt chấm từ 'Đang chấm'" in err
    con = db.connect(demo_db)
    assert rounds.require_round(con, 1).state == "open"
    for row in assignment.assignments(con, 1).itertuples():
        sheets.submit_sheet(con, users.get_user(con, row.examiner), int(row.entry_id),
                             full_marks(rubric20()))  # fmt: skip
    con.close()
    code, out, _ = run(demo_db, capsys, "round", "finalize", "1")
    assert code == 1
    code, out, _ = run(demo_db, capsys, "round", "close", "1")
    assert code == 0 and "Đã đóng đợt chấm số 1" in out
    code, out, _ = run(demo_db, capsys, "round", "finalize", "1")
    assert code == 0 and "Đã công bố kết quả" in out
    con = db.connect(demo_db)
    r = rounds.require_round(con, 1)
    assert (r.state, r.finalized_by) == ("final", "cli")
    con.close()
    code, _, err = run(demo_db, capsys, "round", "finalize", "Không có đợt này")
    assert code == 1 and "Không có đợt chấm" in err


def test_round_commands_say_when_the_app_holds_the_file(demo_db, capsys):
    with held_by_another_process(demo_db):
        code, _, err = run(demo_db, capsys, "round", "list")
    assert code == 1 and "đang được một tiến trình khác sử dụng" in err
