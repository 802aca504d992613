"""The command line: init, users, exit codes, and the message when the app holds the file."""

import subprocess
import sys

import pytest

from lib import cli
from lib.access import users
from lib.core import db
from tests.conftest import held_by_another_process


def run(tmp_path, *args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "lib.cli", "--db", str(tmp_path / "t.duckdb"), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_init_demo_then_refuses_a_second_demo(tmp_path):
    first = run(tmp_path, "init", "--demo")
    assert first.returncode == 0, first.stderr
    second = run(tmp_path, "init", "--demo")
    assert second.returncode == 1
    assert "đã có dữ liệu" in second.stderr


def test_user_add_reads_password_from_stdin_and_lists(tmp_path):
    assert run(tmp_path, "init").returncode == 0
    added = run(tmp_path, "user", "add", "thuky", "--name", "Trần Thị Bình",
                "--role", "admin", "--role", "examiner", stdin="mat-khau-thu-ky\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run(tmp_path, "user", "list")
    assert "thuky" in listed.stdout and "Trần Thị Bình" in listed.stdout
    con = db.connect(tmp_path / "t.duckdb")
    creds = users.credentials(con)["usernames"]
    assert users.verify_password("mat-khau-thu-ky", creds["thuky"]["password"])
    con.close()


def test_bad_input_exits_1_with_a_message(tmp_path):
    run(tmp_path, "init")
    short = run(tmp_path, "user", "add", "gv", "--name", "A", "--role", "staff", stdin="123\n")
    assert short.returncode == 1 and "ít nhất 8 ký tự" in short.stderr
    missing = run(tmp_path, "user", "disable", "khongco")
    assert missing.returncode == 1 and "Không có tài khoản 'khongco'" in missing.stderr


def test_usage_errors_exit_2(tmp_path):
    assert run(tmp_path, "user", "add", "gv", "--role", "boss").returncode == 2
    assert run(tmp_path).returncode == 2


def test_help_for_each_command(capsys):
    for argv in (["--help"], ["init", "--help"], ["user", "add", "--help"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 0
    assert "Mật khẩu được đọc từ stdin" in capsys.readouterr().out


def test_last_admin_cannot_be_disabled(tmp_path):
    run(tmp_path, "init", "--demo")
    result = run(tmp_path, "user", "disable", "chutich")
    assert result.returncode == 1 and "quản trị viên cuối cùng" in result.stderr


def test_locked_database_is_explained_not_a_traceback(tmp_path):
    with held_by_another_process(tmp_path / "t.duckdb"):
        result = run(tmp_path, "user", "list")
    assert result.returncode == 1
    assert "đang được một tiến trình khác sử dụng" in result.stderr
    assert "Traceback" not in result.stderr
