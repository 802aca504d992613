"""Import speed: a large tasks CSV through the real import, beside DuckDB's own read_csv."""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb

from lib import demo
from lib.core import db
from lib.io import imports
from lib.scoring import assignment, entries, rounds, states


def tasks_csv(rows: int) -> bytes:
    """A tasks CSV as a secretary's Excel would save it (UTF-8 with BOM), `rows` distinct tasks."""
    lines = ["Thời gian,Nội dung,Bộ phận thực hiện,Lãnh đạo phụ trách,Ghi chú,Trạng thái,Hạn"]
    for i in range(rows):
        lines.append(
            f"Tháng {i % 12 + 1}/2024,Công việc số {i + 1} của năm,Tổ {i % 7 + 1},"
            f"Đ/c Quyên,,{'Hoàn thành' if i % 3 == 0 else 'Chưa bắt đầu'},"
            f"{i % 28 + 1}/{i % 12 + 1}/2024"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _stored_read_csv(database: Path, path: Path) -> float:
    """Seconds for read_csv into a table of a fresh database file, committed."""
    # DuckDB's own reader needs file access, which the app's connection (db.connect) refuses.
    con = duckdb.connect(str(database))
    try:
        started = time.perf_counter()
        with db.transaction(con):
            con.execute("CREATE TABLE raw_stored AS SELECT * FROM read_csv(?)", [str(path)])
        return time.perf_counter() - started
    finally:
        con.close()


def _write_floor(
    before: Path, after: db.Connection, tables: list[str], workdir: Path
) -> tuple[float, dict[str, int]]:
    """Seconds to insert the rows an import added to these tables, as they were stored, into
    the database it started from, committed: the keyed, durable write with no reading and no
    checking, which no import of these rows can beat."""
    # The app's connection attaches no other file: both sides meet in a scratch database.
    old = duckdb.connect(str(before), read_only=True)
    scratch = duckdb.connect()
    try:
        added = {}
        for t in tables:
            scratch.register("now_rows", after.sql(f"SELECT * FROM {t}").to_arrow_table())
            scratch.register("old_rows", old.sql(f"SELECT * FROM {t}").to_arrow_table())
            added[t] = scratch.sql(
                "SELECT * FROM now_rows EXCEPT ALL SELECT * FROM old_rows"
            ).to_arrow_table()
    finally:
        old.close()
        scratch.close()
    copy = workdir / f"floor-{before.name}"
    shutil.copy(before, copy)
    con = db.connect(copy)
    try:
        started = time.perf_counter()
        with db.transaction(con):
            for table, rows in added.items():
                con.register("added", rows)
                con.execute(f"INSERT INTO {table} SELECT * FROM added")
                con.unregister("added")
        return time.perf_counter() - started, {t: rows.num_rows for t, rows in added.items()}
    finally:
        con.close()
        copy.unlink()


def _ratios(ours: list[float], floor: list[float], stored: list[float],
            write: list[tuple[float, dict[str, int]]], rows: int) -> dict:  # fmt: skip
    import_s, read_s = statistics.median(ours), statistics.median(floor)
    stored_s, write_s = statistics.median(stored), statistics.median(s for s, _ in write)
    return {
        "rows": rows,
        "import_s": import_s,
        "read_csv_s": read_s,
        "ratio": import_s / read_s,
        "read_csv_stored_s": stored_s,
        "ratio_stored": import_s / stored_s,
        "write_floor_s": write_s,
        "write_floor_ratio": write_s / read_s,
        "write_floor_rows": write[-1][1],
    }


def measure(rows: int, runs: int) -> dict:
    """Median seconds of the tasks import and of read_csv on the same file; their ratio.

    read_csv_s is DuckDB reading the file into a TEMP table (memory only), the floor the
    target names. The import also writes its rows durably, so read_csv_stored_s (the same
    read_csv into a table of the database file, committed) is reported beside it, and
    write_floor_s: the rows the import stored, inserted again into the same keyed tables.
    """
    data = tasks_csv(rows)
    ours, floor, stored, write = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.csv"
        path.write_bytes(data)
        for run in range(runs):
            before = Path(tmp) / f"before{run}.duckdb"
            con = db.connect(before)
            demo.load_demo(con)
            con.close()
            con = db.connect(shutil.copy(before, Path(tmp) / f"bench{run}.duckdb"))
            # The three in turn, each run, so a busy moment of the machine falls on all of
            # them rather than on one; the stored read_csv gets its own database file so
            # the import finds the demo database as a user's would be.
            # DuckDB's reader in a memory database: a TEMP table is memory only too, and the
            # app's connection may not read files with SQL.
            memory = duckdb.connect()
            started = time.perf_counter()
            memory.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?)", [str(path)])
            floor.append(time.perf_counter() - started)
            memory.close()
            stored.append(_stored_read_csv(Path(tmp) / f"stored{run}.duckdb", path))
            started = time.perf_counter()
            imports.run_import(con, "tasks", data, "tasks.csv", "bench", "13/KH-MNAS")
            ours.append(time.perf_counter() - started)
            write.append(_write_floor(before, con, ["tasks"], Path(tmp)))
            con.close()
    return _ratios(ours, floor, stored, write, rows)


# --- scores: typed-up paper sheets into an open round ------------------------------------------

SCORE_ROUND = "Đợt nhập phiếu chấm"
CRITERIA_STEP = Decimal("0.25")
# Where the scores import adds rows (it also updates sheets and freezes the rubric).
SCORE_TABLES = ["round_examiners", "assignments", "sheets", "scores", "audit_log"]


def scores_database(path: Path, sheets: int) -> tuple[int, list[str], list[str]]:
    """A school-scale database with an open round holding enough entries for `sheets` sheets.

    Returns (round id, entry codes, examiners). Each entry has two examiners assigned the way
    the council does it (auto_assign); the scores file brings every examiner, so the import
    also assigns the rest."""
    from bench.generate import generate

    generate(path, "school")
    con = db.connect(path)
    try:
        rubric = rounds.load_rubric_file(rounds.TEMPLATE_DIR / "mau-20-diem.yaml")
        rid = rounds.create_round(con, "bench.admin", SCORE_ROUND, rubric, school_year="2024-2025")
        states.confirm_thresholds(con, rid, "bench.admin")
        examiners = [u for (u,) in con.execute(
            "SELECT examiner FROM round_examiners WHERE round_id = ? ORDER BY examiner", [rid]
        ).fetchall()]  # fmt: skip
        authors = [i for (i,) in con.execute(
            "SELECT p.id FROM people p WHERE NOT EXISTS (SELECT 1 FROM users u "
            "WHERE u.person_id = p.id) ORDER BY p.id"
        ).fetchall()]  # fmt: skip
        count = -(-sheets // len(examiners))
        codes = [f"NB-{n:05d}" for n in range(1, count + 1)]
        with db.transaction(con):
            for n, code in enumerate(codes):
                entries.add_entry(
                    con, rid, "bench.admin", title=f"Sáng kiến số {n + 1}", code=code,
                    authors=[entries.AuthorIn("", 100, authors[n % len(authors)])],
                )  # fmt: skip
        assignment.auto_assign(con, rid, "bench.admin")
        states.open_round(con, rid, "bench.admin")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return rid, codes, examiners


def scores_csv(codes: list[str], examiners: list[str], sheets: int) -> bytes:
    """A long-form scores CSV (one row per criterion score) for `sheets` complete, valid sheets.

    Points are on the rubric's step within each maximum, with decimal commas as typed in
    Vietnam; every seventh row carries a comment."""
    rubric = rounds.load_rubric_file(rounds.TEMPLATE_DIR / "mau-20-diem.yaml")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Mã SKKN", "Giám khảo", "Tiêu chí", "Điểm", "Nhận xét"])
    row = 0
    for n in range(sheets):
        code, examiner = codes[n // len(examiners)], examiners[n % len(examiners)]
        for c in rubric.criteria:
            row += 1
            steps = int(c.max / CRITERIA_STEP)
            points = CRITERIA_STEP * ((n * 7 + row) % (steps + 1))
            text = format(points.normalize(), "f").replace(".", ",")
            note = f"Nhận xét dòng {row}, tiêu chí {c.code}" if row % 7 == 0 else ""
            writer.writerow([code, examiner, c.code, text, note])
    return out.getvalue().encode("utf-8-sig")


def measure_scores(rows: int, runs: int) -> dict:
    """Median seconds of the long-form scores import and of read_csv on the same file; ratio.

    `rows` is rounded down to whole sheets (11 criteria each). Each run imports into a fresh
    copy of the same database, so every run assigns, inserts and audits the same sheets."""
    criteria = len(rounds.load_rubric_file(rounds.TEMPLATE_DIR / "mau-20-diem.yaml").criteria)
    sheets = rows // criteria
    ours, floor, stored, write = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.duckdb"
        rid, codes, examiners = scores_database(base, sheets)
        data = scores_csv(codes, examiners, sheets)
        path = Path(tmp) / "diem.csv"
        path.write_bytes(data)
        for run in range(runs):
            copy = Path(tmp) / f"run{run}.duckdb"
            shutil.copy(base, copy)
            con = db.connect(copy)
            # DuckDB's reader in a memory database: a TEMP table is memory only too, and the
            # app's connection may not read files with SQL.
            memory = duckdb.connect()
            started = time.perf_counter()
            memory.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?)", [str(path)])
            floor.append(time.perf_counter() - started)
            memory.close()
            stored.append(_stored_read_csv(Path(tmp) / f"stored{run}.duckdb", path))
            started = time.perf_counter()
            summary = imports.run_import(con, "scores", data, "diem.csv", "bench.admin", str(rid))
            ours.append(time.perf_counter() - started)
            assert summary.added == sheets, summary
            write.append(_write_floor(base, con, SCORE_TABLES, Path(tmp)))
            con.close()
            copy.unlink()
    return _ratios(ours, floor, stored, write, sheets * criteria)


if __name__ == "__main__":
    print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, 3))
    print(measure_scores(int(sys.argv[2]) if len(sys.argv) > 2 else 150_000, 3))
