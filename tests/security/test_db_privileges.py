"""The app's DuckDB connection opens no file but its own database, and loads no extension."""

from __future__ import annotations

import duckdb
import pytest

from lib.core import db


@pytest.fixture
def app_con(tmp_path):
    con = db.connect(tmp_path / "app.duckdb")
    yield con
    con.close()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY (SELECT 1) TO '{tmp}/ra-ngoai.csv'",
        "ATTACH '{tmp}/khac.duckdb' AS khac",
        "EXPORT DATABASE '{tmp}/xuat'",
        "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    ],
    ids=["read_text", "read_csv", "copy-to", "attach", "export", "url"],
)
def test_sql_cannot_reach_other_files(app_con, tmp_path, sql):
    with pytest.raises(duckdb.Error, match="(?i)disabled by configuration|permission"):
        app_con.execute(sql.format(tmp=tmp_path))
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("app.duckdb")] == []


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("INSTALL httpfs", "disabled by configuration"),
        ("LOAD httpfs", "disabled through configuration"),
    ],
)
def test_no_extension_is_installed_or_loaded(app_con, sql, refusal):
    with pytest.raises(duckdb.Error, match=refusal):
        app_con.execute(sql)


def test_a_cursor_has_the_same_limits(app_con):
    cursor = app_con.cursor()  # each Streamlit session works through one
    settings = dict(
        cursor.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
            "'autoinstall_known_extensions', 'autoload_known_extensions')"
        ).fetchall()
    )
    assert settings == {
        "enable_external_access": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }
    with pytest.raises(duckdb.Error):
        cursor.execute("SELECT * FROM read_text('/etc/hostname')")
