"""Shared fixtures: a fresh database per test, the demo database, and AppTest login."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from lib import db, demo


@pytest.fixture
def con():
    """A fresh, migrated, empty in-memory database."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def demo_con(con):
    """A fresh database holding the demo plan, people and accounts."""
    demo.load_demo(con)
    return con


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
