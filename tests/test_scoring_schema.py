"""Migration 003: the scoring tables exist and keep their key rules."""

import duckdb
import pytest


def test_scoring_tables_exist(con):
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    names = {r[0] for r in rows}
    assert {
        "rounds", "round_examiners", "entries", "entry_authors", "conflicts", "assignments",
        "sheets", "scores", "grade_overrides",
    } <= names  # fmt: skip


def _round_and_entry(con):
    con.execute("INSERT INTO rounds (name, rubric_yaml, max_gap) VALUES ('Đợt 1', 'x', 2)")
    con.execute("INSERT INTO entries (round_id, code, title) VALUES (1, 'SKKN-001', 'Đề tài')")


def test_round_defaults(con):
    _round_and_entry(con)
    level, state, per_entry, blind = con.execute(
        "SELECT level, state, examiners_per_entry, blind FROM rounds"
    ).fetchone()
    assert (level, state, per_entry, blind) == ("cấp trường", "draft", 2, False)


def test_entry_can_be_renamed_while_referenced(con):
    # Why codes are unique by lib, not by a constraint: DuckDB refuses to update a UNIQUE
    # column of a row that a foreign key references.
    _round_and_entry(con)
    con.execute("INSERT INTO entry_authors VALUES (1, 1, NULL, 'Tác giả', 100)")
    con.execute("UPDATE entries SET code = 'HĐ-01' WHERE id = 1")
    con.execute("UPDATE rounds SET name = 'Đợt 2', state = 'open' WHERE id = 1")
    assert con.execute("SELECT code FROM entries").fetchone() == ("HĐ-01",)


def test_scores_are_keyed_by_sheet_and_criterion(con):
    _round_and_entry(con)
    con.execute("INSERT INTO people (full_name) VALUES ('A')")
    con.execute("INSERT INTO users (username, person_id) VALUES ('gk', 1)")
    con.execute("INSERT INTO sheets (entry_id, examiner) VALUES (1, 'gk')")
    con.execute("INSERT INTO scores (sheet_id, criterion, value) VALUES (1, 'I.1', 0.75)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO scores (sheet_id, criterion, value) VALUES (1, 'I.1', 0.5)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO sheets (entry_id, examiner) VALUES (1, 'gk')")
