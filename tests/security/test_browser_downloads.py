"""In Chromium: a downloaded backup stops being served at /media/… shortly after the click."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

import pytest

from lib.demo import DEMO_PASSWORD
from tests.browser import login, running_app, wait_ready

pytestmark = pytest.mark.browser
EXPIRE = 3  # seconds, for this test's server only (the app's default is 30)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    os.environ["THIDUA_DOWNLOAD_SECONDS"] = str(EXPIRE)
    try:
        with running_app(tmp_path_factory.mktemp("tai-ve") / "app.duckdb") as url:
            yield url
    finally:
        os.environ.pop("THIDUA_DOWNLOAD_SECONDS", None)


def status(url: str) -> int:
    """The HTTP status of a request with no cookie at all (an anonymous visitor)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_backup_download_is_gone_from_media_after_it_was_fetched(page, base):
    login(page, base, "chutich", DEMO_PASSWORD)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Nhập dữ liệu").click()
    page.get_by_text("Sao lưu toàn bộ dữ liệu").click()
    button = page.get_by_role("button", name="Tải tệp sao lưu")
    button.wait_for(timeout=30_000)
    wait_ready(page)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    assert download.value.path().read_bytes()[:2] == b"PK"
    address = download.value.url
    assert "/media/" in address
    time.sleep(EXPIRE + 3)
    assert status(address) == 404  # without the expiry it stays until two more script runs
