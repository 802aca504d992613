"""Cold start and peak memory of the real app process (`streamlit run app.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import PASSWORD
from tests.browser import chromium, free_port, healthy, login, wait_ready

ROOT = Path(__file__).resolve().parent.parent


def _rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def cold_start_and_memory(db_path: Path, url_paths: list[str], runs: int = 3) -> dict:
    """Seconds from process start to a healthy server (median of runs); peak RSS after pages."""
    starts = []
    peak = 0.0
    for attempt in range(runs):
        port = free_port()
        env = {**os.environ, "THIDUA_DB": str(db_path), "THIDUA_LOGIN_SLEEP": "0",
               "THIDUA_COOKIE_KEY": os.urandom(32).hex()}  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            if not healthy(base, proc, 120):
                raise RuntimeError("the app did not start")
            starts.append(time.perf_counter() - started)
            if attempt == runs - 1:
                # Memory after a person has opened every page (the database is opened lazily).
                with chromium() as browser:
                    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
                    login(page, base, "bench.admin", PASSWORD)
                    for path in url_paths:
                        page.goto(f"{base}/{path}")
                        page.locator('button:has-text("Đăng xuất")').wait_for(
                            state="attached", timeout=120_000
                        )
                        wait_ready(page)
                peak = _rss_peak_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    starts.sort()
    return {"cold_start_s": starts[len(starts) // 2], "rss_peak_mb": peak}
