"""The command line's import, export, backup and restore (in-process through cli.main), and a
kill in the middle of an import (a real process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from bench.imports_bench import tasks_csv
from lib import demo
from lib.core import db
from tests.apptest import ROOT
from tests.conftest import held_by_another_process
from tests.docx_factory import build_plan_docx
from tests.test_cli import invoke
from tests.test_imports import PEOPLE_HEADER, csv_bytes, snapshot


@pytest.fixture
def run(capsys):
    return lambda db_file, *args: invoke(capsys, db_file, *args)


def state(db_file) -> dict:
    con = db.connect(db_file)
    try:
        return snapshot(con)
    finally:
        con.close()


@pytest.fixture
def demo_db(tmp_path):
    path = tmp_path / "t.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    con.close()
    return path


def test_import_prints_one_line_and_exits_0(demo_db, tmp_path, run):
    file = tmp_path / "danh-sach.csv"
    file.write_bytes(
        csv_bytes([PEOPLE_HEADER, ["Trần Thị Bình", "Thư ký", "Văn phòng", "", "", "thuky",
                                   "admin"], ["Lê Thu Hà", "", "", "", "", "", ""]])
    )  # fmt: skip
    result = run(demo_db, "import", "people", file)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "danh-sach.csv: Danh sách cán bộ, giáo viên: thêm 1, cập nhật 0, giữ nguyên 1. "
        "Tạo 1 tài khoản chưa có mật khẩu: quản trị viên đặt mật khẩu trên trang “Người dùng” "
        "trước khi họ đăng nhập."
    ]
    listed = run(demo_db, "user", "list").stdout
    assert "thuky" in listed and "(chưa có MK)" in listed


def test_bad_file_prints_every_problem_exits_1_and_writes_nothing(demo_db, tmp_path, run):
    file = tmp_path / "ds.csv"
    file.write_bytes(
        csv_bytes([PEOPLE_HEADER, ["Trần An", "GV", "Tổ 1", "", "30/02/2024", "", ""],
                   ["Lê Bình", "GV", "Tổ 1", "", "", "binh", "hiệu trưởng"]])
    )  # fmt: skip
    before = state(demo_db)
    result = run(demo_db, "import", "people", file)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Lỗi: Dòng 2, cột “Ngày vào ngành”: Ngày “30/02/2024” không hợp lệ. Hãy ghi dạng "
        "ngày/tháng/năm, ví dụ 27/03/2024.",
        "Lỗi: Dòng 3, cột “Vai trò”: Vai trò “hiệu trưởng” không có. Chỉ nhận: admin (Quản trị); "
        "examiner (Giám khảo); staff (CBGVNV).",
    ]
    assert result.stdout == ""
    assert state(demo_db) == before


def test_tasks_need_a_plan_and_missing_files_are_named(demo_db, tmp_path, run):
    file = tmp_path / "viec.csv"
    file.write_bytes(tasks_csv(3))
    result = run(demo_db, "import", "tasks", file)
    assert result.returncode == 1
    assert "Hãy chọn kế hoạch để nhập công việc vào: 13/KH-MNAS." in result.stderr
    done = run(demo_db, "import", "tasks", file, "--plan", "13/KH-MNAS")
    assert done.returncode == 0 and "thêm 3, cập nhật 0, giữ nguyên 0" in done.stdout
    missing = run(demo_db, "import", "people", tmp_path / "khong-co.csv")
    assert missing.returncode == 1 and "Không có tệp" in missing.stderr


def test_import_word_plan_then_export_its_tasks(tmp_path, run):
    path = tmp_path / "t.duckdb"
    plan = tmp_path / "kh.docx"
    plan.write_bytes(build_plan_docx())
    refused = run(path, "import", "plan", plan)
    assert refused.returncode == 1 and "Không có cơ sở dữ liệu" in refused.stderr
    assert not path.exists()  # only init makes a new database
    assert run(path, "init").returncode == 0
    result = run(path, "import", "plan", plan)
    assert result.returncode == 0, result.stderr
    assert "thêm 10" in result.stdout and "13/KH-MNAS" in result.stdout
    out = run(path, "export", "tasks", "--plan", "13/KH-MNAS")
    assert out.returncode == 0
    lines = out.stdout.lstrip("\ufeff").splitlines()
    assert len(lines) == 11 and lines[1].startswith('Tháng 03/2024,"Xây dựng kế hoạch')
    xlsx = run(path, "export", "people", "--format", "xlsx", "-o", tmp_path / "ds.xlsx")
    assert xlsx.returncode == 0 and (tmp_path / "ds.xlsx").read_bytes()[:2] == b"PK"


def test_export_csv_file_has_a_bom(demo_db, tmp_path, run):
    result = run(demo_db, "export", "people", "-o", tmp_path / "ds.csv")
    assert result.returncode == 0
    assert (tmp_path / "ds.csv").read_bytes().startswith(b"\xef\xbb\xbf" + "Họ và tên".encode())


def test_backup_and_restore(demo_db, tmp_path, run):
    before = state(demo_db)
    result = run(demo_db, "backup", tmp_path / "sao-luu.zip")
    assert result.returncode == 0 and "Đã sao lưu" in result.stdout
    (tmp_path / "ds.csv").write_bytes(csv_bytes([PEOPLE_HEADER[:3], ["Người Mới", "GV", "Tổ"]]))
    assert run(demo_db, "import", "people", tmp_path / "ds.csv").returncode == 0
    changed = state(demo_db)

    (tmp_path / "hong.zip").write_bytes(b"PK\x03\x04 not really")
    bad = run(demo_db, "restore", tmp_path / "hong.zip")
    assert bad.returncode == 1 and "không phải tệp sao lưu" in bad.stderr
    assert state(demo_db) == changed

    good = run(demo_db, "restore", tmp_path / "sao-luu.zip")
    assert good.returncode == 0, good.stderr
    assert state(demo_db) == before


def test_restore_while_the_app_holds_the_file_is_explained(demo_db, tmp_path, run):
    assert run(demo_db, "backup", tmp_path / "b.zip").returncode == 0
    with held_by_another_process(demo_db):
        result = run(demo_db, "restore", tmp_path / "b.zip")
    assert result.returncode == 1
    assert "đang được một tiến trình khác sử dụng" in result.stderr


# The CLI's own main(), with the batch insert held open after it wrote its rows, so the kill
# lands inside the import's transaction every time (not before it started or after it ended).
PAUSED_CLI = """
import sys, time
from lib.io.imports import tasks
from lib.cli import main

write = tasks._append_tasks

def write_then_wait(*args, **kwargs):
    write(*args, **kwargs)
    print("rows written, transaction open", flush=True)
    time.sleep(120)

tasks._append_tasks = write_then_wait
sys.exit(main(sys.argv[1:]))
"""


def test_killed_in_the_middle_of_a_100000_row_import_leaves_the_database_as_it_was(
    demo_db, tmp_path
):
    file = tmp_path / "100000-viec.csv"
    file.write_bytes(tasks_csv(100_000))
    before = state(demo_db)
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_CLI, "--db", str(demo_db), "import", "tasks", str(file),
         "--plan", "13/KH-MNAS"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.strip() == "rows written, transaction open", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = state(demo_db)
    assert after == before
    assert len(after["tasks"]) == 10
