"""Time full script runs of the app's pages with AppTest, beside two floors from the same run."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from lib import ui
from lib.access import navigation, sessions
from lib.access.navigation import PageSpec
from lib.core import db

ROOT = Path(__file__).resolve().parent.parent
EMPTY = PageSpec("bench/empty_page.py", "Trang trống", ":material/crop_square:", "Đo", "trong",
                 lambda user: user is not None)  # fmt: skip
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK", "CREATE", "CHECKPOINT")


@dataclass
class Timing:
    """Median and 95th percentile of repeated measurements, in milliseconds."""

    median: float
    p95: float

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        """Summarise samples given in seconds."""
        ms = sorted(s * 1000 for s in samples)
        return cls(statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))])


class Recorder:
    """A cursor stand-in that remembers every statement a page sends, to replay them alone."""

    def __init__(self, cursor, log: list) -> None:
        self._cursor = cursor
        self._log = log

    def execute(self, sql: str, params=None):
        """Run and remember one statement."""
        self._log.append((sql, params))
        self._cursor.execute(sql, params)
        return self

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


@contextmanager
def recording(log: list):
    """Make ui.connection() hand out recording cursors while the block runs."""
    original = ui.connection
    ui.connection = lambda: Recorder(original(), log)  # type: ignore[assignment]
    try:
        yield
    finally:
        ui.connection = original  # type: ignore[assignment]


@contextmanager
def compiled_once():
    """Let AppTest keep compiled scripts between runs, as the real server does."""
    # AppTest makes a new ScriptCache on every run, so each run would re-parse the page: a cost
    # the empty page hardly pays and a running app pays once per file, not per visit.
    shared = ScriptCache()
    originals = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = originals  # type: ignore


@contextmanager
def with_empty_page():
    """Register the empty page for every logged-in user while the block runs."""
    original = navigation.PAGES
    navigation.PAGES = (*original, EMPTY)
    try:
        yield
    finally:
        navigation.PAGES = original


def _app(db_path: Path, username: str) -> AppTest:
    os.environ["THIDUA_DB"] = str(db_path)
    os.environ["THIDUA_LOGIN_SLEEP"] = "0"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    con = db.connect(db_path)  # the app's own DuckDB instance (same process): a server-side login
    at.session_state[ui.SESSION] = sessions.id_hash(sessions.start(con, username))
    con.close()
    at.run()
    return at


def _open(db_path: Path, username: str, path: str, state: dict | None) -> AppTest:
    """The app logged in as username, switched to the page, with widget state set (a tab)."""
    at = _app(db_path, username)
    at.switch_page(path)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at


def time_page(db_path: Path, username: str, path: str, runs: int, warmup: int = 1,
              state: dict | None = None) -> Timing:  # fmt: skip
    """Full script runs of one page (app.py and the page), after warm-up runs."""
    at = _open(db_path, username, path, state)
    for _ in range(warmup):
        at.run()
    if at.exception:
        raise RuntimeError(f"{path}: {at.exception[0].message}")
    for label in (state or {}).values():
        # Only the chosen tab has content: an empty one means the state did not choose it.
        if not any(t.label == label and t.children for t in at.tabs):
            raise RuntimeError(f"{path}: tab “{label}” did not open")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - started)
    return Timing.of(samples)


def time_queries(db_path: Path, username: str, path: str, runs: int,
                 state: dict | None = None) -> tuple[Timing, int]:  # fmt: skip
    """Replay, alone, the read statements one run of the page sent; return timing and count."""
    log: list = []
    at = _open(db_path, username, path, state)
    with recording(log):
        at.run()
    reads = [(sql, p) for sql, p in log if not sql.lstrip().upper().startswith(WRITES)]
    cursor = ui._database(str(db_path)).cursor()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for sql, params in reads:
            cursor.execute(sql, params).fetchall()
        samples.append(time.perf_counter() - started)
    return Timing.of(samples), len(reads)


@dataclass
class PageResult:
    """One page's measurements beside its floors."""

    page: str
    role: str
    view: str  # the tab measured, "" for the page as it opens
    run: Timing
    floor: Timing
    queries: Timing
    statements: int

    @property
    def ratio(self) -> float:
        """Page time over (empty-page floor + its queries alone), medians."""
        return self.run.median / (self.floor.median + self.queries.median)


Case = tuple[str, str, dict]  # page file, username, widget state ({} or a tab's key: label)


def measure_pages(
    db_path: Path, cases: list[Case], runs: int, progress: Callable[[str], None]
) -> list[PageResult]:
    """Measure each case with both floors measured in the same run."""
    results = []
    with with_empty_page(), compiled_once():
        for path, username, state in cases:
            floor = time_page(db_path, username, EMPTY.path, runs)
            run = time_page(db_path, username, path, runs, state=state)
            queries, count = time_queries(db_path, username, path, runs, state)
            view = " · ".join(map(str, state.values()))
            results.append(PageResult(path, username, view, run, floor, queries, count))
            progress(f"{path} {view} ({username}): {run.median:.0f} ms")
    return results
