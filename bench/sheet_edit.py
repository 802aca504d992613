"""One field edit on the scoring sheet until its total shows the new value, beside the same edit
on a bare page with the same widgets (bench/floor_sheet.py), alternating, in one run.

    python -m bench.sheet_edit --db /tmp/district.duckdb [--runs 15] [--browser]

AppTest: each edit is what the browser asks for (a rerun of the sheet's fragment, or of the whole
page with --full), followed by the garbage collection the real server does after every run
(runner.postScriptGC); SQL statements per edit are counted. --browser: Chromium against two
real `streamlit run` servers (the app and the floor, both timed by bench.serve), from Tab in the
field to the new total on screen, with the server's own time per edit (callbacks, script, GC)
read from its log."""

from __future__ import annotations

import argparse
import functools
import gc
import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from streamlit.testing.v1 import AppTest, local_script_runner

from bench.generate import PASSWORD
from bench.pages import _app, compiled_once
from lib import ui
from lib.core import db
from lib.scoring import sheets

if TYPE_CHECKING:
    from bench.browser import Server

ROOT = Path(__file__).resolve().parent.parent
FIELD = "I.1"  # max 0.75, step 0.25: the edits alternate between two valid values
VALUES = ("0,5", "0,25")
TOTAL = re.compile(r"Tổng điểm: ([0-9.,]+) /")


def pick_sheet(db_path: Path, examiner: str) -> int:
    """A draft sheet of the examiner in an open round (the case a person types into)."""
    con = db.connect(db_path)
    try:
        row = con.execute(
            "SELECT s.entry_id FROM sheets s JOIN entries e ON e.id = s.entry_id "
            "JOIN rounds r ON r.id = e.round_id WHERE s.examiner = ? AND s.status = 'draft' "
            "AND r.state = 'open' ORDER BY s.entry_id LIMIT 1",
            [examiner],
        ).fetchone()
        if row is None:
            raise SystemExit(f"{examiner} has no draft sheet in an open round")
        return int(row[0])
    finally:
        con.close()


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


class _Timed:
    """A cursor stand-in that logs each statement with the seconds it took (run and fetch)."""

    def __init__(self, cursor, log: list) -> None:
        self._cursor, self._log = cursor, log

    def execute(self, sql: str, params=None):
        """Run one statement and log it with its time."""
        started = time.perf_counter()
        self._cursor.execute(sql, params)
        self._log.append([sql, time.perf_counter() - started])
        return self

    def _fetch(self, how: str):
        started = time.perf_counter()
        try:
            return getattr(self._cursor, how)()
        finally:
            if self._log:
                self._log[-1][1] += time.perf_counter() - started

    def fetchone(self):
        """Fetch, counted in the statement's time."""
        return self._fetch("fetchone")

    def fetchall(self):
        """Fetch, counted in the statement's time."""
        return self._fetch("fetchall")

    def df(self):
        """Fetch as a DataFrame, counted in the statement's time."""
        return self._fetch("df")

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


@contextmanager
def _timed_statements(log: list) -> Iterator[None]:
    """Make ui.connection() hand out timing cursors while the block runs."""
    original = ui.connection
    ui.connection = lambda: _Timed(original(), log)  # type: ignore[assignment]
    try:
        yield
    finally:
        ui.connection = original  # type: ignore[assignment]


@contextmanager
def _fragment_reruns(fragment_id: str | None) -> Iterator[None]:
    """Make AppTest ask for a rerun of one fragment, as the browser does for a widget in it."""
    if fragment_id is None:
        yield
        return
    original = local_script_runner.RerunData
    local_script_runner.RerunData = functools.partial(  # type: ignore[misc]
        original, fragment_id_queue=[fragment_id]
    )
    try:
        yield
    finally:
        local_script_runner.RerunData = original  # type: ignore[misc]


def _shown_total(at: AppTest) -> Decimal | None:
    for element in at.markdown:
        found = TOTAL.search(str(element.value))
        if found:
            return _number(found.group(1))
    return None


def _timed_edit(
    at: AppTest, key: str, value: str, fragment_id: str | None
) -> tuple[float, float, float]:
    """Set the field, run what the browser would ask for, then the server's GC: seconds of the
    run and of the GC, and the process's CPU seconds in the run (all threads, DuckDB's too)."""
    at.text_input(key=key).set_value(value)
    started, cpu = time.perf_counter(), time.process_time()
    with _fragment_reruns(fragment_id):
        at.run()
    ran, cpu = time.perf_counter(), time.process_time() - cpu
    gc.collect(2)  # runner.postScriptGC: the real server does it after every run
    collected = time.perf_counter()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return ran - started, collected - ran, cpu


def apptest(db_path: Path, examiner: str, runs: int, full: bool = False) -> dict:
    """Median ms per field edit, app and floor alternating, and SQL statements per app edit."""
    entry_id = pick_sheet(db_path, examiner)
    log: list = []
    with compiled_once(), _timed_statements(log):
        at = _app(db_path, examiner)
        at.switch_page("pages/phieu-cham.py")
        at.query_params["skkn"] = str(entry_id)
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        fragments = list(at._fragment_storage._fragments)  # noqa: SLF001 - no public way
        fragment = None if full or not fragments else fragments[-1]
        floor = AppTest.from_file(str(ROOT / "bench/floor_sheet.py"), default_timeout=120)
        floor.run()
        key = f"phieu_{entry_id}_{FIELD}"
        app_ms, floor_ms, app_run, floor_run, gc_ms, statements, sql_ms = [], [], [], [], [], [], []
        app_cpu, floor_cpu = [], []
        con = db.connect(db_path)  # the same DuckDB instance as the app's, in this process
        base = sheets.get_sheet(con, entry_id, examiner)
        con.close()
        others = sum((v for c, v in base.values.items() if v is not None and c != FIELD),
                     Decimal(0))  # fmt: skip
        for i in range(runs + 1):  # the first pair warms up
            value = VALUES[i % 2]
            del log[:]
            a, a_gc, a_cpu = _timed_edit(at, key, value, fragment)
            count = len(log)
            in_sql = sum(took for _, took in log)
            f, f_gc, f_cpu = _timed_edit(floor, f"floor_{FIELD}", value, None)
            if _shown_total(at) != others + _number(value):
                raise RuntimeError(f"the sheet shows {_shown_total(at)} after typing {value}")
            # The bare sheet's fields start empty: its total line shows the typed value, in the
            # words --browser waits for.
            if _shown_total(floor) != _number(value):
                raise RuntimeError(f"the bare sheet shows {_shown_total(floor)} after {value}")
            if i:
                app_ms.append((a + a_gc) * 1000)
                floor_ms.append((f + f_gc) * 1000)
                app_run.append(a * 1000)
                floor_run.append(f * 1000)
                gc_ms.extend([a_gc * 1000, f_gc * 1000])
                app_cpu.append(a_cpu * 1000)
                floor_cpu.append(f_cpu * 1000)
                statements.append(count)
                sql_ms.append(in_sql * 1000)
    app, fl = statistics.median(app_ms), statistics.median(floor_ms)
    return {
        "mode": "full rerun" if fragment is None else "fragment rerun",
        "runs": runs,
        "app_ms": app,
        "floor_ms": fl,
        "ratio": app / fl,
        "app_run_ms": statistics.median(app_run),
        "floor_run_ms": statistics.median(floor_run),
        "gc_ms": statistics.median(gc_ms),
        # CPU of the run without the GC, which depends little on how busy the machine is.
        "app_cpu_ms": statistics.median(app_cpu),
        "floor_cpu_ms": statistics.median(floor_cpu),
        "statements": statistics.median(statements),
        "sql_ms": statistics.median(sql_ms),
        "statement_log": list(log),
    }


def _runs(server: Server, since: float) -> tuple[float, list[str]]:
    """Milliseconds of the script runs (GC included) begun since, and each as "ms kind"."""
    ended = [r for r in server.runs(since) if "end" in r]
    took = [((r["end"] - r["start"]) * 1000, "fragment" if r["fragment"] else "full")
            for r in ended]  # fmt: skip
    return sum(ms for ms, _ in took), [f"{ms:.2f} {kind}" for ms, kind in took]


def browser(db_path: Path, examiner: str, runs: int, gc_after: bool = True) -> dict:
    """Tab out of a field until the total shows the new value: app and floor, alternating."""
    from bench.browser import serving
    from tests.browser import chromium, login, wait_ready

    entry_id = pick_sheet(db_path, examiner)
    con = db.connect(db_path)
    base = sheets.get_sheet(con, entry_id, examiner)
    con.close()
    others = sum((v for c, v in base.values.items() if v is not None and c != FIELD), Decimal(0))
    work = Path(tempfile.mkdtemp(prefix="sheet-edit-"))
    env = {"THIDUA_DB": str(db_path), "THIDUA_LOGIN_SLEEP": "0",
           "THIDUA_COOKIE_KEY": os.urandom(32).hex()}  # fmt: skip
    options = ["--runner.postScriptGC", str(gc_after).lower()]
    samples: dict[str, list[float]] = {"app": [], "floor": []}
    server: dict[str, list[float]] = {"app": [], "floor": []}
    kinds: dict[str, list[str]] = {"app": [], "floor": []}
    try:
        with (
            serving("app.py", env, work, "app", options) as app_server,
            serving("bench/floor_sheet.py", env, work, "floor", options) as floor_server,
            chromium() as b,
        ):
            servers = {"app": app_server, "floor": floor_server}
            pages = {}
            for name in servers:
                pages[name] = b.new_context(viewport={"width": 1440, "height": 900}).new_page()
            login(pages["app"], app_server.base, examiner, PASSWORD)
            pages["app"].goto(f"{app_server.base}/phieu-cham?skkn={entry_id}")
            pages["floor"].goto(f"{floor_server.base}/")
            boxes = {
                name: page.get_by_label(re.compile(rf"^{re.escape(FIELD)}\. "))
                for name, page in pages.items()
            }
            for name, page in pages.items():
                boxes[name].wait_for(timeout=120_000)
                wait_ready(page)
            floor_others = Decimal(0)
            for i in range(runs + 1):
                value = VALUES[i % 2]
                for name in ("app", "floor") if i % 2 == 0 else ("floor", "app"):
                    page, box = pages[name], boxes[name]
                    expected = (others if name == "app" else floor_others) + _number(value)
                    box.click()
                    box.press("ControlOrMeta+a")
                    box.fill(value)
                    since, started = time.time(), time.perf_counter()
                    box.press("Tab")
                    page.wait_for_function(
                        "t => document.querySelector('.st-key-phieu_thanh_tong')"
                        "?.innerText.includes(t)",
                        arg=f"Tổng điểm: {_text(expected)} /",
                        timeout=60_000,
                        polling="raf",
                    )
                    took = time.perf_counter() - started
                    page.wait_for_selector(
                        '[data-testid="stApp"][data-test-script-state="notRunning"]',
                        timeout=60_000,
                    )
                    page.wait_for_timeout(150)
                    spent, runs_seen = _runs(servers[name], since)
                    kinds[name].append(" + ".join(runs_seen))
                    if i:
                        samples[name].append(took * 1000)
                        server[name].append(spent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    app, fl = statistics.median(samples["app"]), statistics.median(samples["floor"])
    return {
        "runs": runs,
        "app_ms": app,
        "floor_ms": fl,
        "ratio": app / fl,
        "app_server_ms": statistics.median(server["app"]),
        "floor_server_ms": statistics.median(server["floor"]),
        "app_samples": [round(s) for s in samples["app"]],
        "floor_samples": [round(s) for s in samples["floor"]],
        "app_runs": kinds["app"],
        "floor_runs": kinds["floor"],
    }


def main() -> None:
    """Copy the database (edits are written), measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="from python -m bench.generate")
    parser.add_argument("--examiner", default="gk001")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--browser", action="store_true", help="Chromium, real servers")
    parser.add_argument("--full", action="store_true", help="AppTest: rerun the whole page")
    parser.add_argument("--no-gc", action="store_true",
                        help="browser: servers with runner.postScriptGC false")  # fmt: skip
    parser.add_argument("--statements", action="store_true", help="print one edit's SQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.duckdb"
        shutil.copy(args.db, path)
        if args.browser:
            result = browser(path, args.examiner, args.runs, gc_after=not args.no_gc)
            print(
                f"browser, {result['runs']} edits each (ms, median): app {result['app_ms']:.0f}"
                f" · floor {result['floor_ms']:.0f} · ratio {result['ratio']:.2f} · server "
                f"app {result['app_server_ms']:.0f} · floor {result['floor_server_ms']:.0f}"
            )
            print("app", result["app_samples"])
            print("floor", result["floor_samples"])
            print("app server runs", result["app_runs"])
            print("floor server runs", result["floor_runs"])
        else:
            result = apptest(path, args.examiner, args.runs, args.full)
            print(
                f"AppTest {result['mode']} + GC, {result['runs']} edits each (ms, median): "
                f"app {result['app_ms']:.1f} · floor {result['floor_ms']:.1f} · ratio "
                f"{result['ratio']:.2f} · without GC: app {result['app_run_ms']:.1f} · floor "
                f"{result['floor_run_ms']:.1f} · ratio "
                f"{result['app_run_ms'] / result['floor_run_ms']:.2f} · GC {result['gc_ms']:.1f}"
                f" · SQL statements per edit {result['statements']:.0f} taking "
                f"{result['sql_ms']:.1f} · CPU per edit (run, no GC): app "
                f"{result['app_cpu_ms']:.1f} · floor {result['floor_cpu_ms']:.1f}"
            )
            if args.statements:
                for sql, took in result["statement_log"]:
                    print(f"  {took * 1000:6.1f} ms  {' '.join(sql.split())[:120]}")


if __name__ == "__main__":
    main()
