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


def write(path: str | Path, messages: list[bytes]) -> None:
    """Keep a run's serialized messages, each prefixed by its length."""
    with open(path, "wb") as out:
        for raw in messages:
            out.write(_LENGTH.pack(len(raw)))
            out.write(raw)


def read(path: str | Path) -> list[ForwardMsg]:
    """The messages of a recorded run that draw something, in the order they were sent."""
    data = Path(path).read_bytes()
    messages, at = [], 0
    while at < len(data):
        (size,) = _LENGTH.unpack_from(data, at)
        msg = ForwardMsg()
        msg.ParseFromString(data[at + 4 : at + 4 + size])
        at += 4 + size
        if msg.WhichOneof("type") in DRAWN:
            messages.append(msg)
    return messages


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
    records = planned["records"]
    if not records:
        return
    seen_id, done = st.session_state.get("_replay", (None, 0))
    done = done if seen_id == planned["id"] else 0
    # A run the plan did not foresee (one more than the app had) shows the last one again.
    record = records[min(done, len(records) - 1)]
    st.session_state["_replay"] = (planned["id"], done + 1)
    ctx = get_script_run_ctx()
    fragments = set()
    for msg in read(record):
        ctx.enqueue(msg)
        if msg.HasField("delta") and msg.delta.fragment_id:
            fragments.add(msg.delta.fragment_id)
    # A widget inside one of the app's fragments asks for that fragment alone (the sheet's
    # fields do): the floor plays its next planned run back as that fragment's run.
    for fragment_id in fragments:
        if ctx.shared.new_fragment_ids.check_and_add(fragment_id):
            ctx.fragment_storage.register(fragment_id, lambda: play(control))
    if done + 1 < len(records):
        st.rerun()
