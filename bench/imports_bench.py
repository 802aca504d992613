"""Import speed: a large tasks CSV through the real import, beside DuckDB's own read_csv."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from lib import db, demo, imports


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
    con = db.connect(database)
    try:
        started = time.perf_counter()
        with db.transaction(con):
            con.execute("CREATE TABLE raw_stored AS SELECT * FROM read_csv(?)", [str(path)])
        return time.perf_counter() - started
    finally:
        con.close()


def measure(rows: int, runs: int) -> dict:
    """Median seconds of the tasks import and of read_csv on the same file; their ratio.

    read_csv_s is DuckDB reading the file into a TEMP table (memory only), the floor the
    target names. The import also writes its rows durably, so read_csv_stored_s (the same
    read_csv into a table of the database file, committed) is reported beside it.
    """
    data = tasks_csv(rows)
    ours, floor, stored = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.csv"
        path.write_bytes(data)
        for run in range(runs):
            con = db.connect(Path(tmp) / f"bench{run}.duckdb")
            demo.load_demo(con)
            # The three in turn, each run, so a busy moment of the machine falls on all of
            # them rather than on one; the stored read_csv gets its own database file so
            # the import finds the demo database as a user's would be.
            started = time.perf_counter()
            con.execute("CREATE TEMP TABLE raw AS SELECT * FROM read_csv(?)", [str(path)])
            floor.append(time.perf_counter() - started)
            stored.append(_stored_read_csv(Path(tmp) / f"stored{run}.duckdb", path))
            started = time.perf_counter()
            imports.run_import(con, "tasks", data, "tasks.csv", "bench", "13/KH-MNAS")
            ours.append(time.perf_counter() - started)
            con.close()
    import_s, read_s = statistics.median(ours), statistics.median(floor)
    stored_s = statistics.median(stored)
    return {
        "rows": rows,
        "import_s": import_s,
        "read_csv_s": read_s,
        "ratio": import_s / read_s,
        "read_csv_stored_s": stored_s,
        "ratio_stored": import_s / stored_s,
    }


if __name__ == "__main__":
    print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, 3))
