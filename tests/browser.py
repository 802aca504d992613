"""Real-browser helpers: start the app on a temporary database, drive Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60_000  # ms; generous because CI machines are shared and a busy one is slow
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(base: str, proc: subprocess.Popen, seconds: float) -> bool:
    """Wait until the server at base answers its health check; False if it exits or times out."""
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.02)  # short: the benchmark times the start with this
    return False


@contextlib.contextmanager
def running_app(db_file: Path) -> Iterator[str]:
    """Run `streamlit run app.py` on db_file and yield its base URL; stop it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "THIDUA_DB": str(db_file),
        "THIDUA_LOGIN_SLEEP": "0",
        "THIDUA_COOKIE_KEY": os.urandom(32).hex(),
    }
    log = open(db_file.with_suffix(".log"), "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        if not healthy(base, proc, 60):
            raise RuntimeError(db_file.with_suffix(".log").read_text())
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (browsers cannot be downloaded here)."""
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Chromium không có trên máy: cài bằng 'apt-get install chromium'.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_ready(page: Page) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT
    )
    page.wait_for_timeout(300)


def login(page: Page, base: str, username: str, password: str) -> None:
    """Log in through the real form."""
    page.goto(base + "/")
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    wait_ready(page)  # one script run draws the form: nothing reruns it on its own
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    # The script state can still read "notRunning" right after the click: wait for an outcome.
    # (On a phone the collapsed sidebar is not rendered, so look for the form going away.)
    page.wait_for_function(
        """() => !document.querySelector('input[aria-label="Tên đăng nhập"]')
                 || document.body.innerText.includes('Sai tên đăng nhập hoặc mật khẩu.')""",
        timeout=WAIT,
    )
    wait_ready(page)
    # The first page's run stores the login cookie before drawing the page, so this returns at
    # once; it stays so a test's next page load never depends on that.
    if page.get_by_label("Tên đăng nhập").count() == 0:
        for _ in range(WAIT // 250):
            if any(c["name"] == "thidua_dang_nhap" for c in page.context.cookies()):
                break
            page.wait_for_timeout(250)
        # The first page draws in the click's run; a kind of element the login run's hidden
        # specimens do not cover shows a placeholder until the browser has its code.
        page.wait_for_function(
            """() => !document.querySelector('[data-testid="stSkeleton"]')""", timeout=WAIT
        )
        wait_ready(page)
