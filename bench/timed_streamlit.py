"""`streamlit run` with each script run timed on the server: `python -m bench.timed_streamlit LOG
ARGS…` appends one line per run to LOG (milliseconds, "fragment" or "full"), GC included."""

from __future__ import annotations

import sys
import time

from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
from streamlit.web import cli


def main() -> None:
    """Patch the script runner to time every run, then hand over to Streamlit's own CLI."""
    log_path, args = sys.argv[1], sys.argv[2:]
    original = ScriptRunner._run_script

    def timed(self: ScriptRunner, rerun_data) -> None:  # type: ignore[no-untyped-def]
        # Callbacks, the script or fragment, and the post-run GC: what the session waits for.
        started = time.perf_counter()
        try:
            original(self, rerun_data)
        finally:
            took = (time.perf_counter() - started) * 1000
            kind = "fragment" if rerun_data.fragment_id_queue else "full"
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"{took:.2f} {kind}\n")

    ScriptRunner._run_script = timed  # type: ignore[method-assign]
    sys.argv = ["streamlit", *args]
    cli.main()


if __name__ == "__main__":
    main()
