"""What the browser waits on after the server is done: bytes, frames and renderer work per step.

    python -m bench.draw_probe --db /work/benchwd/district.duckdb [--runs 3] [--pages Kế hoạch,…]

For login → first page and each page (and tab) of the admin's menu: the wait (as bench.browser
measures it), the server's script time, the websocket bytes and messages the page received
(ForwardMsgs, counted in the page), when the last one arrived, and the renderer's own work in
the step (Chromium's Performance metrics: script, layout, style), plus files fetched (code
chunks, fonts, icons). The rest of the wait after the last message is the browser drawing."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench import browser as bb
from bench.generate import PASSWORD
from lib.access import navigation, users
from lib.core import db

# Every message the app's websocket receives: [page clock ms, bytes].
WS = """
window.__ws = [];
const Native = window.WebSocket;
window.WebSocket = class extends Native {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', e => {
      const d = e.data;
      window.__ws.push([performance.now(), d.byteLength ?? d.size ?? d.length ?? 0]);
    });
  }
};
"""
METRICS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Probe:
    """One logged-in tab with its CDP session, measuring steps."""

    def __init__(self, page, server, browser_cdp) -> None:
        self.page = page
        self.server = server
        self.browser_cdp = browser_cdp
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.profile = False
        self.last_profile: dict | None = None

    def metrics(self) -> dict[str, float]:
        got = self.cdp.send("Performance.getMetrics")["metrics"]
        return {m["name"]: m["value"] for m in got if m["name"] in METRICS}

    def chromium_cpu(self) -> dict[str, float]:
        """CPU seconds so far of Chromium's renderers and of its GPU (compositing) process."""
        got: dict[str, float] = {}
        for p in self.browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
            got[p["type"]] = got.get(p["type"], 0) + p["cpuTime"]
        return got

    def step(self, action, ready: str, expect_run: bool = True) -> dict:
        page = self.page
        page.evaluate("window.__ws = window.__ws || []; window.__ws.length = 0")
        resources = page.evaluate("performance.getEntriesByType('resource').length")
        before = self.metrics()
        cpu0, server0 = self.chromium_cpu(), cpu_seconds(self.server.proc.pid)
        if self.profile:
            self.cdp.send("Profiler.enable")
            self.cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            self.cdp.send("Profiler.start")
        sample = bb.step(page, self.server, action, ready, expect_run=expect_run)
        after = self.metrics()
        cpu1, server1 = self.chromium_cpu(), cpu_seconds(self.server.proc.pid)
        if self.profile:
            self.last_profile = self.cdp.send("Profiler.stop")["profile"]
        origin = page.evaluate("performance.timeOrigin")
        msgs = page.evaluate("window.__ws")
        fetched = page.evaluate(
            f"performance.getEntriesByType('resource').slice({resources})"
            ".map(r => [r.name.split('/').pop(), r.transferSize, r.responseEnd])"
        )
        row = {
            "total_ms": sample.total * 1000,
            "server_ms": sample.server * 1000,
            "bytes": sum(n for _, n in msgs),
            "msgs": len(msgs),
            "biggest": max((n for _, n in msgs), default=0),
            **{k: (after[k] - before[k]) * 1000 for k in METRICS},
            "renderer_cpu_ms": (cpu1.get("renderer", 0) - cpu0.get("renderer", 0)) * 1000,
            "gpu_cpu_ms": (cpu1.get("GPU", 0) - cpu0.get("GPU", 0)) * 1000,
            "server_cpu_ms": (server1 - server0) * 1000,
            "fetched": [(n, s) for n, s, _ in fetched],
        }
        if msgs:
            last = (origin + msgs[-1][0]) / 1000
            row["_last"] = last  # the caller, who knows the start, makes it relative
        return row


def hot(profile: dict, top: int = 25) -> str:
    """The functions with the most self time in a CPU profile (name, file, ms)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    deltas = profile["timeDeltas"]
    self_ms: dict[tuple, float] = {}
    for sample, dt in zip(profile["samples"], deltas[1:] + [0], strict=True):
        f = nodes[sample]["callFrame"]
        key = (f["functionName"] or "(anon)", f["url"].split("/").pop(), f["lineNumber"])
        self_ms[key] = self_ms.get(key, 0) + dt / 1000
    # Inclusive time per file: which library the work is in.
    rows = sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]
    by_file: dict[str, float] = {}
    for (_, url, _), ms in self_ms.items():
        by_file[url] = by_file.get(url, 0) + ms
    files = sorted(by_file.items(), key=lambda kv: -kv[1])[:12]
    return (
        "\n".join(f"    {ms:7.1f} ms  {name} ({url}:{line})" for (name, url, line), ms in rows)
        + "\n  by file: "
        + ", ".join(f"{u or '(native)'} {ms:.0f}" for u, ms in files)
    )


def measured(probe: Probe, title: str, action, ready: str, out: dict, log,
             expect_run: bool = True) -> None:  # fmt: skip
    """One measured step, added to out under its title and logged."""
    started = time.time()
    row = probe.step(action, ready, expect_run=expect_run)
    _finish(row, started)
    out.setdefault(title, []).append(row)
    log(f"{title}: {_line(row)}")
    if probe.profile:
        log(hot(probe.last_profile))


def visit(probe: Probe, spec, current, specs, landing, out: dict, log, suffix: str = "") -> None:
    """Open a page from the menu (leaving it first if it is the one shown), then each of its
    tabs, one row each in out under the page's title (and suffix)."""
    page = probe.page
    if spec == current:
        other = next(s for s in specs if s != spec and s.path != "pages/trinh-chieu.py")
        bb.step(page, probe.server, lambda: bb.click_menu(other)(page),
                bb.page_ready(other, other == landing))  # fmt: skip
    measured(probe, f"{spec.title}{suffix}", lambda: bb.click_menu(spec)(page),
             bb.page_ready(spec, spec == landing), out, log)  # fmt: skip
    labels = bb.tab_labels(page)
    for label in labels[1:]:
        action, ready = bb.click_tab(label)
        measured(probe, f"{spec.title} › {label}{suffix}", lambda a=action: a(page), ready, out,
                 log, expect_run=False)  # fmt: skip
    if len(labels) > 1:
        action, ready = bb.click_tab(labels[0])
        bb.step(page, probe.server, lambda: action(page), ready, expect_run=False)


def run_steps(probe: Probe, specs, landing, runs: int, log) -> dict[str, list[dict]]:
    """Each page (and tab) of the menu, runs times."""
    out: dict[str, list[dict]] = {}
    current = landing
    for _ in range(runs):
        for spec in specs:
            if spec.path == "pages/trinh-chieu.py":
                continue  # hides the menu; not among the worst
            visit(probe, spec, current, specs, landing, out, log)
            current = spec
    return out


@contextlib.contextmanager
def serving_from(root: Path, env: dict, workdir: Path, name: str):
    """bench.browser.serving, but the app of another checkout (for an A/B in one run)."""
    saved = bb.ROOT
    bb.ROOT = root
    try:
        with bb.serving("app.py", env, workdir, name) as server:
            bb.ROOT = saved
            yield server
    finally:
        bb.ROOT = saved


def compare_steps(probes: dict, specs, landing, runs: int, log) -> dict[str, list[dict]]:
    """Each page (and tab) on every app in turn, step by step: a busy moment falls on all."""
    out: dict[str, list[dict]] = {}
    current = {name: landing for name in probes}
    for _ in range(runs):
        for spec in specs:
            if spec.path == "pages/trinh-chieu.py":
                continue
            for name, probe in probes.items():
                visit(probe, spec, current[name], specs, landing, out, log, f" [{name}]")
                current[name] = spec
    return out


def _finish(row: dict, started: float) -> None:
    last = row.pop("_last", None)
    row["last_msg_ms"] = (last - started) * 1000 if last else 0
    row["after_last_msg_ms"] = row["total_ms"] - row["last_msg_ms"] if last else row["total_ms"]


def _line(r: dict) -> str:
    return (f"{r['total_ms']:.0f} ms, server {r['server_ms']:.0f} "
            f"(cpu {r['server_cpu_ms']:.0f}), renderer cpu {r['renderer_cpu_ms']:.0f}, "
            f"gpu cpu {r['gpu_cpu_ms']:.0f}, {r['bytes'] / 1024:.0f} kB "
            f"in {r['msgs']} msgs (max {r['biggest'] / 1024:.0f} kB), last msg at "
            f"{r['last_msg_ms']:.0f}, script {r['ScriptDuration']:.0f} layout "
            f"{r['LayoutDuration']:.0f} style {r['RecalcStyleDuration']:.0f} task "
            f"{r['TaskDuration']:.0f}; fetched {r['fetched']}")  # fmt: skip


def table(results: dict[str, list[dict]]) -> str:
    lines = ["| bước | n | trung vị ms | máy chủ ms | CPU máy chủ ms | CPU renderer ms "
             "| CPU gpu ms | kB | tin | sau tin cuối ms | script ms | layout ms | style ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, rows in results.items():

        def med(k, rows=rows):
            return statistics.median(r[k] for r in rows)

        lines.append(
            f"| {name} | {len(rows)} | {med('total_ms'):.0f} | {med('server_ms'):.0f} | "
            f"{med('server_cpu_ms'):.0f} | {med('renderer_cpu_ms'):.0f} | "
            f"{med('gpu_cpu_ms'):.0f} | "
            f"{med('bytes') / 1024:.0f} | {med('msgs'):.0f} | "
            f"{med('after_last_msg_ms'):.0f} | {med('ScriptDuration'):.0f} | "
            f"{med('LayoutDuration'):.0f} | {med('RecalcStyleDuration'):.0f} |"
        )
    return "\n".join(lines)


def floor_steps(browser, browser_cdp, env, workdir, runs: int) -> dict[str, list[dict]]:
    """The bare floor app: an empty page to another by the menu, a button's rerun."""
    out: dict[str, list[dict]] = {}
    with bb.serving("bench/floor_app.py", env, workdir, "floor") as server:
        context = browser.new_context(viewport=bb.VIEWPORT)
        page = context.new_page()
        page.add_init_script(bb.OBSERVE)
        page.add_init_script(WS)
        probe = Probe(page, server, browser_cdp)
        probe.step(lambda: page.goto(server.base + "/"), bb.TITLE_SHOWN)
        current = "Trang trống"
        for _ in range(runs * 2):
            title = "Trang trống 2" if current == "Trang trống" else "Trang trống"
            started = time.time()
            row = probe.step(bb.menu_link(page, title).click, bb.FLOOR_SHOWN[title])
            _finish(row, started)
            current = title
            out.setdefault("sàn: trang trống → trang trống", []).append(row)
            print("floor:", _line(row), flush=True)
        context.close()
    return out


def compare(args, env: dict, workdir: Path, admin) -> dict[str, list[dict]]:
    """This checkout's app ("B") and another's ("A") on copies of one database, interleaved."""
    copy = workdir / "a.duckdb"
    shutil.copy(workdir / "app.duckdb", copy)
    results: dict[str, list[dict]] = {}
    with (
        bb.chromium() as browser,
        serving_from(args.compare, {**env, "THIDUA_DB": str(copy)}, workdir, "a") as server_a,
        bb.serving("app.py", env, workdir, "b") as server_b,
    ):
        browser_cdp = browser.new_browser_cdp_session()
        servers = {"A": server_a, "B": server_b}
        for _ in range(args.logins):
            for name, server in servers.items():
                context = browser.new_context(viewport=bb.VIEWPORT)
                page = context.new_page()
                page.add_init_script(bb.OBSERVE)
                page.add_init_script(WS)
                probe = Probe(page, server, browser_cdp)
                probe.step(lambda page=page, server=server: page.goto(server.base + "/"),
                           bb.PASSWORD_USABLE)  # fmt: skip
                page.get_by_label("Tên đăng nhập").fill("bench.admin")
                page.get_by_label("Mật khẩu").fill(PASSWORD)
                ready = ("!document.querySelector('input[aria-label=\"Mật khẩu\"]') && "
                         "[...document.querySelectorAll('[data-testid=\"stSidebar\"] button')]"
                         ".some(b => b.innerText.includes('Đăng xuất')) && "
                         f"{bb.DRAWN}")  # fmt: skip
                started = time.time()
                row = probe.step(page.get_by_role("button", name="Đăng nhập").click, ready)
                _finish(row, started)
                results.setdefault(f"Đăng nhập → trang đầu [{name}]", []).append(row)
                print(f"login [{name}]:", _line(row), flush=True)
                context.close()
        probes = {}
        for name, server in servers.items():
            page = browser.new_context(viewport=bb.VIEWPORT).new_page()
            page.add_init_script(bb.OBSERVE)
            page.add_init_script(WS)
            bb.login(page, server.base, "bench.admin", PASSWORD)
            probes[name] = Probe(page, server, browser_cdp)
            probes[name].profile = args.profile
            bb.settle(page, server, time.time(), "true", False)
        specs = navigation.pages_for(admin)
        wanted = [t for t in args.pages.split(",") if t]
        chosen = [s for s in specs if not wanted or s.title in wanted]
        results |= compare_steps(probes, chosen, navigation.landing_for(admin), args.runs,
                                 lambda s: print(s, flush=True))  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("/work/benchwd/district.duckdb"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", default="", help="menu titles, comma-separated (default all)")
    parser.add_argument("--logins", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="another checkout: its app beside this one")
    parser.add_argument("--floor", action="store_true", help="the bare floor app's menu click")
    parser.add_argument("--profile", action="store_true", help="CPU profile of each step")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="draw-probe-"))
    try:
        path = workdir / "app.duckdb"
        shutil.copy(args.db, path)
        con = db.connect(path)
        admin = users.get_user(con, "bench.admin")
        con.close()
        env = {"THIDUA_DB": str(path), "THIDUA_COOKIE_KEY": os.urandom(32).hex()}
        results: dict[str, list[dict]] = {}
        if args.compare:
            results = compare(args, env, workdir, admin)
            print(table(results))
            return
        with bb.chromium() as browser, bb.serving("app.py", env, workdir, "app") as server:
            browser_cdp = browser.new_browser_cdp_session()
            for _ in range(args.logins):
                context = browser.new_context(viewport=bb.VIEWPORT)
                page = context.new_page()
                page.add_init_script(bb.OBSERVE)
                page.add_init_script(WS)
                probe = Probe(page, server, browser_cdp)
                probe.profile = args.profile
                probe.step(lambda page=page: page.goto(server.base + "/"), bb.PASSWORD_USABLE)
                page.get_by_label("Tên đăng nhập").fill("bench.admin")
                page.get_by_label("Mật khẩu").fill(PASSWORD)
                button = page.get_by_role("button", name="Đăng nhập")
                ready = ("!document.querySelector('input[aria-label=\"Mật khẩu\"]') && "
                         "[...document.querySelectorAll('[data-testid=\"stSidebar\"] button')]"
                         ".some(b => b.innerText.includes('Đăng xuất')) && "
                         f"{bb.DRAWN}")  # fmt: skip
                started = time.time()
                row = probe.step(button.click, ready)
                _finish(row, started)
                results.setdefault("Đăng nhập → trang đầu", []).append(row)
                print("login:", _line(row), flush=True)
                if probe.profile:
                    print(hot(probe.last_profile), flush=True)
                context.close()
            if args.floor:
                results |= floor_steps(browser, browser_cdp, env, workdir, args.runs)
            context = browser.new_context(viewport=bb.VIEWPORT)
            page = context.new_page()
            page.add_init_script(bb.OBSERVE)
            page.add_init_script(WS)
            bb.login(page, server.base, "bench.admin", PASSWORD)
            probe = Probe(page, server, browser_cdp)
            probe.profile = args.profile
            bb.settle(page, server, time.time(), "true", False)
            specs = navigation.pages_for(admin)
            wanted = [t for t in args.pages.split(",") if t]
            chosen = [s for s in specs if not wanted or s.title in wanted]
            landing = navigation.landing_for(admin)
            results |= run_steps(probe, chosen if len(chosen) > 1 else [*chosen, landing],
                                 landing, args.runs, lambda s: print(s, flush=True))  # fmt: skip
            context.close()
        print(table(results))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
