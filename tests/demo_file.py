"""One demo database file per test process, copied for each test that starts from the demo."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from lib import demo
from lib.core import db


@functools.cache
def _template() -> Path:
    # Loading the demo costs ~0.7 s of CPU; copying its file costs a few milliseconds.
    folder = Path(tempfile.mkdtemp(prefix="thidua-demo-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "demo.duckdb"
    con = db.connect(str(path))
    try:
        demo.load_demo(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def copy_demo(path: Path) -> Path:
    """Put a new copy of the demo database at path, as the app's first start makes it."""
    shutil.copyfile(_template(), path)
    return path
