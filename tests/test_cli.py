"""The command line: init, users, exit codes, --db mistakes, the message when the app holds
the file; in-process through cli.main (a subprocess only for the lock and one smoke run)."""

import io
import subprocess
import sys
from dataclasses import dataclass
from unittest import mock

import pytest

from lib import cli
from lib.access import users
from lib.core import db
from tests.apptest import ROOT
from tests.conftest import held_by_another_process


@dataclass(frozen=True)
class Ran:
    """What one command did: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def invoke(capsys, db_file, *args, stdin: str = "") -> Ran:
    """Run `python -m lib.cli --db DB_FILE ARGS…` in this process, stdin piped, output captured."""
    capsys.readouterr()
    with mock.patch.object(sys, "stdin", io.StringIO(stdin)):
        try:
            code = cli.main(["--db", str(db_file), *map(str, args)])
        except SystemExit as exc:  # argparse's usage errors and --help
            code = exc.code
    out = capsys.readouterr()
    return Ran(code, out.out, out.err)


@pytest.fixture
def run(capsys, tmp_path):
    return lambda *args, stdin="": invoke(capsys, tmp_path / "t.duckdb", *args, stdin=stdin)


def test_init_demo_then_refuses_a_second_demo(run):
    first = run("init", "--demo")
    assert first.returncode == 0, first.stderr
    second = run("init", "--demo")
    assert second.returncode == 1
    assert "đã có dữ liệu" in second.stderr


def test_user_add_reads_password_from_stdin_and_lists(run, tmp_path):
    assert run("init").returncode == 0
    added = run("user", "add", "thuky", "--name", "Trần Thị Bình",
                "--role", "admin", "--role", "examiner", stdin="mat-khau-thu-ky\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run("user", "list")
    assert "thuky" in listed.stdout and "Trần Thị Bình" in listed.stdout
    con = db.connect(tmp_path / "t.duckdb")
    creds = users.credentials(con)["usernames"]
    assert users.verify_password("mat-khau-thu-ky", creds["thuky"]["password"])
    con.close()


def test_bad_input_exits_1_with_a_message(run):
    run("init")
    short = run("user", "add", "gv", "--name", "A", "--role", "staff", stdin="123\n")
    assert short.returncode == 1 and "ít nhất 8 ký tự" in short.stderr
    missing = run("user", "disable", "khongco")
    assert missing.returncode == 1 and "Không có tài khoản 'khongco'" in missing.stderr


def test_usage_errors_exit_2(run):
    assert run("user", "add", "gv", "--role", "boss").returncode == 2
    assert run().returncode == 2


def test_help_for_each_command(capsys):
    for argv in (["--help"], ["init", "--help"], ["user", "add", "--help"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 0
    assert "Mật khẩu được đọc từ stdin" in capsys.readouterr().out


def test_last_admin_cannot_be_disabled(run):
    run("init", "--demo")
    result = run("user", "disable", "chutich")
    assert result.returncode == 1 and "quản trị viên cuối cùng" in result.stderr


def test_locked_database_is_explained_not_a_traceback(tmp_path):
    db.connect(tmp_path / "t.duckdb").close()
    with held_by_another_process(tmp_path / "t.duckdb"):
        # A real second process: DuckDB's file lock is what is being tested.
        result = subprocess.run(
            [sys.executable, "-m", "lib.cli", "--db", str(tmp_path / "t.duckdb"), "user", "list"],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
    assert result.returncode == 1
    assert "đang được một tiến trình khác sử dụng" in result.stderr
    assert "Traceback" not in result.stderr


def test_python_m_lib_cli_help_runs():
    result = subprocess.run([sys.executable, "-m", "lib.cli", "--help"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)  # fmt: skip
    assert result.returncode == 0 and "Quản trị bảng điều khiển thi đua" in result.stdout


def test_a_file_that_is_not_a_database_is_explained_not_a_traceback(capsys, tmp_path):
    for name, content in (("ghi-chu.txt", b"khong phai CSDL\n"), ("rong.duckdb", b"")):
        path = tmp_path / name
        path.write_bytes(content)
        result = invoke(capsys, path, "user", "list")
        assert result.returncode == 1
        assert result.stderr.startswith(f"Lỗi: Tệp {path} không phải cơ sở dữ liệu của ứng dụng")
        assert "Traceback" not in result.stderr
        assert path.read_bytes() == content
    folder = invoke(capsys, tmp_path, "user", "list")
    assert folder.returncode == 1 and "là một thư mục" in folder.stderr


def test_a_mistyped_db_creates_no_folder_and_no_database(capsys, tmp_path):
    typo = tmp_path / "dta" / "thidua.duckdb"
    for args in (["user", "list"], ["init"], ["import", "people", tmp_path / "ds.csv"]):
        result = invoke(capsys, typo, *args)
        assert result.returncode == 1
        assert result.stderr.startswith(f"Lỗi: Không có thư mục {typo.parent}")
    assert not typo.parent.exists()
    # In an existing folder only init makes a new file; every other command says how.
    missing = tmp_path / "thidua.duckdb"
    result = invoke(capsys, missing, "user", "list")
    assert result.returncode == 1 and "lệnh “python -m lib.cli --db" in result.stderr
    assert not missing.exists()
    assert invoke(capsys, missing, "init").returncode == 0 and missing.is_file()
    assert invoke(capsys, missing, "user", "list").returncode == 0
