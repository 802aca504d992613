"""The database layer: migrations once each, transactions all-or-nothing, the file lock."""

import hashlib

import pytest

from lib.core import db
from tests.conftest import held_by_another_process


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "t.duckdb"
    con = db.connect(path)
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert versions == [n for n, _, _ in db.migration_files()]
    assert db.migrate(con) == []
    con.close()
    again = db.connect(path)
    assert db.migrate(again) == []
    again.close()


def test_transaction_rolls_back_on_error(con):
    with pytest.raises(RuntimeError), db.transaction(con):
        db.set_setting(con, "x", "1")
        raise RuntimeError("boom")
    assert db.get_setting(con, "x") is None


def test_inner_transaction_joins_the_outer_one(con):
    with pytest.raises(RuntimeError), db.transaction(con):
        with db.transaction(con):
            db.set_setting(con, "inner", "1")
        assert db.get_setting(con, "inner") == "1"
        raise RuntimeError("boom after the inner block")
    assert db.get_setting(con, "inner") is None
    with db.transaction(con):
        db.set_setting(con, "later", "1")  # the connection is usable again
    assert db.get_setting(con, "later") == "1"


def test_settings_round_trip(con):
    db.set_setting(con, "k", "a")
    db.set_setting(con, "k", "b")
    assert db.get_setting(con, "k") == "b"


def test_locked_file_gives_a_clear_message(tmp_path):
    path = tmp_path / "locked.duckdb"
    with held_by_another_process(path), pytest.raises(db.DatabaseLocked) as info:
        db.connect(path)
    assert str(path) in str(info.value)
    assert "đang được một tiến trình khác sử dụng" in str(info.value)


def test_db_path_prefers_argument_then_environment(monkeypatch):
    monkeypatch.setenv("THIDUA_DB", "/tmp/from-env.duckdb")
    assert str(db.db_path("x.duckdb")) == "x.duckdb"
    assert str(db.db_path()) == "/tmp/from-env.duckdb"
    monkeypatch.delenv("THIDUA_DB")
    assert str(db.db_path()) == "data/thidua.duckdb"


def test_shipped_migrations_are_never_edited():
    # A database that applied a migration never runs it again: an edit in place would leave it
    # silently different from a new one. Change the schema with a new numbered file instead, and
    # add its line to SHA256SUMS (sha256sum 0*.sql in lib/core/migrations).
    folder = db.MIGRATIONS
    recorded = dict(
        reversed(line.split()) for line in (folder / "SHA256SUMS").read_text().splitlines()
    )
    files = {path.name: path for _, _, path in db.migration_files()}
    assert sorted(files) == sorted(recorded), "every migration file has one recorded checksum"
    for name, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == recorded[name], f"{name} was edited after it shipped"


def test_migrations_are_numbered_without_gaps():
    numbers = [n for n, _, _ in db.migration_files()]
    assert numbers == list(range(1, len(numbers) + 1))
