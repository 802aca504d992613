"""Take screenshots of pages at desktop, phone and projector sizes: `python -m tests.screenshots`.

Usage: python -m tests.screenshots [USERNAME] [URL_PATH ...]  (files go to screenshots/)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lib.demo import DEMO_PASSWORD
from tests.browser import ROOT, chromium, login, running_app, wait_ready

SIZES = {
    "desktop": (1366, 900),
    "phone": (390, 844),
    "proj720": (1280, 720),
    "proj1080": (1920, 1080),
}


def main(argv: list[str]) -> None:
    username = argv[0] if argv else "chutich"
    paths = argv[1:] or [""]
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(Path(tmp) / "s.duckdb") as base,
        chromium() as browser,
    ):
        for size, (w, h) in SIZES.items():
            page = browser.new_context(viewport={"width": w, "height": h}).new_page()
            page.goto(base + "/")
            wait_ready(page)
            page.screenshot(path=out / f"login-{size}.png", full_page=True)
            login(page, base, username, DEMO_PASSWORD)
            for path in paths:
                page.goto(f"{base}/{path}")
                # The login cookie is read on a second run: wait for the form to go.
                page.get_by_label("Tên đăng nhập").wait_for(state="detached", timeout=30_000)
                wait_ready(page)
                page.wait_for_timeout(1500)
                name = f"{username}-{path or 'home'}-{size}.png"
                page.screenshot(path=out / name, full_page=True)
                print(out / name)
            page.context.close()


if __name__ == "__main__":
    main(sys.argv[1:])
