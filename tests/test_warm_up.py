"""The server's warm-up: what the pages import is imported once, in the background."""

import subprocess
import sys

from tests.apptest import ROOT

SCRIPT = """
import sys, threading
from lib.ui import context
assert "altair" not in sys.modules
context.warm_up()
context.warm_up()  # once per process, whoever asks
warm = [t for t in threading.enumerate() if t.name == "thidua-warm-up"]
assert len(warm) == 1, warm
warm[0].join(60)
# Altair (the results page's charts), the first open of which cost ~220 ms after a restart.
assert "altair" in sys.modules
import lib.scoring.results, lib.titles
print("ok")
"""


def test_the_warm_up_imports_what_the_pages_import_once_per_process():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
