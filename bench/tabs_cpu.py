"""CPU time of one script run per page tab (AppTest, with the server's GC), and what it sends.

`python -m bench.tabs_cpu --db COPY.duckdb [--runs 5] [TAB ...]`: for each tab of
bench.run's cases whose label is given (all of SKKN và phân công and Kết quả chấm by default),
the median CPU time (time.process_time: this process, every thread, DuckDB's too) and wall time
of a run, and the size of the elements the run drew (their protobuf bytes: the grid, pickers'
options, tables). CPU time is what a shared 2-core machine measures steadily; wall time moves
with the other processes. The database is opened for writing (logins): pass a copy."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench import pages
from bench.run import CASES

DEFAULT_PAGES = ("pages/skkn.py", "pages/ket-qua-cham.py")


def element_bytes(at) -> int:
    """The protobuf bytes of every element the last run drew."""
    total = 0
    stack = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        children = getattr(node, "children", None) or {}
        if proto is not None and hasattr(proto, "ByteSize") and not children:
            total += proto.ByteSize()
        stack.extend(children.values())
    return total


def measure(db_path: Path, cases: list, runs: int) -> list[dict]:
    """Each case's median CPU and wall milliseconds per run, and element KiB."""
    found = []
    with pages.with_empty_page(), pages.compiled_once(), pages.server_gc():
        for path, username, state in cases:
            at = pages._open(db_path, username, path, state)
            at.run()  # warm-up
            if at.exception:
                raise RuntimeError(f"{path}: {at.exception[0].message}")
            cpu, wall = [], []
            for _ in range(runs):
                c0, w0 = time.process_time(), time.perf_counter()
                at.run()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
            view = " · ".join(map(str, state.values())) or "(trang)"
            found.append({"page": path, "view": view, "cpu_ms": statistics.median(cpu),
                          "wall_ms": statistics.median(wall),
                          "kib": element_bytes(at) / 1024, "runs": runs})  # fmt: skip
            one = found[-1]
            print(f"{path} › {view}: CPU {one['cpu_ms']:.0f} ms, wall {one['wall_ms']:.0f} ms, "
                  f"{one['kib']:.0f} KiB", flush=True)  # fmt: skip
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="một bản sao của CSDL")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("tabs", nargs="*", help="nhãn thẻ, vd. 'Xung đột' (mặc định: mọi thẻ)")
    args = parser.parse_args(argv)
    cases = [
        (path, user, state)
        for path, user, state in CASES
        if path in DEFAULT_PAGES and (not args.tabs or set(state.values()) & set(args.tabs))
    ]
    if not cases:
        parser.error("không có thẻ nào như vậy")
    measure(args.db, cases, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
