"""Time full script runs of the app's pages with AppTest, beside floors from the same run.

Floors: a bare one-line Streamlit page (the framework), the app shell (app.py around an empty
page: login check, navigation, menu) and the page's own queries replayed alone (app.py's are in
the shell, so not counted again). Every run is followed by the garbage collection the real
server does after each script run (`runner.postScriptGC`), which AppTest skips."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streamlit import config
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from lib import ui
from lib.access import navigation, sessions
from lib.access.navigation import PageSpec
from lib.core import db
from lib.ui import auth, context

ROOT = Path(__file__).resolve().parent.parent
EMPTY = PageSpec("bench/empty_page.py", "Trang trống", ":material/crop_square:", "Đo", "trong",
                 lambda user: user is not None)  # fmt: skip
WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK", "CREATE", "CHECKPOINT")


BARE = ROOT / "bench" / "bare_page.py"
P95_SAMPLES = 20  # fewer samples than this: the tail reported is the maximum, and called so


@dataclass
class Timing:
    """Median and tail (95th percentile from 20 samples, else the maximum) in milliseconds."""

    median: float
    tail: float
    n: int

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        """Summarise samples given in seconds."""
        ms = sorted(s * 1000 for s in samples)
        if not ms:
            return cls(0.0, 0.0, 0)
        tail = ms[round(0.95 * (len(ms) - 1))] if len(ms) >= P95_SAMPLES else ms[-1]
        return cls(statistics.median(ms), tail, len(ms))

    @property
    def tail_name(self) -> str:
        """What the tail is: "p95" or "max"."""
        return tail_name(self.n)


def tail_name(n: int) -> str:
    """ "p95" when n samples are enough for it, else "max"."""
    return "p95" if n >= P95_SAMPLES else "max"


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
def server_gc():
    """After every AppTest script run, collect garbage exactly as the real server does."""
    # streamlit/runtime/scriptrunner/script_runner.py, ScriptRunner._on_script_finished ends
    # with `if config.get_option("runner.postScriptGC"): gc.collect(2)`, on the script thread
    # before the run is over; AppTest's LocalScriptRunner overrides that method without it.
    original = local_script_runner.LocalScriptRunner._on_script_finished

    def finished(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        if config.get_option("runner.postScriptGC"):
            gc.collect(2)

    local_script_runner.LocalScriptRunner._on_script_finished = finished  # type: ignore
    try:
        yield
    finally:
        local_script_runner.LocalScriptRunner._on_script_finished = original  # type: ignore


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
    at.session_state[auth.SESSION] = sessions.id_hash(sessions.start(con, username))
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
              state: dict | None = None, log: list | None = None) -> Timing:  # fmt: skip
    """Full script runs of one page (app.py and the page), after warm-up runs.

    log: receives the read statements of the first warm-up run (the page's and app.py's)."""
    at = _open(db_path, username, path, state)
    for n in range(max(warmup, 1 if log is not None else 0)):
        if n == 0 and log is not None:
            sent: list = []
            with recording(sent):
                at.run()
            log += [(q, p) for q, p in sent if not q.lstrip().upper().startswith(WRITES)]
        else:
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


def time_bare(runs: int, warmup: int = 1) -> Timing:
    """Full script runs of a bare one-line Streamlit page (no app.py): the framework's floor."""
    at = AppTest.from_file(str(BARE), default_timeout=120)
    for _ in range(warmup + 1):
        at.run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - started)
    return Timing.of(samples)


def own_reads(page: list, shell: list) -> list:
    """The page's reads without those the shell (app.py) sends on every run, each once."""
    left = Counter((sql, repr(p)) for sql, p in shell)
    own = []
    for sql, p in page:
        if left[(sql, repr(p))] > 0:
            left[(sql, repr(p))] -= 1
        else:
            own.append((sql, p))
    return own


def time_statements(db_path: Path, reads: list, runs: int) -> Timing:
    """Replay the statements alone on the app's database, `runs` times."""
    cursor = context._database(str(db_path)).cursor()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for sql, params in reads:
            cursor.execute(sql, params).fetchall()
        samples.append(time.perf_counter() - started)
    return Timing.of(samples)


@dataclass
class PageResult:
    """One page's measurements beside its floors."""

    page: str
    role: str
    view: str  # the tab measured, "" for the page as it opens
    run: Timing
    bare: Timing  # a bare one-line Streamlit page: the framework
    shell: Timing  # app.py around an empty page: login check, navigation, menu, its queries
    queries: Timing  # the page's own reads replayed alone (app.py's excluded: in the shell)
    shell_queries: Timing  # app.py's reads replayed alone
    statements: int

    @property
    def ratio(self) -> float:
        """Page time over (app shell + the page's own queries alone), medians."""
        return self.run.median / (self.shell.median + self.queries.median)

    @property
    def ratio_bare(self) -> float:
        """Page time over (bare Streamlit page + every query of the run alone), medians."""
        return self.run.median / (
            self.bare.median + self.shell_queries.median + self.queries.median
        )


Case = tuple[str, str, dict]  # page file, username, widget state ({} or a tab's key: label)


def measure_pages(
    db_path: Path, cases: list[Case], runs: int, progress: Callable[[str], None]
) -> list[PageResult]:
    """Measure each case with both floors measured in the same run."""
    results = []
    with with_empty_page(), compiled_once(), server_gc():
        for path, username, state in cases:
            bare = time_bare(runs)
            shell_reads: list = []
            shell = time_page(db_path, username, EMPTY.path, runs, log=shell_reads)
            page_reads: list = []
            run = time_page(db_path, username, path, runs, state=state, log=page_reads)
            own = own_reads(page_reads, shell_reads)
            queries = time_statements(db_path, own, runs)
            shell_queries = time_statements(db_path, shell_reads, runs)
            view = " · ".join(map(str, state.values()))
            results.append(PageResult(path, username, view, run, bare, shell, queries,
                                      shell_queries, len(own)))  # fmt: skip
            progress(f"{path} {view} ({username}): {run.median:.0f} ms")
    return results
