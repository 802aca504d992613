"""What a person waits for, in Chromium against a real `streamlit run`, beside bare-page floors.

Two servers run side by side (bench.serve times every script run of both): the app on the
scale's database, and bench/floor_app.py (bare Streamlit pages: empty, a button, a login form
and the scoring sheet's widgets). Each step is measured alternately on the app and on its floor,
so a busy moment of the machine falls on both. A step ends when what it waits for is on screen
(the field usable, the page's charts drawn, the total changed) and no script run has started
for QUIET_MS: a later rerun (the login cookie, a component) is part of the wait."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page

from bench import replay
from bench.generate import PASSWORD
from bench.pages import Timing, tail_name
from lib.access import navigation, users
from lib.core import db
from lib.core.numbers import format_number
from lib.scoring import entries, rounds, sheets, worklist
from lib.scoring.rubric import rubric_to_yaml
from tests.browser import chromium, free_port, healthy, login

ROOT = Path(__file__).resolve().parent.parent
WAIT = int(
    os.environ.get("BENCH_WAIT_MS", 120_000)
)  # ms: a district page on a loaded 2-core machine can take seconds
QUIET_MS = 500
FAILED = Path(tempfile.gettempdir()) / "bench-browser-failed.png"
VIEWPORT = {"width": 1366, "height": 900}

# Every transition of the app's script state (notRunning, rerunRequested, running), on the
# page's clock; the frontend flips to rerunRequested the moment a click asks for a run.
OBSERVE = """
window.__runs = [];
new MutationObserver(ms => { for (const m of ms) window.__runs.push(
    [m.target.getAttribute('data-test-script-state'), performance.now()]); })
  .observe(document, {attributes: true, subtree: true,
                      attributeFilter: ['data-test-script-state']});
"""
# Epoch milliseconds in the page (comparable with the server's time.time()).
NOW = "(performance.timeOrigin + performance.now())"
STATE = f"""() => {{ const a = document.querySelector('[data-testid="stApp"]');
  const r = window.__runs || []; return [a && a.getAttribute('data-test-script-state'),
  r.length ? performance.timeOrigin + r[r.length - 1][1] : 0, {NOW}]; }}"""
# Charts count as shown once Vega has drawn them (a canvas or an svg inside each).
# Nothing left over from the previous run either (Streamlit greys those out as stale).
DRAWN = ("[...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
         ".every(c => c.querySelector('canvas, svg'))"
         " && !document.querySelector('[data-stale=\"true\"]')")  # fmt: skip
TITLE_SHOWN = "!!document.querySelector('h1')"
PASSWORD_USABLE = """(e => !!e && !e.disabled && e.offsetParent !== null)(
    document.querySelector('input[aria-label="Mật khẩu"]'))"""


def field_shown(code: str) -> str:
    """JS: the points field of criterion code is on the page (app and bare sheet alike)."""
    return (f"[...document.querySelectorAll('input')].some(i => "
            f"(i.getAttribute('aria-label') || '').startsWith({code + '. '!r}))")  # fmt: skip


def field_of(page: Page, code: str):
    """The points field of criterion code: its label starts with the code ("I.1. Đặt vấn đề…")."""
    return page.get_by_label(re.compile(rf"^{re.escape(code)}\. "))


@dataclass
class Server:
    """A `python -m bench.serve SCRIPT` process and its script-run log."""

    base: str
    log: Path
    proc: subprocess.Popen
    started: float  # time.time() at spawn
    users: dict = field(default_factory=dict)  # username → User, read before the start
    _rows: list = field(default_factory=list)
    _offset: int = 0

    def runs(self, since: float) -> list[dict]:
        """The script runs (begun, and ended if "end" is set) that began after since."""
        if self.log.exists():
            with open(self.log, encoding="utf-8") as f:
                f.seek(self._offset)
                chunk = f.read()
            whole = chunk[: chunk.rfind("\n") + 1]
            self._offset += len(whole.encode("utf-8"))
            self._rows += [json.loads(line) for line in whole.splitlines()]
        begun: dict[tuple, dict] = {}
        for row in self._rows:
            if row["start"] >= since:
                begun[(row["session"], row["start"])] = row  # the end line replaces the start
        return list(begun.values())

    def script_time(self, since: float, until: float) -> tuple[float, float, int, list[str]]:
        """Seconds of script runs (and of their GC) that began between two time.time()s.

        With their recordings (bench.serve with BENCH_RECORD_DIR), in the order they ran."""
        ended = sorted((r for r in self.runs(since) if "end" in r and r["start"] <= until),
                       key=lambda r: r["start"])  # fmt: skip
        return (sum(r["end"] - r["start"] for r in ended), sum(r["gc_s"] for r in ended),
                len(ended), [r["record"] for r in ended if "record" in r])  # fmt: skip

    def last_record(self) -> str:
        """The recording of the latest script run that has ended."""
        ended = [r for r in self.runs(0) if "end" in r and "record" in r]
        return max(ended, key=lambda r: r["start"])["record"]


@contextlib.contextmanager
def serving(script: str, env: dict[str, str], workdir: Path, name: str,
            options: Sequence[str] = ()) -> Iterator[Server]:  # fmt: skip
    """Start `streamlit run script [options]` (timed by bench.serve) on a free port; stop after."""
    port = free_port()
    log = workdir / f"{name}.runs.jsonl"
    log.unlink(missing_ok=True)
    out = open(workdir / f"{name}.log", "w")  # noqa: SIM115 - closed below
    full = {**os.environ, **env, "BENCH_TIMING_LOG": str(log)}
    started = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *options],
        cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        if not healthy(base, proc, 120):
            raise RuntimeError((workdir / f"{name}.log").read_text())
        yield Server(base, log, proc, started)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


@dataclass
class Sample:
    """One measured step: what the person waited for, and the server's script time in it."""

    total: float  # seconds
    server: float
    gc: float
    runs: int
    records: list[str] = field(default_factory=list)  # what its runs sent (app server only)


@dataclass
class Series:
    """Repeated samples of one step."""

    samples: list[Sample] = field(default_factory=list)

    def timing(self) -> Timing:
        """Median and tail of the waits."""
        return Timing.of([s.total for s in self.samples])

    def server_ms(self) -> float:
        """Median script time (with GC) inside the step, milliseconds."""
        return statistics.median(s.server for s in self.samples) * 1000 if self.samples else 0

    def gc_ms(self) -> float:
        """Median post-run GC time inside the step, milliseconds."""
        return statistics.median(s.gc for s in self.samples) * 1000 if self.samples else 0

    def runs(self) -> float:
        """Median number of script runs the step took."""
        return statistics.median(s.runs for s in self.samples) if self.samples else 0


def settle(page: Page, server: Server, since: float, ready: str, expect_run: bool) -> float:
    """Epoch seconds when `ready` holds, a run (if expected) has ended, and all is quiet.

    Quiet: the page shows no script running and no run started or ended for QUIET_MS, seen both
    from the page (its script state) and from the server's log (a run too short for the page
    to show it is still in the log)."""
    js = f"() => ({ready}) ? {NOW} : false"
    ready_at = page.wait_for_function(js, timeout=WAIT, polling="raf").json_value() / 1000
    deadline = time.monotonic() + WAIT / 1000
    while time.monotonic() < deadline:
        state, last, now = page.evaluate(STATE)
        last, now = last / 1000, now / 1000
        runs = server.runs(since)
        running = any("end" not in r for r in runs)
        ends = [r["end"] for r in runs if "end" in r]
        latest = max([ready_at, last if last > since else 0, *ends,
                      *(r["start"] for r in runs)])  # fmt: skip
        if (state == "notRunning" and not running and (ends or not expect_run)
                and now - latest >= QUIET_MS / 1000):  # fmt: skip
            return max([ready_at, last if last > since else 0, *ends])
        page.wait_for_timeout(50)
    raise TimeoutError("the app did not settle")


def step(page: Page, server: Server, action: Callable[[], object], ready: str = "true",
         *, expect_run: bool = True) -> Sample:  # fmt: skip
    """Do action, wait for ready and quiet; the wait and the server's script time in it."""
    since = time.time()
    action()
    try:
        done = settle(page, server, since, ready, expect_run)
    except Exception as exc:
        page.screenshot(path=str(FAILED))  # to see what the step was waiting for
        where = page.evaluate("[location.pathname, (window.__runs || []).slice(-6)]")
        raise RuntimeError(f"waited for {ready}; page: {where}") from exc
    total, gc, count, records = server.script_time(since, done)
    return Sample(done - since, total, gc, count, records)


def first_visit(browser: Browser, server: Server, path: str, ready: str) -> tuple[Sample, Page]:
    """A new visitor (no cookies) opens path: the time to `ready` from the request."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.add_init_script(OBSERVE)
    sample = step(page, server, lambda: page.goto(server.base + path), ready)
    return sample, page


def close(page: Page) -> None:
    """Close a page's browser context (its Streamlit session ends with it)."""
    page.context.close()


# --- the steps on the app ----------------------------------------------------------------------


def menu_link(page: Page, title: str):
    """The sidebar's page link whose label is exactly title (its icon's name aside)."""
    links = page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]')
    for i, text in enumerate(links.all_inner_texts()):
        if text.strip().splitlines()[-1].strip() == title:
            return links.nth(i)
    raise LookupError(f"no menu link “{title}”")


Action = Callable[[Page], object]  # a click, on the app's tab or on the floor's played-back one


def click_menu(spec: navigation.PageSpec) -> Action:
    """Click a page's link in the sidebar menu."""
    return lambda page: menu_link(page, spec.title).click()


def page_ready(spec: navigation.PageSpec, landing: bool = False) -> str:
    """The page's address is shown, a run happened since the click, its charts are drawn."""
    # The page a user lands on is the default page: its address is the app's root.
    where = f"location.pathname.endsWith('/{spec.url_path}')"
    if landing:
        where = f"({where} || location.pathname.endsWith('/'))"
    return f"{where} && {DRAWN}"


def tab_labels(page: Page) -> list[str]:
    """The labels of the main area's first row of tabs (none if the page has no tabs)."""
    return (
        page.locator('[data-testid="stMain"] [role="tablist"]')
        .first.locator('[role="tab"]')
        .all_inner_texts()
        if page.locator('[data-testid="stMain"] [role="tablist"]').count()
        else []
    )


def click_tab(label: str) -> tuple[Action, str]:
    """Click a tab; ready once it is selected and its charts drawn (any rerun waited for)."""

    def click(page: Page) -> None:
        tabs = page.locator('[data-testid="stMain"] [role="tablist"]').first
        tabs.get_by_role("tab", name=label, exact=True).click()

    ready = (
        "[...document.querySelectorAll('[data-testid=\"stMain\"] [role=tab]')]"
        f".some(t => t.getAttribute('aria-selected') === 'true' && t.innerText.trim() === "
        f"{label.strip()!r}) && {DRAWN}"
    )
    return click, ready


@dataclass
class Bench:
    """All series of one browser run, keyed by step name; floors beside them."""

    app: dict[str, Series] = field(default_factory=dict)
    floor: dict[str, Series] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # step → which floor it stands beside
    order: list[str] = field(default_factory=list)
    same: dict[str, Series] = field(default_factory=dict)  # step → its played-back floor

    def add(self, name: str, kind: str, app: Sample, floor: Sample | None = None,
            same: Sample | None = None, **more: Sample) -> None:  # fmt: skip
        """Record one app sample and the floor samples taken beside it (kind=sample).

        same: the step's own floor, what the app sent played back (Mirror)."""
        if name not in self.app:
            self.app[name] = Series()
            self.kinds[name] = kind
            self.order.append(name)
        self.app[name].samples.append(app)
        if same is not None:
            self.same.setdefault(name, Series()).samples.append(same)
        for k, sample in ({kind: floor} | more).items():
            if sample is not None:
                self.floor.setdefault(k, Series()).samples.append(sample)


# --- the floors --------------------------------------------------------------------------------


FLOOR_SHOWN = {  # each floor page with a title, shown
    title: f"[...document.querySelectorAll('h1')].some(h => h.innerText.trim() === {title!r})"
    for title in ("Trang trống", "Trang trống 2", "Nút")
}


class Floors:
    """Steps on the bare floor app, each returning a Sample."""

    def __init__(self, browser: Browser, server: Server, first_code: str) -> None:
        self.browser = browser
        self.server = server
        self.first_code = first_code  # the bare sheet draws the round's rubric, as the app
        self.shown = FLOOR_SHOWN | {"Phiếu": field_shown(first_code)}
        self.page: Page | None = None
        self.current = "Trang trống"
        self.edits = 0

    def session(self) -> Page:
        """The floor app's long-lived tab (for clicks); opened on first use."""
        if self.page is None:
            _, self.page = first_visit(self.browser, self.server, "/", TITLE_SHOWN)
        return self.page

    def first_paint(self) -> Sample:
        """A new visitor opens the bare empty page: until its title is shown, settled."""
        sample, page = first_visit(self.browser, self.server, "/", TITLE_SHOWN)
        close(page)
        return sample

    def login_form(self) -> Sample:
        """A new visitor opens the bare login form: until its password field is usable."""
        sample, page = first_visit(self.browser, self.server, "/dang-nhap", PASSWORD_USABLE)
        close(page)
        return sample

    def login_click(self, bcrypt_s: float) -> Sample:
        """The bare login form submitted (with a rerun, as the app does) + one bcrypt check."""
        sample, page = first_visit(self.browser, self.server, "/dang-nhap", PASSWORD_USABLE)
        page.get_by_label("Tên đăng nhập").fill("ai")
        page.get_by_label("Mật khẩu").fill("mat-khau")
        button = page.get_by_role("button", name="Đăng nhập")
        sample = step(page, self.server, button.click,
                      "document.body.innerText.includes('Đã vào')")  # fmt: skip
        close(page)
        return Sample(sample.total + bcrypt_s, sample.server, sample.gc, sample.runs)

    def menu_click(self) -> Sample:
        """From one empty page to another by the sidebar menu."""
        page = self.session()
        title = "Trang trống 2" if self.current == "Trang trống" else "Trang trống"
        link = menu_link(page, title)
        self.current = title
        return step(page, self.server, link.click,
                    f"[...document.querySelectorAll('h1')].some(h => h.innerText"
                    f".trim() === {title!r})")  # fmt: skip

    def button_click(self) -> Sample:
        """A button on a bare page that reruns it and shows one line more."""
        page = self.session()
        self._go(page, "Nút")
        before = page.locator('[data-testid="stMain"]').inner_text()
        return step(page, self.server, page.get_by_role("button", name="Bấm").click,
                    f"document.querySelector('[data-testid=\"stMain\"]').innerText "
                    f"!== {before!r}")  # fmt: skip

    def open_sheet(self) -> Sample:
        """From the empty page to the bare sheet (same widgets) by the menu."""
        page = self.session()
        self._go(page, "Trang trống")
        link = menu_link(page, "Phiếu")
        self.current = "Phiếu"
        return step(page, self.server, link.click, self.shown["Phiếu"])

    def edit(self) -> Sample:
        """One field of the bare sheet changed (Enter): until its total line changed."""
        page = self.session()
        self._go(page, "Phiếu")
        self.edits += 1
        box = field_of(page, self.first_code)
        box.fill("2" if self.edits % 2 else "0")
        bar = page.locator(".st-key-phieu_thanh_tong")
        before = bar.inner_text()
        return step(page, self.server, lambda: box.press("Enter"),
                    f"document.querySelector('.st-key-phieu_thanh_tong').innerText "
                    f"!== {before!r}")  # fmt: skip

    def submit(self) -> Sample:
        """The bare sheet's submit button clicked (a rerun of the same widgets)."""
        page = self.session()
        self._go(page, "Phiếu")
        before = page.locator('[data-testid="stMain"]').inner_text()
        return step(page, self.server, page.get_by_role("button", name="Nộp phiếu").click,
                    "document.querySelector('[data-testid=\"stMain\"]').innerText "
                    f"!== {before!r}")  # fmt: skip

    def back(self) -> Sample:
        """From the bare sheet back to the empty page by the menu."""
        page = self.session()
        self._go(page, "Phiếu")
        link = menu_link(page, "Trang trống")
        self.current = "Trang trống"
        return step(page, self.server, link.click, f"!({self.shown['Phiếu']})")

    def _go(self, page: Page, title: str) -> None:
        """Be on the page titled so (unmeasured): click its menu link if elsewhere."""
        if self.current == title:
            return
        step(page, self.server, menu_link(page, title).click, self.shown[title])
        self.current = title


class Mirror:
    """A tab on the floor app that does each click the app's tab did, drawing what the app sent.

    After every step on the app (measured or not), the same click on the floor's copy of the
    page plays back the runs that step made (bench/replay.py): the same elements, the same data,
    drawn by a bare Streamlit page with no app behind it; so the two tabs stay alike."""

    def __init__(self, browser: Browser, server: Server, control: Path) -> None:
        self.browser = browser
        self.server = server
        self.control = control
        self.page: Page | None = None

    def start(self, app: Server, url_path: str) -> None:
        """Open the floor's copy of the page the app shows now (its latest run)."""
        replay.plan(self.control, [app.last_record()])
        _, self.page = first_visit(self.browser, self.server, f"/{url_path}", DRAWN)

    def follow(self, action: Action, ready: str, app: Sample,
               prepare: Action | None = None) -> Sample:  # fmt: skip
        """The click the app's step did, on the floor, playing back that step's runs."""
        assert self.page is not None, "start first"
        replay.plan(self.control, app.records)
        page = self.page
        if prepare:
            prepare(page)
        return step(page, self.server, lambda: action(page), ready, expect_run=bool(app.records))

    def both(self, page: Page, server: Server, action: Action, ready: str, expect_run: bool = True,
             prepare: Action | None = None) -> tuple[Sample, Sample]:  # fmt: skip
        """A step on the app's tab (prepare, unmeasured, then action), then the same here."""
        if prepare:
            prepare(page)
        app = step(page, server, lambda: action(page), ready, expect_run=expect_run)
        return app, self.follow(action, ready, app, prepare)

    def close(self) -> None:
        """Close the floor's tab."""
        if self.page is not None:
            close(self.page)
            self.page = None


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Accounts:
    """Who the benchmark logs in as, and the sheets it scores."""

    admin: str
    examiner: str
    password: str
    open_entries: list[int]  # drafts of the examiner, filled with valid marks: opened, submitted
    first_code: str  # the first criterion's code
    first_max: str  # its maximum, as the sheet shows it
    rubric_yaml: str  # the round's rubric, for the bare sheet


def prepare(path: Path, scale: str, sheets_needed: int) -> Accounts:
    """Choose the accounts; fill with valid marks the drafts the examiner will open and submit."""
    from lib import demo

    con = db.connect(path)
    try:
        if scale == "demo":
            admin, examiner, password = "chutich", "giamkhao1", demo.DEMO_PASSWORD
        else:
            admin, examiner, password = "bench.admin", "gk001", PASSWORD
        if scale != "demo":
            examiner = _busiest_examiner(con, sheets_needed)
        me = users.get_user(con, examiner)
        chosen = _open_cards(con, examiner)[:sheets_needed]
        if not chosen:
            raise RuntimeError(f"{examiner} has no sheet to score in an open round")
        rubric = rounds.require_round(con, entries.require_entry(con, chosen[0]).round_id).rubric
        for entry_id in chosen:
            marks = {c.code: c.max for c in rubric.criteria}
            sheets.save_draft(con, me, entry_id, marks, {}, "Đo hiệu năng")
        first = rubric.criteria[0]
        return Accounts(admin, examiner, password, chosen, first.code, format_number(first.max),
                        rubric_to_yaml(rubric))  # fmt: skip
    finally:
        con.close()


def _open_cards(con: db.Connection, examiner: str) -> list[int]:
    """Entries whose card (among the first shown of its round) the examiner can still score."""
    mine = worklist.my_assignments(con, examiner)
    chosen = []
    for _, group in mine[mine["to_score"]].groupby("round_id", sort=False):
        shown = group.head(20)  # pages/phieu-cham.py CARDS_PER_PAGE: cards are the sheets to score
        chosen += [int(e) for e in shown["entry_id"]]
    return chosen


def _busiest_examiner(con: db.Connection, needed: int) -> str:
    """gk001 if it has `needed` sheets to score on screen, else the examiner with the most."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT username FROM users WHERE username LIKE 'gk%' ORDER BY username"
        ).fetchall()
    ]
    best, most = names[0], -1
    for name in names:
        count = len(_open_cards(con, name))
        if count >= needed:
            return name
        if count > most:
            best, most = name, count
    return best


def bcrypt_seconds(path: Path, username: str, password: str, runs: int = 5) -> float:
    """Median time of one password check against the account's stored bcrypt hash."""
    con = db.connect(path)
    stored = con.execute("SELECT password_hash FROM users WHERE username = ?",
                         [username]).fetchone()[0]  # fmt: skip
    con.close()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        users.verify_password(password, stored)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def app_login(page: Page, server: Server, username: str, password: str) -> Sample:
    """Type the account into the app's form and submit: until the first page is settled."""
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    button = page.get_by_role("button", name="Đăng nhập")
    ready = (f"!document.querySelector('input[aria-label=\"Mật khẩu\"]') && "
             "[...document.querySelectorAll('[data-testid=\"stSidebar\"] button')]"
             f".some(b => b.innerText.includes('Đăng xuất')) && {DRAWN}")  # fmt: skip
    return step(page, server, button.click, ready)


def measure(db_path: Path, scale: str, runs: int, edits: int, log=print,
            menu_pages: int | None = None) -> dict:  # fmt: skip
    """Run every step `runs` times (field edits `edits` times) beside its floors; the report.

    menu_pages: open only the first pages of each menu (the suite's smoke run)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    try:
        path = workdir / "app.duckdb"
        shutil.copy(db_path, path)  # the run submits sheets: keep the generated file as it was
        accounts = prepare(path, scale, runs)
        bcrypt_s = bcrypt_seconds(path, accounts.admin, accounts.password)
        con = db.connect(path)
        admin = users.get_user(con, accounts.admin)
        examiner = users.get_user(con, accounts.examiner)
        con.close()
        sheet_rubric = workdir / "rubric.yaml"
        sheet_rubric.write_text(accounts.rubric_yaml, "utf-8")
        records = workdir / "records"
        records.mkdir()
        control = workdir / "replay.json"
        replay.plan(control, [])
        env = {"THIDUA_DB": str(path), "THIDUA_COOKIE_KEY": os.urandom(32).hex(),
               "BENCH_SHEET_RUBRIC": str(sheet_rubric),
               "BENCH_REPLAY_CONTROL": str(control)}  # fmt: skip
        bench = Bench()
        cold: dict[str, float] = {}
        with (
            chromium() as browser,
            serving("bench/floor_app.py", env, workdir, "floor") as floor_server,
        ):
            cold["floor"] = _cold(browser, floor_server, "/", TITLE_SHOWN)
            with serving("app.py", env | {"BENCH_RECORD_DIR": str(records)}, workdir,
                         "app") as server:  # fmt: skip
                server.users = {admin.username: admin, examiner.username: examiner}
                cold["app"] = _cold(browser, server, "/", PASSWORD_USABLE)
                floors = Floors(browser, floor_server, accounts.first_code)
                mirror = Mirror(browser, floor_server, control)
                _logins(bench, browser, server, floors, accounts, runs, bcrypt_s, log)
                menu = navigation.pages_for(admin)[:menu_pages]
                _pages(bench, browser, server, floors, mirror, accounts.admin,
                       accounts.password, menu, runs, log)  # fmt: skip
                seen = set(navigation.pages_for(admin))
                extra = [s for s in navigation.pages_for(examiner) if s not in seen][:menu_pages]
                _pages(bench, browser, server, floors, mirror, accounts.examiner,
                       accounts.password, extra, runs, log)  # fmt: skip
                _sheet(bench, browser, server, floors, mirror, accounts, runs, edits, log)
        return report(bench, scale, runs, cold, bcrypt_s)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _cold(browser: Browser, server: Server, path: str, ready: str) -> float:
    """Seconds from the server process start to the first visitor's usable page."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.add_init_script(OBSERVE)
    page.goto(server.base + path)
    took = settle(page, server, server.started, ready, True) - server.started
    close(page)
    return took


def _logins(bench: Bench, browser: Browser, server: Server, floors: Floors,
            accounts: Accounts, runs: int, bcrypt_s: float, log) -> None:  # fmt: skip
    for _ in range(runs):
        floor_paint = floors.first_paint()
        visit, page = first_visit(browser, server, "/", PASSWORD_USABLE)
        bench.add("Lần đầu vào → ô mật khẩu dùng được", "first_paint", visit, floor_paint,
                  login_form=floors.login_form())  # fmt: skip
        floor_login = floors.login_click(bcrypt_s)
        bench.add(
            "Đăng nhập → trang đầu",
            "login_click",
            app_login(page, server, accounts.admin, accounts.password),
            floor_login,
        )
        close(page)
    log(f"đăng nhập: {bench.app['Đăng nhập → trang đầu'].timing().median:.0f} ms")


def _user(server: Server, username: str) -> users.User:
    return server.users[username]


def _logged_in(browser: Browser, server: Server, username: str, password: str) -> Page:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.add_init_script(OBSERVE)
    login(page, server.base, username, password)
    settle(page, server, time.time(), "true", False)
    return page


def _pages(bench: Bench, browser: Browser, server: Server, floors: Floors, mirror: Mirror,
           username: str, password: str, specs: list, runs: int, log) -> None:  # fmt: skip
    page = _logged_in(browser, server, username, password)
    landing = navigation.landing_for(_user(server, username))
    current = landing
    mirror.start(server, landing.url_path)

    def both(action: Action, ready: str, expect_run: bool = True) -> tuple[Sample, Sample]:
        return mirror.both(page, server, action, ready, expect_run)

    try:
        for _ in range(runs):
            for spec in specs:
                if not page.locator('[data-testid="stSidebar"]').is_visible():
                    # The projector page hides the menu: leave by its own link, unmeasured.
                    home = next(s for s in navigation.PAGES if s.path == "pages/tong-quan.py")
                    both(lambda p: p.locator('[data-testid="stMain"] a', has_text="Thoát")
                         .first.click(), page_ready(home, home == landing))  # fmt: skip
                    current = home
                if spec == current:  # a click on the page shown: away first, unmeasured
                    menu = navigation.pages_for(_user(server, username))
                    other = next(s for s in menu if s != spec and s.path != "pages/trinh-chieu.py")
                    both(click_menu(other), page_ready(other, other == landing))
                floor = floors.menu_click()
                sample, same = both(click_menu(spec), page_ready(spec, spec == landing))
                current = spec
                bench.add(spec.title, "menu_click", sample, floor, same)
                labels = tab_labels(page)
                for label in labels[1:]:
                    action, ready = click_tab(label)
                    floor = floors.button_click()
                    # A tab may switch in the browser alone: no run is waited for unless one
                    # starts (the quiet time catches a rerun the click asks for).
                    sample, same = both(action, ready, expect_run=False)
                    bench.add(f"{spec.title} › {label}", "button_click", sample, floor, same)

                if len(labels) > 1:  # back to the tab the page opens on, unmeasured
                    both(*click_tab(labels[0]), expect_run=False)
                log(f"{spec.title}: {bench.app[spec.title].samples[-1].total * 1000:.0f} ms")
    finally:
        close(page)
        mirror.close()


def _sheet(bench: Bench, browser: Browser, server: Server, floors: Floors, mirror: Mirror,
           accounts: Accounts, runs: int, edits: int, log) -> None:  # fmt: skip
    page = _logged_in(browser, server, accounts.examiner, accounts.password)
    spec = next(s for s in navigation.PAGES if s.path == "pages/phieu-cham.py")
    me = _user(server, accounts.examiner)
    is_landing = navigation.landing_for(me) == spec
    if is_landing:  # logged in on it: away first, so that opening it is a click
        home = next(s for s in navigation.pages_for(me) if s != spec)
        step(page, server, lambda: click_menu(home)(page), page_ready(home))
    # The list is back: a card to score, or (every sheet submitted) the table's picker.
    list_ready = ("!!document.querySelector('[class*=\"st-key-mo_phieu_\"] button, "
                  "[class*=\"st-key-ms_xem_nut_\"] button')")  # fmt: skip
    field_ready = field_shown(accounts.first_code)
    total_bar = "document.querySelector('.st-key-phieu_thanh_tong').innerText"
    try:
        step(page, server, lambda: click_menu(spec)(page), page_ready(spec, is_landing))
        mirror.start(server, spec.url_path)
        sheet_runs = min(runs, len(accounts.open_entries))  # each run submits one sheet
        per_run = max(1, -(-edits // sheet_runs))
        for run in range(sheet_runs):
            entry = accounts.open_entries[run]

            def open_card(p: Page, entry: int = entry) -> None:
                p.locator(f".st-key-mo_phieu_{entry} button").click()

            floor = floors.open_sheet()
            sample, same = mirror.both(page, server, open_card, field_ready)
            bench.add("Mở phiếu chấm", "open_sheet", sample, floor, same)
            for i in range(per_run):
                if run * per_run + i >= edits:
                    break
                floor = floors.edit()
                current = field_of(page, accounts.first_code).input_value()
                value = "0" if current != "0" else accounts.first_max
                before = page.locator(".st-key-phieu_thanh_tong").inner_text()
                sample, same = mirror.both(
                    page, server, lambda p: field_of(p, accounts.first_code).press("Enter"),
                    f"{total_bar} !== {before!r}",
                    prepare=lambda p, v=value: field_of(p, accounts.first_code).fill(v),
                )  # fmt: skip
                bench.add("Sửa một ô → tổng cập nhật", "edit", sample, floor, same)
            floor = floors.back()
            sample, same = mirror.both(
                page, server, lambda p: p.get_by_role("button", name="Danh sách phiếu").click(),
                list_ready,
            )  # fmt: skip
            bench.add("Về danh sách phiếu", "back", sample, floor, same)
            # Submit: the button opens the confirmation; the wait is from "Xác nhận nộp phiếu".
            mirror.both(page, server, open_card, field_ready)
            confirm_shown = ("[...document.querySelectorAll('button')].some(b => "
                             "b.innerText.includes('Xác nhận nộp phiếu'))")  # fmt: skip
            mirror.both(page, server, lambda p: p.get_by_role("button", name="Nộp phiếu").click(),
                        confirm_shown)  # fmt: skip
            floor = floors.submit()
            sample, same = mirror.both(
                page, server,
                lambda p: p.get_by_role("button", name="Xác nhận nộp phiếu").click(), list_ready,
            )  # fmt: skip
            bench.add("Nộp phiếu → danh sách", "submit", sample, floor, same)
        log(f"phiếu: sửa {bench.app['Sửa một ô → tổng cập nhật'].timing().median:.0f} ms")
    finally:
        close(page)
        mirror.close()


# --- the report --------------------------------------------------------------------------------

FLOOR_NAMES = {
    "first_paint": "trang trống: lần đầu vào",
    "login_form": "form đăng nhập trống: lần đầu vào",
    "login_click": "form đăng nhập trống: bấm (+1 lần bcrypt)",
    "menu_click": "trang trống → trang trống qua menu",
    "button_click": "trang trống: bấm nút (chạy lại)",
    "open_sheet": "phiếu trống cùng số widget: mở qua menu",
    "edit": "phiếu trống cùng số widget: sửa một ô",
    "submit": "phiếu trống cùng số widget: bấm nút",
    "back": "phiếu trống → trang trống qua menu",
    "same_page": "cùng phần tử, không có ứng dụng (phát lại)",
}
SAME = "same_page"  # each step's own floor: what the app sent, played back (Mirror)


def report(bench: Bench, scale: str, runs: int, cold: dict, bcrypt_s: float) -> dict:
    """The measurements as plain data (JSON), one row per step and one per floor."""
    steps = []
    seen: set[str] = set()
    for name in bench.order:
        kinds = [k for n, k in _kinds(bench, name)]
        series = bench.app[name]
        t = series.timing()
        row = {"step": name, "n": t.n, "median_ms": t.median, "tail_ms": t.tail,
               "tail": tail_name(t.n), "server_ms": series.server_ms(), "gc_ms": series.gc_ms(),
               "runs": series.runs(), "floors": {}}  # fmt: skip
        for kind in kinds:
            f = bench.floor[kind].timing()
            row["floors"][kind] = {"median_ms": f.median, "ratio": t.median / f.median}
            seen.add(kind)
        if name in bench.same:
            f = bench.same[name].timing()
            row["floors"][SAME] = {"median_ms": f.median, "ratio": t.median / f.median,
                                   "server_ms": bench.same[name].server_ms()}  # fmt: skip
        steps.append(row)
    floors = {
        kind: {"name": FLOOR_NAMES[kind], "n": s.timing().n, "median_ms": s.timing().median,
               "tail_ms": s.timing().tail, "tail": tail_name(s.timing().n),
               "server_ms": s.server_ms(), "gc_ms": s.gc_ms()}
        for kind, s in bench.floor.items()
    }  # fmt: skip
    return {"scale": scale, "runs": runs, "steps": steps, "floors": floors,
            "cold_start_s": cold, "bcrypt_ms": bcrypt_s * 1000}  # fmt: skip


def _kinds(bench: Bench, name: str) -> list[tuple[str, str]]:
    kinds = [(name, bench.kinds[name])]
    if name.startswith("Lần đầu vào"):
        kinds = [(name, "first_paint"), (name, "login_form")]
    return [(n, k) for n, k in kinds if k in bench.floor]


def table(rep: dict) -> str:
    """The browser report as Markdown."""
    lines = [
        f"Trình duyệt (Chromium {VIEWPORT['width']}×{VIEWPORT['height']}), quy mô "
        f"**{rep['scale']}**, {rep['runs']} lần mỗi bước (sửa ô: xem cột n)",
        "",
        "| bước | n | trung vị ms | p95/max ms | máy chủ ms (trong đó GC) | lượt chạy "
        "| sàn | sàn ms | tỉ lệ |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rep["steps"]:
        floors = list(r["floors"].items()) or [("", {"median_ms": 0, "ratio": 0})]
        for i, (kind, f) in enumerate(floors):
            head = (f"| {r['step']} | {r['n']} | {r['median_ms']:.0f} | {r['tail_ms']:.0f} "
                    f"({r['tail']}) | {r['server_ms']:.0f} ({r['gc_ms']:.0f}) | {r['runs']:g} "
                    if i == 0 else "| ″ | | | | | ")  # fmt: skip
            name = FLOOR_NAMES.get(kind, "—")
            lines.append(f"{head}| {name} | {f['median_ms']:.0f} | {f['ratio']:.2f} |")
    lines += ["", "| sàn | n | trung vị ms | p95/max ms | máy chủ ms (GC) |",
              "|---|---|---|---|---|"]  # fmt: skip
    for f in rep["floors"].values():
        lines.append(f"| {f['name']} | {f['n']} | {f['median_ms']:.0f} | {f['tail_ms']:.0f} "
                     f"({f['tail']}) | {f['server_ms']:.0f} ({f['gc_ms']:.0f}) |")  # fmt: skip
    c = rep["cold_start_s"]
    lines += [
        "",
        f"- Khởi động đến form đăng nhập dùng được: {c['app']:.2f} s (trang trống "
        f"trần: {c['floor']:.2f} s); một lần kiểm tra bcrypt {rep['bcrypt_ms']:.0f} ms",
    ]
    return "\n".join(lines)
