"""With the database held by another process, visitors see a plain message; the log has the rest."""

from __future__ import annotations

import logging
import sys

from tests.apptest import app, texts
from tests.conftest import held_by_another_process


def test_the_locked_page_shows_no_path_interpreter_or_pid(tmp_path, monkeypatch, caplog):
    db_file = tmp_path / "khoa.duckdb"
    with held_by_another_process(db_file), caplog.at_level(logging.ERROR, logger="thidua"):
        at = app(db_file, monkeypatch).run()
    shown = texts(at)
    assert "Không mở được cơ sở dữ liệu" in shown
    assert "báo người quản trị" in shown
    for secret in (str(db_file), str(tmp_path), sys.executable, "PID", "python"):
        assert secret not in shown
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "thidua")
    assert str(db_file) in logged and "PID" in logged  # the operator still learns what held it
