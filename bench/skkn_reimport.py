"""A round's whole SKKN list imported again with every title changed: `python -m
bench.skkn_reimport --db TỆP [--round N] [--runs 3]` (each run on a fresh copy of TỆP).

What a secretary does after correcting a district's list in Excel: every SKKN is matched by its
code and changed. Prints the wall and CPU time (whole process, every thread) of `run_import`."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.imports_bench import _copy
from lib.core import db
from lib.io import exports
from lib.io.imports import run_import


def reimport(source: Path, round_id: str | None, runs: int) -> list[tuple[int, float, float]]:
    """(entries changed, wall s, CPU s) of each run; the newest round unless one is named."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            con = db.connect(_copy(source, Path(tmp) / f"reimport-{run}.duckdb"))
            try:
                if round_id is None:
                    (round_id,) = con.execute("SELECT max(id)::VARCHAR FROM rounds").fetchone()
                table = exports.skkn_table(con, round_id)
                title = table.columns[1]  # Tên SKKN
                table[title] = table[title] + " (đã sửa)"
                data = exports.to_csv(table)
                wall, cpu = time.perf_counter(), time.process_time()
                summary = run_import(con, "skkn", data, "skkn.csv", "bench.admin", round_id)
                out.append((summary.updated, time.perf_counter() - wall,
                            time.process_time() - cpu))  # fmt: skip
            finally:
                con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Print each run and the medians."""
    parser = argparse.ArgumentParser(prog="python -m bench.skkn_reimport")
    parser.add_argument("--db", type=Path, required=True, help="CSDL của quy mô (chỉ đọc, chép)")
    parser.add_argument("--round", default=None, help="đợt chấm (mặc định: đợt mới nhất)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    runs = reimport(args.db, args.round, args.runs)
    for changed, wall, cpu in runs:
        print(f"{changed} SKKN sửa: {wall * 1000:.0f} ms (CPU {cpu * 1000:.0f} ms)")
    print(f"trung vị {len(runs)} lần: {statistics.median(r[1] for r in runs) * 1000:.0f} ms "
          f"(CPU {statistics.median(r[2] for r in runs) * 1000:.0f} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
