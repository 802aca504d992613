"""The same elements without the app: a run's recorded messages, played back by a bare page.

bench.serve (with BENCH_RECORD_DIR) keeps what each of the app's script runs sent to the browser;
bench/floor_app.py has a page at every address of the app's menu that plays back the runs named
in the control file (BENCH_REPLAY_CONTROL). Clicking a played-back menu link or tab on the floor
asks the floor's server for the same page (a page's id is the hash of its address, in the app as
on the floor): the browser receives and draws exactly what the app sent, but no query, no
access check, no app code ran to make it. What the app's page costs above it is the app's."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

# What a run draws; the session's own messages (new session, script finished, the page list of
# st.navigation) come from the floor's server as from any.
DRAWN = {"delta", "page_config_changed", "page_info_changed", "logo"}
_LENGTH = struct.Struct(">I")
_END = 0xFFFFFFFF  # in place of a length: the end of one run (None in what bench.serve kept)


def write(path: str | Path, messages: list[bytes | None]) -> None:
    """Keep a run's serialized messages, each prefixed by its length; None ends a run."""
    with open(path, "wb") as out:
        for raw in messages:
            if raw is None:
                out.write(_LENGTH.pack(_END))
                continue
            out.write(_LENGTH.pack(len(raw)))
            out.write(raw)


def read(path: str | Path) -> list[list[ForwardMsg]]:
    """The runs of a recording (more than one when a run called st.rerun()), each the messages
    that draw something, in the order they were sent."""
    data = Path(path).read_bytes()
    runs: list[list[ForwardMsg]] = []
    run: list[ForwardMsg] = []
    at = 0
    while at < len(data):
        (size,) = _LENGTH.unpack_from(data, at)
        at += 4
        if size == _END:
            runs.append(run)
            run = []
            continue
        msg = ForwardMsg()
        msg.ParseFromString(data[at : at + size])
        at += size
        if msg.WhichOneof("type") in DRAWN:
            run.append(msg)
    return runs + [run] if run or not runs else runs  # a run cut short has no end mark


def plan(control: Path, records: list[str]) -> None:
    """Tell the floor which recorded runs its next runs play back (one each, in order)."""
    previous = json.loads(control.read_text()) if control.exists() else {"id": 0}
    tmp = control.with_suffix(".tmp")
    tmp.write_text(json.dumps({"id": previous["id"] + 1, "records": records}))
    os.replace(tmp, control)  # never half a plan


def play(control: Path) -> None:
    """In a floor script run: send the browser the next planned run's messages."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    planned = json.loads(control.read_text())
    runs = [run for record in planned["records"] for run in read(record)]
    if not runs:
        return
    seen_id, done = st.session_state.get("_replay", (None, 0))
    done = done if seen_id == planned["id"] else 0
    # A run the plan did not foresee (one more than the app had) shows the last one again.
    run = runs[min(done, len(runs) - 1)]
    st.session_state["_replay"] = (planned["id"], done + 1)
    ctx = get_script_run_ctx()
    fragments = set()
    for msg in run:
        ctx.enqueue(msg)
        if msg.HasField("delta") and msg.delta.fragment_id:
            fragments.add(msg.delta.fragment_id)
    # A widget inside one of the app's fragments asks for that fragment alone (the sheet's
    # fields do): the floor plays its next planned run back as that fragment's run.
    for fragment_id in fragments:
        if ctx.shared.new_fragment_ids.check_and_add(fragment_id):
            ctx.fragment_storage.register(fragment_id, lambda: play(control))
    if done + 1 < len(runs):
        st.rerun()  # as the app's run did
