"""Shared fixtures: a fresh database per test, the demo database, and AppTest login."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from lib.core import db
from tests.demo_file import copy_demo


@pytest.fixture
def con():
    """A fresh, migrated, empty in-memory database."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def demo_con(tmp_path):
    """A fresh database holding the demo plan, people and accounts."""
    connection = db.connect(str(copy_demo(tmp_path / "demo.duckdb")))
    yield connection
    connection.close()


@contextlib.contextmanager
def held_by_another_process(path):
    """Keep the database file open in a second process, as the running app does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
         "print('ready', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.wait()


# Browser tests: one app server per test module (on its own database), one Chromium per module,
# a fresh browser context per test.
@pytest.fixture(scope="module")
def base(tmp_path_factory, request):
    """The base URL of the real app, started on a new demo database for this test module."""
    from tests.browser import running_app

    name = request.module.__name__.rsplit(".", 1)[-1]
    with running_app(tmp_path_factory.mktemp(name) / "app.duckdb") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright."""
    from tests.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    """A new browser tab with its own cookies, at a desktop size."""
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="vi-VN")
    yield context.new_page()
    context.close()
