"""Login as a person waits for it, in Chromium, beside bare Streamlit pages served the same way.

    python -m bench.login_probe --runs 7 [--app before=/path/to/old/checkout] [--cold 3]
    python -m bench.login_probe --gc 300        # runner.postScriptGC on vs off: latency, memory

Every app and floor runs under its own `streamlit run` (same config, cwd of the app), and the
measurements alternate between them in each round; medians are printed beside the floors.
Times come from the page's own clock (performance.now), recorded by a MutationObserver:
- "shown": the element first exists; "usable": shown and the last script run has finished
  (a click during a run the app triggers on itself can be lost).
- floors: a bare one-line page (the framework's first paint) and a bare login form whose
  submit does one bcrypt check (a click + one password check).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

from tests.browser import chromium, free_port, healthy

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "anhsao2024"
BARE = 'import streamlit as st\n\nst.write("Trang trống một dòng")\n'
FORM = f"""import bcrypt
import streamlit as st

st.title("Sàn đăng nhập")
with st.form("f"):
    st.text_input("Tên đăng nhập")
    password = st.text_input("Mật khẩu", type="password")
    sent = st.form_submit_button("Đăng nhập")
if sent:
    bcrypt.checkpw(password.encode(), {bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt())!r})
    st.title("Đã kiểm tra")
"""

# Records, on the page's clock: each script-state change, and when each mark first holds.
OBSERVER = """
(() => {
  window.__ev = []; window.__first = {}; window.__click = null;
  const marks = {
    password: () => !!document.querySelector('input[type="password"]'),
    bare: () => document.body && document.body.textContent.includes('Trang trống một dòng'),
    landing: () => [...document.querySelectorAll('h1')].some(
      h => h.textContent.includes('Tổng quan') || h.textContent.includes('Đã kiểm tra')),
    logout: () => [...document.querySelectorAll('[data-testid="stSidebar"] button')].some(
      b => b.textContent.includes('Đăng xuất')),
  };
  let last = null, skeletons = false;
  window.__drawn = [];  // when the last placeholder of a lazily loaded element kind went away
  const check = () => {
    const now = performance.now();
    const skel = !!document.querySelector('[data-testid="stSkeleton"]');
    if (skeletons && !skel) window.__drawn.push(now);
    skeletons = skel;
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state !== last) { window.__ev.push([now, state]); last = state; }
    for (const [name, test] of Object.entries(marks)) {
      if (!(name in window.__first) && test()) window.__first[name] = now;
    }
  };
  document.addEventListener('click', () => { window.__click = performance.now(); }, true);
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
    attributes: true, attributeFilter: ['data-test-script-state']});
})();
"""


def _server(script: Path, cwd: Path, db_file: Path | None, extra: list[str] = ()) -> tuple:
    port = free_port()
    env = {**os.environ, "THIDUA_COOKIE_KEY": os.urandom(32).hex()}
    if db_file is not None:
        env["THIDUA_DB"] = str(db_file)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *extra],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def _settle(page, quiet_ms: int = 1500, limit_ms: int = 20_000) -> None:
    """Wait until no script-state change has happened for quiet_ms (and the app is idle)."""
    page.wait_for_function(
        f"""() => {{ const e = window.__ev; if (!e || !e.length) return false;
                 const [t, s] = e[e.length - 1];
                 return s === 'notRunning' && performance.now() - t > {quiet_ms}; }}""",
        timeout=limit_ms + quiet_ms,
    )


def _read(page) -> dict:
    return page.evaluate(
        "() => ({ev: window.__ev, first: window.__first, click: window.__click,"
        " drawn: window.__drawn})"
    )


def _usable(data: dict, mark: str, since: float = 0.0) -> tuple[float, float, int]:
    """(shown, usable, script runs) for a mark, in ms from since.

    usable: the last run has finished and no element waits for its code any more."""
    shown = data["first"][mark]
    runs = [t for t, s in data["ev"] if s == "running" and t >= since]
    done = [t for t, s in data["ev"] if s == "notRunning" and t >= since]
    drawn = [t for t in data["drawn"] if t >= since]
    return shown - since, max(shown, *done, *drawn) - since, len(runs)


def visit(browser, base: str, mark: str) -> dict:
    """A first visit in a new browser context: when the mark shows and is usable."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    context.add_init_script(OBSERVER)
    page = context.new_page()
    page.goto(base + "/")
    page.wait_for_function(f"() => window.__first && '{mark}' in window.__first", timeout=60_000)
    _settle(page)
    shown, usable, runs = _usable(_read(page), mark)
    return {"page": page, "context": context, "shown": shown, "usable": usable, "runs": runs}


def log_in(v: dict, username: str = "chutich", reload_at_once: bool = False) -> dict:
    """Type the demo account, click, and time the first page (landing heading) from the click."""
    page = v["page"]
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_function("() => window.__first && 'landing' in window.__first", timeout=60_000)
    result: dict = {}
    if reload_at_once:
        # A person pressing F5 as soon as the page shows: are they still logged in?
        page.reload()
        page.wait_for_function(
            "() => window.__first && ('landing' in window.__first || 'password' in window.__first)",
            timeout=60_000,
        )
        result["kept"] = "landing" in page.evaluate("() => window.__first")
        return result
    _settle(page)
    data = _read(page)
    shown, usable, runs = _usable(data, "landing", data["click"])
    return {"shown": shown, "usable": usable, "runs": runs}


def med(xs: list[float]) -> float:
    """The median, or nan."""
    return statistics.median(xs) if xs else float("nan")


def probe(apps: dict[str, Path], runs: int, cold: int) -> None:
    """Alternate first visits and logins over the apps and the two floors; print medians."""
    work = Path(tempfile.mkdtemp(prefix="login-probe-"))
    (work / "bare.py").write_text(BARE, encoding="utf-8")
    (work / "form.py").write_text(FORM, encoding="utf-8")
    demo = work / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", str(demo), "init", "--demo"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    servers = {
        "bare page": _server(work / "bare.py", ROOT, None),
        "bare form + bcrypt": _server(work / "form.py", ROOT, None),
    }
    for name, checkout in apps.items():
        db_file = work / f"{name}.duckdb"
        shutil.copy(demo, db_file)
        servers[name] = _server(checkout / "app.py", checkout, db_file)
    results: dict[str, dict[str, list]] = {name: {} for name in servers}
    try:
        for _, (proc, base) in servers.items():
            assert healthy(base, proc, 120), base
        with chromium() as browser:
            for name, (_, base) in servers.items():  # warm: the first visitor after a start
                mark = "bare" if name == "bare page" else "password"
                visit(browser, base, mark)["context"].close()
            for i in range(runs):
                order = list(servers) if i % 2 == 0 else list(reversed(servers))
                for name in order:
                    base = servers[name][1]
                    v = visit(browser, base, "bare" if name == "bare page" else "password")
                    r = results[name]
                    for key in ("shown", "usable", "runs"):
                        r.setdefault(f"form {key}", []).append(v[key])
                    if name != "bare page":
                        login = log_in(v)
                        for key in ("shown", "usable", "runs"):
                            r.setdefault(f"login {key}", []).append(login[key])
                    v["context"].close()
                    if name in apps:
                        v = visit(browser, base, "password")
                        kept = log_in(v, reload_at_once=True)["kept"]
                        r.setdefault("reload kept", []).append(kept)
                        v["context"].close()
            for i in range(cold):
                order = ["bare page", *apps] if i % 2 == 0 else [*reversed(apps), "bare page"]
                for name in order:
                    results[name].setdefault("cold start", []).append(
                        _cold(browser, work, apps.get(name), name)
                    )
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    _print(results, runs)


def _cold(browser, work: Path, checkout: Path | None, name: str) -> float:
    """Seconds from `streamlit run` to the first usable form (or the bare page's first paint)."""
    db_file = None
    if checkout is not None:
        db_file = work / f"cold-{name}.duckdb"
        shutil.copy(work / "demo.duckdb", db_file)
    script = (checkout / "app.py") if checkout else work / "bare.py"
    started = time.perf_counter()
    proc, base = _server(script, checkout or ROOT, db_file)
    try:
        assert healthy(base, proc, 120)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_init_script(OBSERVER)
        page = context.new_page()
        opened = time.perf_counter()
        page.goto(base + "/")
        mark = "password" if checkout else "bare"
        page.wait_for_function(f"() => window.__first && '{mark}' in window.__first",
                               timeout=60_000)  # fmt: skip
        _settle(page)
        _, usable, _ = _usable(_read(page), mark)
        # The page clock starts at navigation: add the time until the browser was asked.
        total = (opened - started) + usable / 1000
        context.close()
        return total
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _print(results: dict, runs: int) -> None:
    floor = med(results["bare page"]["form usable"])
    click_floor = med(results["bare form + bcrypt"]["login shown"])
    print(f"\nmedians of {runs} alternating runs (ms from navigation / from the click)")
    print(f"{'':22} {'form shown':>10} {'usable':>8} {'runs':>5} {'×bare':>6} "
          f"{'login shown':>11} {'usable':>8} {'runs':>5} {'×floor':>6} {'reload ok':>9} "
          f"{'cold s':>7}")  # fmt: skip
    for name, r in results.items():
        line = (f"{name:22} {med(r['form shown']):10.0f} {med(r['form usable']):8.0f} "
                f"{med(r['form runs']):5.0f} {med(r['form usable']) / floor:6.2f} ")  # fmt: skip
        if "login shown" in r:
            shown = med(r["login shown"])
            line += (f"{shown:11.0f} {med(r['login usable']):8.0f} "
                     f"{med(r['login runs']):5.0f} {shown / click_floor:6.2f} ")  # fmt: skip
        else:
            line += " " * 36
        kept = r.get("reload kept")
        line += f"{f'{sum(kept)}/{len(kept)}' if kept else '':>9} "
        line += f"{med(r.get('cold start', [])):7.2f}" if r.get("cold start") else ""
        print(line)


def _rss(pid: int) -> tuple[float, float]:
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def gc_probe(page_runs: int) -> None:
    """postScriptGC on vs off: page-to-page latency and the server's memory after page_runs."""
    work = Path(tempfile.mkdtemp(prefix="gc-probe-"))
    demo = work / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", str(demo), "init", "--demo"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    servers = {}
    for flag in ("true", "false"):
        shutil.copy(demo, work / f"{flag}.duckdb")
        servers[flag] = _server(ROOT / "app.py", ROOT, work / f"{flag}.duckdb",
                                ["--runner.postScriptGC", flag])  # fmt: skip
    times: dict[str, list[float]] = {flag: [] for flag in servers}
    memory = {}
    try:
        with chromium() as browser:
            pages = {}
            for flag, (proc, base) in servers.items():
                assert healthy(base, proc, 120)
                v = visit(browser, base, "password")
                log_in(v)
                pages[flag] = v["page"]
                memory[flag] = [_rss(proc.pid)]
            targets = ["Tiến độ", "Tổng quan", "Kế hoạch", "Kết quả chấm"]
            for i in range(page_runs):
                for flag in servers if i % 2 == 0 else reversed(list(servers)):
                    page, title = pages[flag], targets[i % len(targets)]
                    started = time.perf_counter()
                    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a').filter(
                        has_text=title
                    ).first.click()
                    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
                    page.wait_for_selector(
                        '[data-testid="stApp"][data-test-script-state="notRunning"]',
                        timeout=60_000,
                    )
                    times[flag].append((time.perf_counter() - started) * 1000)
                    if i in (page_runs // 2, page_runs - 1):
                        memory[flag].append(_rss(servers[flag][0].pid))
                if (i + 1) % 50 == 0:  # progress: median ms and RSS MiB so far
                    rss = {f: round(_rss(servers[f][0].pid)[0]) for f in servers}
                    so_far = {f: round(med(t)) for f, t in times.items()}
                    print(f"{i + 1} page runs:", so_far, rss, flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\npostScriptGC over {page_runs} page runs each (alternating), ms and MiB")
    print(f"{'postScriptGC':12} {'median':>7} {'p90':>6} {'max':>6} "
          f"{'RSS start':>9} {'half':>6} {'end':>6} {'peak':>6}")  # fmt: skip
    for flag, samples in times.items():
        samples.sort()
        start, half, end = memory[flag]
        p90 = samples[int(len(samples) * 0.9)]
        print(f"{flag:12} {med(samples):7.0f} {p90:6.0f} {samples[-1]:6.0f} "
              f"{start[0]:9.0f} {half[0]:6.0f} {end[0]:6.0f} {end[1]:6.0f}")  # fmt: skip


def main() -> None:
    """Parse the options and run the probe."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold", type=int, default=0, help="cold starts per app (and floor)")
    parser.add_argument("--app", action="append", default=[], metavar="NAME=DIR",
                        help="another checkout to measure beside this one")  # fmt: skip
    parser.add_argument("--gc", type=int, default=0, metavar="RUNS",
                        help="instead: postScriptGC on vs off over RUNS page runs")  # fmt: skip
    args = parser.parse_args()
    if args.gc:
        gc_probe(args.gc)
        return
    apps = {"app (this checkout)": ROOT}
    for item in args.app:
        name, _, path = item.partition("=")
        apps[name] = Path(path).resolve()
    probe(apps, args.runs, args.cold)


if __name__ == "__main__":
    main()
