"""A crafted backup writes nothing and changes nothing: restore trusts nothing in the archive."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
import zipfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lib import demo
from lib.core import db
from lib.core.errors import Invalid
from lib.io import backup
from tests.apptest import ROOT
from tests.test_imports import snapshot


@pytest.fixture
def demo_file(tmp_path):
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    good = tmp_path / "good.zip"
    backup.backup(con, good)
    before = snapshot(con)
    con.close()
    return path, good, before


def rebuilt(source, dest, change=lambda name, data: data, extra=()):
    """Copy a backup, passing each part through change (None drops it), adding extra parts."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item.filename, data)
        for part in extra:
            if isinstance(part, zipfile.ZipInfo):
                zout.writestr(part, b"x")
            else:
                zout.writestr(*part)
    return dest


def manifest_change(edit):
    def change(name, data):
        if name != backup.MANIFEST:
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def tables_of(path) -> list[str]:
    con = db.connect(path)
    try:
        return sorted(
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        )
    finally:
        con.close()


def refused_and_unchanged(bad, path, before, message):
    with pytest.raises(Invalid, match=message):
        backup.restore(bad, path)
    con = db.connect(path)
    assert snapshot(con) == before
    con.close()
    assert not [p for p in path.parent.iterdir() if "khoi-phuc" in p.name]


def test_sql_in_the_archive_is_never_run(demo_file, tmp_path):
    path, good, before = demo_file
    written = tmp_path / "ghi-ra-ngoai.csv"
    evil_schema = (
        f"COPY (SELECT 42 AS x) TO '{written}';\n"
        "CREATE TABLE stolen AS SELECT * FROM read_text('/etc/hostname');\n"
    )
    evil_load = f"COPY people FROM '/etc/hostname';\nCOPY stolen FROM '{tmp_path}/x.parquet';\n"
    bad = rebuilt(good, tmp_path / "bad.zip", extra=[("schema.sql", evil_schema),
                                                     ("load.sql", evil_load)])  # fmt: skip
    backup.restore(bad, path)
    assert not written.exists()
    assert "stolen" not in tables_of(path)
    con = db.connect(path)
    assert snapshot(con) == before  # the rows are the backup's own, nothing from /etc
    con.close()


@pytest.mark.parametrize("level", [{}, {"migration": 2}], ids=["no-level", "level-2"])
def test_an_empty_table_list_cannot_wipe_the_database(demo_file, tmp_path, level):
    path, _, before = demo_file
    bad = tmp_path / "rong.zip"
    manifest = {"app": "thidua", "created": "x", "tables": {}, **level}
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(backup.MANIFEST, json.dumps(manifest))
        zf.writestr("schema.sql", "")
        zf.writestr("load.sql", "")
    assert sum(len(rows) for rows in before.values()) > 40
    message = "không khớp với cấu trúc dữ liệu" if level else "không phải tệp sao lưu"
    refused_and_unchanged(bad, path, before, message)


def test_a_table_missing_from_the_manifest_is_refused(demo_file, tmp_path):
    path, good, before = demo_file
    bad = rebuilt(good, tmp_path / "bad.zip", manifest_change(lambda m: m["tables"].pop("users")))
    refused_and_unchanged(bad, path, before, "thiếu bảng users")


def test_an_unknown_table_is_refused(demo_file, tmp_path):
    path, good, before = demo_file
    table = pa.table({"line": ["x"]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    bad = rebuilt(
        good,
        tmp_path / "bad.zip",
        manifest_change(lambda m: m["tables"].update(stolen=1)),
        extra=[("stolen.parquet", buffer.getvalue())],
    )
    refused_and_unchanged(bad, path, before, "có bảng lạ stolen")


@pytest.mark.parametrize(
    "part",
    [
        ("../ngoai.parquet", b"x"),
        ("/etc/ngoai.parquet", b"x"),
        ("thu-muc/people.parquet", b"x"),
        ("C:\\ngoai.parquet", b"x"),
    ],
    ids=["dotdot", "absolute", "folder", "windows"],
)
def test_paths_outside_the_archive_are_refused(demo_file, tmp_path, part):
    path, good, before = demo_file
    bad = rebuilt(good, tmp_path / "bad.zip", extra=[part])
    refused_and_unchanged(bad, path, before, "không an toàn")


def test_a_link_is_refused(demo_file, tmp_path):
    path, good, before = demo_file
    link = zipfile.ZipInfo("lien-ket.parquet")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = rebuilt(good, tmp_path / "bad.zip", extra=[link])
    refused_and_unchanged(bad, path, before, "liên kết")


def test_a_zip_bomb_part_is_refused_before_it_is_read(demo_file, tmp_path):
    path, good, before = demo_file
    bomb = b"\0" * (64 * 1024 * 1024)
    bad = rebuilt(good, tmp_path / "bad.zip", lambda n, d: bomb if n == "tasks.parquet" else d)
    refused_and_unchanged(bad, path, before, "nén bất thường")


def test_a_column_of_the_wrong_type_is_refused(demo_file, tmp_path):
    path, good, before = demo_file

    def people_as_text(name, data):
        if name != "people.parquet":
            return data
        table = pq.read_table(io.BytesIO(data))
        table = table.set_column(0, "id", pa.array([str(v) for v in table.column("id")]))
        out = io.BytesIO()
        pq.write_table(table, out)
        return out.getvalue()

    bad = rebuilt(good, tmp_path / "bad.zip", people_as_text)
    refused_and_unchanged(bad, path, before, "không đúng cột hoặc kiểu dữ liệu")


def test_a_backup_from_a_newer_version_is_refused(demo_file, tmp_path):
    path, good, before = demo_file
    bad = rebuilt(good, tmp_path / "bad.zip", manifest_change(lambda m: m.update(migration=999)))
    refused_and_unchanged(bad, path, before, "phiên bản mới hơn")


def test_migration_names_must_be_the_apps_own(demo_file, tmp_path):
    path, good, before = demo_file

    def renamed(name, data):
        if name != "schema_migrations.parquet":
            return data
        table = pq.read_table(io.BytesIO(data))
        names = pa.array(["001_evil"] + table.column("name").to_pylist()[1:])
        out = io.BytesIO()
        pq.write_table(table.set_column(1, "name", names), out)
        return out.getvalue()

    bad = rebuilt(good, tmp_path / "bad.zip", renamed)
    refused_and_unchanged(bad, path, before, "các bước cấu trúc dữ liệu không khớp")


def test_a_backup_made_before_format_2_still_restores(tmp_path):
    """Older backups (EXPORT DATABASE folders with schema.sql) restore; their SQL is ignored."""
    source = tmp_path / "cu.duckdb"
    con = db.connect(source)
    demo.load_demo(con)
    before = snapshot(con)
    con.close()
    plain = duckdb.connect(str(source))  # the old backup ran with file access
    folder = tmp_path / "export"
    plain.execute(f"EXPORT DATABASE '{folder}' (FORMAT parquet)")
    counts = {
        n: plain.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0]
        for (n,) in plain.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
        ).fetchall()
    }
    plain.close()
    old = tmp_path / "cu.zip"
    with zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as zf:
        manifest = {"app": "thidua", "created": "x", "tables": counts}
        zf.writestr(backup.MANIFEST, json.dumps(manifest))
        for file in sorted(folder.iterdir()):
            zf.write(file, file.name)
    target = tmp_path / "moi.duckdb"
    info = backup.restore(old, target)
    assert info.migration == max(n for n, _, _ in db.migration_files())
    con = db.connect(target)
    assert snapshot(con) == before
    con.close()


def test_a_killed_restore_leaves_nothing_after_the_next_start(demo_file, tmp_path):
    path, good, _ = demo_file
    # A restore killed with SIGKILL mid-way cannot clean up: its folder waits for the next start.
    code = (
        "import os, sys\n"
        "from lib.io import backup\n"
        "backup._table = lambda *args: os.kill(os.getpid(), 9)\n"
        f"backup.restore({str(good)!r}, {str(path)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, cwd=ROOT)
    assert done.returncode == -9
    left = [p for p in path.parent.iterdir() if "khoi-phuc" in p.name]
    assert left  # the kill landed while the restore was staging
    db.connect(path).close()
    assert not [p for p in path.parent.iterdir() if "khoi-phuc" in p.name]


def test_a_backup_carries_no_login_and_a_restore_ends_every_login(tmp_path):
    from lib.access import sessions as login_sessions

    db_file = tmp_path / "app.duckdb"
    con = db.connect(db_file)
    demo.load_demo(con)
    login_sessions.start(con, "chutich", "127.0.0.1")
    assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
    archive = tmp_path / "sao-luu.zip"
    info = backup.backup(con, archive)
    con.close()
    assert info.tables["sessions"] == 0
    backup.restore(archive, db_file)
    con = db.connect(db_file)
    assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    con.close()
