"""`python -m bench.serve SCRIPT [streamlit options]`: `streamlit run`, logging each script run.

The real server, unchanged, except that every script run (and the garbage collection the server
does after it, `runner.postScriptGC`) is timed into the file named by BENCH_TIMING_LOG, a JSON
line when a run begins and another when it ends: the browser benchmark splits what a person
waits for into server time and the rest (transport, drawing). No hook in the app: the timing
wraps Streamlit's ScriptRunner.

With BENCH_RECORD_DIR set, every message a run sends to the browser is also kept, one file a
run (named in the run's end line as "record"): bench/floor_app.py plays them back, the same
elements drawn by a bare Streamlit page with no app behind it (bench.replay)."""

from __future__ import annotations

import gc
import itertools
import json
import os
import sys
import threading
import time

from streamlit.runtime.scriptrunner import script_runner
from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

from bench import replay

_LOCK = threading.Lock()
_GC = threading.local()


class _TimedGC:
    """Stands in for the gc module inside script_runner: times its gc.collect(2)."""

    def __getattr__(self, name: str):
        return getattr(gc, name)

    def collect(self, generation: int = 2) -> int:
        """Collect as gc.collect does, remembering how long it took on this thread."""
        started = time.perf_counter()
        try:
            return gc.collect(generation)
        finally:
            _GC.seconds = getattr(_GC, "seconds", 0.0) + time.perf_counter() - started


def install(log_path: str, record_dir: str | None = None) -> None:
    """Time every script run of this process into log_path (one JSON object a line)."""
    original = script_runner.ScriptRunner._run_script
    enqueue = ScriptRunContext.enqueue
    runs = itertools.count(1)

    def write(row: dict) -> None:
        with _LOCK, open(log_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")

    def timed(self, rerun_data) -> None:
        _GC.seconds = 0.0
        started, cpu = time.time(), time.thread_time()
        # A line when the run begins too, so a reader can tell a run is still going.
        write({"session": self._session_id, "start": started})
        self._bench_sent = [] if record_dir else None
        try:
            original(self, rerun_data)
        finally:
            ended = time.time()
            sent, self._bench_sent = self._bench_sent, None
            row = {
                "session": self._session_id,
                "start": started,
                "end": ended,
                "gc_s": _GC.seconds,
                # This thread's CPU: the run's own cost, whatever else the cores were doing.
                "cpu_s": time.thread_time() - cpu,
                "fragment": bool(rerun_data.fragment_id_queue),
            }
            if sent is not None:
                row["record"] = os.path.join(record_dir, f"{next(runs)}.pb")
                replay.write(row["record"], sent)
            write(row)

    def kept(ctx, msg) -> None:
        enqueue(ctx, msg)
        # The whole message, as the run made it: what went to the browser may be only a
        # reference to a copy it already holds.
        runner = getattr(ctx._enqueue, "__self__", None)
        if getattr(runner, "_bench_sent", None) is not None:
            runner._bench_sent.append(msg.SerializeToString())

    finished = script_runner.ScriptRunner._on_script_finished

    def boundary(self, *args, **kwargs) -> None:
        # st.rerun() starts the next run inside the same _run_script: mark where one ends.
        if getattr(self, "_bench_sent", None) is not None:
            self._bench_sent.append(None)
        finished(self, *args, **kwargs)

    script_runner.ScriptRunner._run_script = timed  # type: ignore[method-assign]
    if record_dir:
        ScriptRunContext.enqueue = kept  # type: ignore[method-assign]
        script_runner.ScriptRunner._on_script_finished = boundary  # type: ignore[method-assign]
    script_runner.gc = _TimedGC()  # type: ignore[attr-defined]


def main(argv: list[str]) -> None:
    """Start `streamlit run` with the timing installed (when BENCH_TIMING_LOG is set)."""
    if os.environ.get("BENCH_TIMING_LOG"):
        install(os.environ["BENCH_TIMING_LOG"], os.environ.get("BENCH_RECORD_DIR"))
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
