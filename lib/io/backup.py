"""Whole-database backup to one verified .zip file, and a restore that trusts nothing in it."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lib.core import db
from lib.core.errors import Invalid

MANIFEST = "thidua-sao-luu.json"
APP = "thidua"
FORMAT = 2
# Written by EXPORT DATABASE in backups made before FORMAT 2; allowed in the archive, never read.
_LEGACY_PARTS = frozenset({"schema.sql", "load.sql"})
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024**3
# Parquet is compressed already: a part that deflates far more than this is a zip bomb.
MAX_RATIO = 100
_NEXTVAL = re.compile(r"^nextval\('([A-Za-z_][A-Za-z0-9_]*)'\)$")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds: when it was made and the rows of each table."""

    created: str
    tables: dict[str, int]
    migration: int = 0

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(self.tables.values())


@dataclass(frozen=True)
class _Schema:
    """The tables the app's own migrations create up to one level, in creation order."""

    level: int
    tables: dict[str, pa.Schema]
    sequences: dict[str, list[tuple[str, str]]]  # sequence → the (table, column) it numbers


# Logins and failed-login counts are never carried in a backup: a restore must not bring back a
# login that has since ended, and the archive leaves the machine. Their tables travel empty.
NOT_BACKED_UP = frozenset({"sessions", "login_failures"})


def _table_names(con: db.Connection) -> list[str]:
    # Creation order: a table's foreign keys point only at tables made before it.
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' ORDER BY table_oid"
    ).fetchall()
    return [r[0] for r in rows]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema_of(con: db.Connection, level: int) -> _Schema:
    tables = {
        name: con.sql(f"SELECT * FROM {_quoted(name)} LIMIT 0").to_arrow_table().schema
        for name in _table_names(con)
    }
    sequences: dict[str, list[tuple[str, str]]] = {}
    for table, column, default in con.execute(
        "SELECT table_name, column_name, column_default FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall():
        m = _NEXTVAL.match(default or "")
        if m:
            sequences.setdefault(m[1], []).append((table, column))
    return _Schema(level, tables, sequences)


def _app_schema(level: int) -> _Schema:
    """The schema the app's migrations give at `level`: the only schema a restore builds."""
    con = db.connect(":memory:", migrations=False)
    try:
        db.migrate(con, upto=level)
        return _schema_of(con, level)
    finally:
        con.close()


def _level(con: db.Connection) -> int:
    rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
    return int(rows[0][0])


def backup(con: db.Connection, dest: str | Path) -> BackupInfo:
    """Write a consistent snapshot of the whole database to one .zip file (atomically)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".dang-ghi")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            info = _write(con, zf)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return info


def _write(con: db.Connection, zf: zipfile.ZipFile) -> BackupInfo:
    # One transaction: every table, the counts and the sequences come from one snapshot.
    with db.transaction(con):
        level = _level(con)
        counts: dict[str, int] = {}
        for name in _table_names(con):
            keep = "false" if name in NOT_BACKED_UP else "true"
            table = con.sql(f"SELECT * FROM {_quoted(name)} WHERE {keep}").to_arrow_table()
            buffer = io.BytesIO()
            pq.write_table(table, buffer)
            zf.writestr(f"{name}.parquet", buffer.getvalue())
            counts[name] = table.num_rows
        sequences = {
            name: int(value or 0)
            for name, value in con.execute(
                "SELECT sequence_name, last_value FROM duckdb_sequences() "
                "WHERE database_name = current_database() AND schema_name = 'main'"
            ).fetchall()
        }
    info = BackupInfo(dt.datetime.now().isoformat(timespec="seconds"), counts, level)
    manifest = {
        "app": APP,
        "format": FORMAT,
        "created": info.created,
        "migration": level,
        "tables": counts,
        "sequences": sequences,
    }
    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return info


def backup_bytes(con: db.Connection) -> bytes:
    """The backup .zip as bytes, for a download from the running app (built in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        _write(con, zf)
    return buffer.getvalue()


def _refuse(message: str) -> Invalid:
    return Invalid({"file": message})


def _safe_part(info: zipfile.ZipInfo) -> str | None:
    """Why a zip entry may not be read (path outside, link, folder), or None when it may."""
    name = info.filename
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or ".." in path.parts
        or re.match(r"^[A-Za-z]:", name)
    ):
        return f"đường dẫn “{name}” trỏ ra ngoài tệp"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode) or info.is_dir() or len(path.parts) != 1:
        return f"“{name}” là liên kết hoặc thư mục"
    return None


@dataclass(frozen=True)
class _Checked:
    info: BackupInfo
    schema: _Schema
    sequences: dict[str, int]
    parts: dict[str, zipfile.ZipInfo]


def _read_part(zf: zipfile.ZipFile, item: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, never more than its directory says (a lying size is refused)."""
    with zf.open(item) as stream:
        data = stream.read(item.file_size + 1)
    if len(data) != item.file_size:
        raise _refuse(f"Tệp sao lưu bị hỏng (phần “{item.filename}” sai kích thước).")
    return data


def _check(zf: zipfile.ZipFile, name: str) -> _Checked:
    """Check the archive's directory and manifest against the app's own schema, reading no data."""
    foreign = f"Tệp {name} không phải tệp sao lưu của ứng dụng này."
    parts: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for item in zf.infolist():
        why = _safe_part(item)
        if why:
            raise _refuse(f"Tệp sao lưu không an toàn: {why}; không khôi phục.")
        if item.filename in parts:
            raise _refuse(f"Tệp sao lưu không an toàn: phần “{item.filename}” có hai lần.")
        total += item.file_size
        if item.file_size > 1024 * 1024 and item.file_size > MAX_RATIO * max(item.compress_size, 1):
            raise _refuse(f"Tệp sao lưu không an toàn: phần “{item.filename}” nén bất thường.")
        parts[item.filename] = item
    if total > MAX_TOTAL_BYTES:
        raise _refuse(
            f"Tệp sao lưu quá lớn khi giải nén (hơn {MAX_TOTAL_BYTES // 1024**3} GB); "
            "không khôi phục."
        )
    if MANIFEST not in parts or parts[MANIFEST].file_size > MAX_MANIFEST_BYTES:
        raise _refuse(foreign)
    try:
        manifest = json.loads(_read_part(zf, parts[MANIFEST]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(foreign) from exc
    if not isinstance(manifest, dict) or manifest.get("app") != APP:
        raise _refuse(foreign)
    counts = manifest.get("tables")
    if not isinstance(counts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values()
    ):
        raise _refuse(foreign)

    latest = max((n for n, _, _ in db.migration_files()), default=0)
    level = manifest.get("migration")
    if level is None:  # made before FORMAT 2: the level is read from its schema_migrations
        level = _legacy_level(zf, parts)
    if not isinstance(level, int) or isinstance(level, bool) or level < 1:
        raise _refuse(foreign)
    if level > latest:
        raise _refuse(
            f"Tệp sao lưu được tạo bởi phiên bản mới hơn của ứng dụng (cấu trúc dữ liệu số "
            f"{level}, bản này có đến số {latest}). Hãy cập nhật ứng dụng rồi khôi phục."
        )
    schema = _app_schema(level)
    known = set(schema.tables)
    if set(counts) != known:
        missing, extra = sorted(known - set(counts)), sorted(set(counts) - known)
        detail = "; ".join(
            text
            for text in (
                f"thiếu bảng {', '.join(missing)}" if missing else "",
                f"có bảng lạ {', '.join(extra[:5])}" if extra else "",
            )
            if text
        )
        raise _refuse(
            f"Mục lục của tệp sao lưu không khớp với cấu trúc dữ liệu ({detail}); không khôi phục."
        )
    expected = {MANIFEST} | {f"{t}.parquet" for t in known}
    missing_parts = sorted(expected - set(parts))
    if missing_parts:
        raise _refuse(f"Tệp sao lưu thiếu dữ liệu: {', '.join(missing_parts)}.")
    unknown = sorted(set(parts) - expected - _LEGACY_PARTS)
    if unknown:
        raise _refuse(f"Tệp sao lưu có phần lạ: {', '.join(unknown[:5])}; không khôi phục.")
    raw_sequences = manifest.get("sequences") or {}
    sequences = (
        {
            s: v
            for s, v in raw_sequences.items()
            if s in schema.sequences and isinstance(v, int) and 0 <= v < 2**62
        }
        if isinstance(raw_sequences, dict)
        else {}
    )
    info = BackupInfo(str(manifest.get("created", ""))[:40], dict(counts), level)
    return _Checked(info, schema, sequences, parts)


def _legacy_level(zf: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo]) -> int | None:
    item = parts.get("schema_migrations.parquet")
    if item is None:
        return None
    try:
        table = pq.read_table(pa.BufferReader(_read_part(zf, item)), columns=["version"])
        versions = table.column("version").to_pylist()
    except (pa.ArrowException, KeyError, OSError):
        return None
    return max(versions) if versions and all(isinstance(v, int) for v in versions) else None


def _open(source: str | Path) -> zipfile.ZipFile:
    source = Path(source)
    if not source.is_file():
        raise _refuse(f"Không có tệp {source}.")
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(f"Tệp {source.name} không phải tệp sao lưu (.zip) hoặc đã bị hỏng.") from exc


def read_manifest(source: str | Path) -> BackupInfo:
    """Check that a file is a safe, complete backup of this app and return what it holds."""
    with _open(source) as zf:
        return _check(zf, Path(source).name).info


def _same_type(found: pa.DataType, wanted: pa.DataType) -> bool:
    """Equal types, ignoring string/binary width and list field names (Parquet renames them)."""
    if pa.types.is_string(wanted) or pa.types.is_large_string(wanted):
        return pa.types.is_string(found) or pa.types.is_large_string(found)
    if pa.types.is_binary(wanted) or pa.types.is_large_binary(wanted):
        return pa.types.is_binary(found) or pa.types.is_large_binary(found)
    if pa.types.is_map(wanted):
        return (
            pa.types.is_map(found)
            and _same_type(found.key_type, wanted.key_type)
            and _same_type(found.item_type, wanted.item_type)
        )
    if pa.types.is_list(wanted) or pa.types.is_large_list(wanted):
        return (pa.types.is_list(found) or pa.types.is_large_list(found)) and _same_type(
            found.value_type, wanted.value_type
        )
    if pa.types.is_struct(wanted):
        return (
            pa.types.is_struct(found)
            and [f.name for f in found] == [f.name for f in wanted]
            and all(_same_type(f.type, w.type) for f, w in zip(found, wanted, strict=True))
        )
    return found == wanted


def _table(zf: zipfile.ZipFile, checked: _Checked, name: str) -> pa.Table:
    """One table's rows from the archive, with its columns, types and count checked."""
    item = checked.parts[f"{name}.parquet"]
    wanted = checked.schema.tables[name]
    broken = f"Tệp sao lưu bị hỏng: dữ liệu bảng {name} không đọc được; không khôi phục."
    try:
        parquet = pq.ParquetFile(pa.BufferReader(_read_part(zf, item)))
        found = parquet.schema_arrow
        if parquet.metadata.num_rows != checked.info.tables[name]:
            raise _refuse(
                f"Tệp sao lưu không khớp với mục lục của nó (bảng {name} có "
                f"{parquet.metadata.num_rows} dòng, mục lục ghi {checked.info.tables[name]}); "
                "không khôi phục."
            )
        if found.names != wanted.names or not all(
            _same_type(f.type, w.type) for f, w in zip(found, wanted, strict=True)
        ):
            raise _refuse(
                f"Tệp sao lưu có bảng {name} không đúng cột hoặc kiểu dữ liệu; không khôi phục."
            )
        table = parquet.read()
        return table.cast(wanted)
    except Invalid:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _refuse(broken) from exc


def restore(source: str | Path, db_file: str | Path) -> BackupInfo:
    """Replace the database file with a backup, after rebuilding and checking it aside."""
    db_file = Path(db_file)
    db_file.parent.mkdir(parents=True, exist_ok=True)
    db.remove_stale_staging(db_file)
    folder = db_file.with_name(db.STAGING.format(name=db_file.name) + str(os.getpid()))
    shutil.rmtree(folder, ignore_errors=True)
    try:
        with _open(source) as zf:
            checked = _check(zf, Path(source).name)
            folder.mkdir()
            staged = folder / "khoi-phuc.duckdb"
            con = db.connect(staged, migrations=False)
            try:
                _load(con, zf, checked)
                db.migrate(con)  # a backup from an older version gets the newer tables
                con.execute("CHECKPOINT")
            finally:
                con.close()
        # The old file's log belongs to the old data: it must not be replayed onto the new one.
        Path(str(db_file) + ".wal").unlink(missing_ok=True)
        os.replace(staged, db_file)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return checked.info


def _load(con: db.Connection, zf: zipfile.ZipFile, checked: _Checked) -> None:
    """Build the app's schema at the archive's level and load each known table by its name."""
    schema = checked.schema
    with db.transaction(con):
        db.migrate(con, upto=schema.level)
        if set(_table_names(con)) != set(schema.tables):
            raise AssertionError("the staged schema differs from the app's own")
        for name in reversed(list(schema.tables)):  # rows a migration seeded give way
            con.execute(f"DELETE FROM {_quoted(name)}").fetchall()
        for name in schema.tables:
            table = _table(zf, checked, name)
            columns = ", ".join(_quoted(c) for c in schema.tables[name].names)
            con.register("_restore_rows", table)
            try:
                con.execute(
                    f"INSERT INTO {_quoted(name)} ({columns}) SELECT {columns} FROM _restore_rows"
                ).fetchall()
            except duckdb.Error as exc:
                raise _refuse(
                    f"Tệp sao lưu bị hỏng, không khôi phục được (bảng {name}): "
                    f"{str(exc).splitlines()[0][:200]}"
                ) from exc
            finally:
                con.unregister("_restore_rows")
            count = con.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchall()[0][0]
            if count != checked.info.tables[name]:
                raise _refuse("Tệp sao lưu không khớp với mục lục của nó; không khôi phục.")
        _check_migrations(con, schema.level)
        for sequence, columns in schema.sequences.items():
            top = checked.sequences.get(sequence, 0)
            for table, column in columns:
                found = con.execute(
                    f"SELECT coalesce(max({_quoted(column)}), 0) FROM {_quoted(table)}"
                ).fetchall()[0][0]
                top = max(top, int(found))
            if top > 0:
                # DuckDB has no setval: draw the numbers the restored rows already use.
                con.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [top])


def _check_migrations(con: db.Connection, level: int) -> None:
    """The restored schema_migrations must list exactly the app's own migrations to `level`."""
    wanted = [(n, name) for n, name, _ in db.migration_files() if n <= level]
    found = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    if [tuple(r) for r in found] != wanted:
        raise _refuse(
            "Tệp sao lưu ghi các bước cấu trúc dữ liệu không khớp với ứng dụng; không khôi phục."
        )
