"""`python -m bench.first_visits --db FILE [--trials 3]`: each page's first open after a restart.

A new server for every trial (bench.serve, timed), the first visitor logs in (after two seconds
of typing) and opens pages from the menu once each: what the first open after a restart costs
in the browser and on the server (imports, first queries), beside the same pages opened again."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from bench import browser as bb
from lib.access import navigation
from tests.browser import chromium

TITLES = ("Kết quả chấm", "Tiến độ", "Nhập dữ liệu", "Bình xét thi đua", "Đợt chấm")
TYPING_MS = 2000  # what a person takes to type a name and a password


def measure(db_path: Path, trials: int, titles: tuple[str, ...] = TITLES) -> dict:
    """Per page: (wait ms, server ms) of its first and its second open, one pair a trial."""
    out: dict[str, dict[str, list[tuple[float, float]]]] = {
        t: {"first": [], "again": []} for t in titles
    }
    specs = [next(s for s in navigation.PAGES if s.title == t) for t in titles]
    with chromium() as browser:
        for _ in range(trials):
            workdir = Path(tempfile.mkdtemp(prefix="bench-first-"))
            try:
                path = workdir / "app.duckdb"
                shutil.copy(db_path, path)
                accounts = bb.prepare(path, "district", 1)
                env = {"THIDUA_DB": str(path), "THIDUA_COOKIE_KEY": os.urandom(32).hex()}
                with bb.serving("app.py", env, workdir, "app") as server:
                    _, page = bb.first_visit(browser, server, "/", bb.PASSWORD_USABLE)
                    page.wait_for_timeout(TYPING_MS)
                    bb.app_login(page, server, accounts.admin, accounts.password)
                    for round_ in ("first", "again"):
                        for spec in specs:
                            sample = bb.step(page, server,
                                             lambda s=spec, p=page: bb.click_menu(s)(p),
                                             bb.page_ready(spec))  # fmt: skip
                            out[spec.title][round_].append(
                                (sample.total * 1000, sample.server * 1000)
                            )
                    bb.close(page)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    return out


def table(out: dict) -> str:
    """Medians as Markdown."""
    lines = ["| trang | lần đầu: chờ ms | máy chủ ms | lần sau: chờ ms | máy chủ ms |",
             "|---|---|---|---|---|"]  # fmt: skip
    for title, rounds in out.items():
        cells = [
            f"{statistics.median(x[i] for x in rounds[r]):.0f}"
            for r in ("first", "again")
            for i in (0, 1)
        ]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench.first_visits", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="CSDL quận (bench.generate)")
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    print(table(measure(args.db, args.trials)))


if __name__ == "__main__":
    main()
