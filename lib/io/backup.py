"""Whole-database backup to one verified .zip file, and a restore that is all or nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lib.core import db
from lib.core.errors import Invalid

MANIFEST = "thidua-sao-luu.json"
APP = "thidua"
_COPY = re.compile(r"""^COPY\s+("?)([A-Za-z_][A-Za-z0-9_]*)\1\s+FROM\s+'([^']+)'""", re.I)


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds: when it was made and the rows of each table."""

    created: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(self.tables.values())


def _counts(con: db.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' ORDER BY table_name"
        ).fetchall()
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}


def backup(con: db.Connection, dest: str | Path) -> BackupInfo:
    """Write a consistent snapshot of the whole database to one .zip file (atomically)."""
    dest = Path(dest)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        # EXPORT DATABASE reads one snapshot; counting in the same transaction matches it.
        with db.transaction(con):
            con.execute(f"EXPORT DATABASE '{_sql_path(folder)}' (FORMAT parquet)")
            info = BackupInfo(dt.datetime.now().isoformat(timespec="seconds"), _counts(con))
        manifest = {"app": APP, "created": info.created, "tables": info.tables}
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".dang-ghi")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            for file in sorted(folder.iterdir()):
                zf.write(file, file.name)
        os.replace(partial, dest)
    return info


def backup_bytes(con: db.Connection) -> bytes:
    """The backup .zip as bytes, for a download from the running app (which holds the file)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "sao-luu.zip"
        backup(con, target)
        return target.read_bytes()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _refuse(message: str) -> Invalid:
    return Invalid({"file": message})


def read_manifest(source: str | Path) -> BackupInfo:
    """Check that a file is an intact backup of this app and return what it holds."""
    source = Path(source)
    if not source.is_file():
        raise _refuse(f"Không có tệp {source}.")
    try:
        with zipfile.ZipFile(source) as zf:
            broken = zf.testzip()
            if broken is not None:
                raise _refuse(f"Tệp sao lưu bị hỏng (phần “{broken}” không đọc được).")
            manifest = json.loads(zf.read(MANIFEST))
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(f"Tệp {source.name} không phải tệp sao lưu (.zip) hoặc đã bị hỏng.") from exc
    except (KeyError, ValueError) as exc:
        raise _refuse(f"Tệp {source.name} không phải tệp sao lưu của ứng dụng này.") from exc
    if manifest.get("app") != APP or not isinstance(manifest.get("tables"), dict):
        raise _refuse(f"Tệp {source.name} không phải tệp sao lưu của ứng dụng này.")
    missing = {"schema.sql", "load.sql"} - names
    if missing:
        raise _refuse(f"Tệp sao lưu thiếu {', '.join(sorted(missing))}.")
    return BackupInfo(str(manifest.get("created", "")), dict(manifest["tables"]))


def restore(source: str | Path, db_file: str | Path) -> BackupInfo:
    """Replace the database file with a backup, after rebuilding and checking it aside."""
    info = read_manifest(source)
    db_file = Path(db_file)
    db_file.parent.mkdir(parents=True, exist_ok=True)
    staged = db_file.with_name(f".{db_file.name}.khoi-phuc-{os.getpid()}")
    for leftover in (staged, staged.with_name(staged.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            with zipfile.ZipFile(source) as zf:
                zf.extractall(folder)
            con = duckdb.connect(str(staged))
            try:
                _load(con, folder)
                found = _counts(con)
                if found != info.tables:
                    raise _refuse(
                        "Tệp sao lưu không khớp với mục lục của nó (số dòng các bảng khác nhau); "
                        "không khôi phục."
                    )
                db.migrate(con)  # a backup from an older version gets the newer tables
                con.execute("CHECKPOINT")
            finally:
                con.close()
        # The old file's log belongs to the old data: it must not be replayed onto the new one.
        Path(str(db_file) + ".wal").unlink(missing_ok=True)
        os.replace(staged, db_file)
    finally:
        staged.unlink(missing_ok=True)
        Path(str(staged) + ".wal").unlink(missing_ok=True)
    return info


def _load(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Recreate the schema and load each table's file, whatever folder it was exported from."""
    try:
        con.execute((folder / "schema.sql").read_text(encoding="utf-8"))
        for line in (folder / "load.sql").read_text(encoding="utf-8").splitlines():
            m = _COPY.match(line.strip())
            if not m:
                continue
            file = folder / Path(m[3]).name
            if not file.is_file():
                raise _refuse(f"Tệp sao lưu thiếu dữ liệu của bảng {m[2]}.")
            con.execute(f"COPY \"{m[2]}\" FROM '{_sql_path(file)}' (FORMAT parquet)")
    except duckdb.Error as exc:
        raise _refuse(
            f"Tệp sao lưu bị hỏng, không khôi phục được: {str(exc).splitlines()[0]}"
        ) from exc
