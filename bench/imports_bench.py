"""Benchmark: import a 100,000-row tasks CSV: `python -m bench.imports_bench [ROWS]`."""

from __future__ import annotations

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


def main(rows: int = 100_000) -> None:
    data = tasks_csv(rows)
    with tempfile.TemporaryDirectory() as tmp:
        con = db.connect(Path(tmp) / "bench.duckdb")
        demo.load_demo(con)
        start = time.perf_counter()
        summary = imports.run_import(con, "tasks", data, "bench.csv", "bench", "13/KH-MNAS")
        seconds = time.perf_counter() - start
        con.close()
    print(f"{rows} dòng ({len(data) / 1e6:.1f} MB): {seconds:.2f} s — {summary}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
