"""Autosave under load: examiners each save a field every 2 s, then submit, through a real server.

    python -m bench.autosave --db /tmp/district.duckdb [--clients 50] [--seconds 60] [--every 2]

Each examiner is a websocket client of a real `streamlit run app.py` that speaks the browser's
protocol (BackMsg / ForwardMsg): it opens its own draft sheet with the login cookie a session of
its own was given, types a value into one field (the widget state the browser sends, with the
sheet's fragment id, so the field's on_change saves it and only the sheet reruns), waits until
the run has finished and the sheet says what happened, and types the next field 2 s after the
last one began. When the time is up it clicks "Nộp phiếu", then "Xác nhận nộp phiếu". After the
server has stopped every sheet is read back from the file: the last value typed in every field,
submitted, one sheet per examiner and one score row per criterion."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.browser import serving
from bench.pages import Timing
from lib.access import sessions
from lib.core import db
from lib.core.numbers import format_number
from lib.scoring import entries, rounds, sheets
from lib.ui import auth

PAGE = "phieu-cham"
SAVED = "Đã lưu tự động"
REFUSED = ("Chưa lưu", "Phiên đăng nhập đã kết thúc")
SUBMIT, CONFIRM = "Nộp phiếu", "Xác nhận nộp phiếu"
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
TIMEOUT = 60.0  # seconds one run may take before the client counts it as an error


@dataclass
class Examiner:
    """One examiner of the load: the sheet typed into, and the values each field takes in turn."""

    username: str
    entry_id: int
    token: str  # the signed login cookie of a session started for this run
    values: dict[str, tuple[str, str]]  # criterion code → two valid values, as typed


def _two_values(maximum: Decimal, step: Decimal) -> tuple[str, str]:
    # The maximum, and one step below it (a decimal comma when the step is a fraction).
    below = maximum - step
    return format_number(maximum), format_number(below if below >= 0 else Decimal(0))


def prepare(path: Path, clients: int, key: str) -> list[Examiner]:
    """Pick `clients` examiners with a draft in an open round; start a login for each."""
    con = db.connect(path)
    try:
        rows = con.execute(
            "SELECT a.examiner, min(a.entry_id) FROM assignments a "
            "JOIN entries e ON e.id = a.entry_id JOIN rounds r ON r.id = e.round_id "
            "LEFT JOIN sheets s ON s.entry_id = a.entry_id AND s.examiner = a.examiner "
            "WHERE r.state = 'open' AND NOT e.withdrawn AND coalesce(s.status, 'draft') = 'draft' "
            "GROUP BY a.examiner ORDER BY a.examiner LIMIT ?",
            [clients],
        ).fetchall()
        if len(rows) < clients:
            raise SystemExit(
                f"{len(rows)} examiners have a draft sheet in an open round; {clients} asked for"
            )
        chosen = []
        for username, entry_id in rows:
            rubric = rounds.require_round(con, entries.require_entry(con, entry_id).round_id).rubric
            stored = sheets.get_sheet(con, int(entry_id), username).values
            values = {}
            for c in rubric.criteria:
                pair = _two_values(c.max, rubric.step)
                # The first value typed differs from the stored one, or there is no change to save.
                if stored.get(c.code) == Decimal(pair[0].replace(",", ".")):
                    pair = pair[::-1]
                values[c.code] = pair
            session_id = sessions.start(con, username, "bench.autosave")
            chosen.append(Examiner(username, int(entry_id), sessions.encode(session_id, key),
                                   values))  # fmt: skip
        return chosen
    finally:
        con.close()


@dataclass
class Run:
    """One script run a client asked for, as the client saw it."""

    seconds: float
    status: int
    texts: list[str]  # markdown, captions, alerts and toasts drawn in it


@dataclass
class Client:
    """A browser tab reduced to its protocol: widget states kept, runs asked for and awaited."""

    base: str
    examiner: Examiner
    states: dict[str, WidgetState] = field(default_factory=dict)  # id → what the tab would send
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # label → (id, fragment)
    page_hash: str = ""
    _ws: object = None
    _texts: list[str] = field(default_factory=list)
    _finished: asyncio.Queue | None = None

    async def connect(self) -> None:
        """Open the websocket the way the browser does, with the login cookie."""
        host = urlsplit(self.base).netloc
        self._finished = asyncio.Queue()
        self._ws = await websockets.connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=self.base,
            additional_headers={"Cookie": f"{auth.COOKIE}={self.examiner.token}"},
            max_size=None,
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the tab."""
        self._reader.cancel()
        await self._ws.close()

    async def _read(self) -> None:
        async for data in self._ws:
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta":
                self._element(msg.delta)
            elif kind == "script_finished":
                await self._finished.put(msg.script_finished)

    def _element(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind in ("markdown", "toast", "alert"):
            self._texts.append(getattr(element, kind).body)
        elif kind in ("text_input", "text_area"):
            widget = getattr(element, kind)
            self.widgets[widget.label] = (widget.id, delta.fragment_id)
            if widget.set_value or widget.id not in self.states:
                self.states[widget.id] = WidgetState(id=widget.id, string_value=widget.value)
        elif kind == "button":
            self.widgets[element.button.label] = (element.button.id, delta.fragment_id)

    async def run(self, changed: WidgetState | None = None, fragment: str = "",
                  until: tuple = DONE) -> Run:  # fmt: skip
        """Ask for a run (with one widget changed), and wait until one ends in `until`."""
        back = BackMsg()
        client = back.rerun_script
        client.query_string = f"skkn={self.examiner.entry_id}"
        client.page_name = PAGE
        client.page_script_hash = self.page_hash
        client.fragment_id = fragment
        client.context_info.url = f"{self.base}/{PAGE}?skkn={self.examiner.entry_id}"
        client.context_info.timezone = "Asia/Ho_Chi_Minh"
        client.context_info.locale = "vi-VN"
        sent = dict(self.states)
        if changed is not None:
            sent[changed.id] = changed
            if not changed.HasField("trigger_value"):
                self.states[changed.id] = changed  # a value stays; a click is sent once
        client.widget_states.widgets.extend(sent.values())
        self._texts = []
        started = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        while True:
            status = await asyncio.wait_for(self._finished.get(), TIMEOUT)
            if status in until:
                return Run(time.perf_counter() - started, status, list(self._texts))

    async def type(self, label: str, text: str) -> Run:
        """Type text into the field with this label and leave it (its on_change saves it)."""
        widget_id, fragment = self.widgets[label]
        return await self.run(WidgetState(id=widget_id, string_value=text), fragment)

    async def click(self, label: str) -> Run:
        """Click the button with this label."""
        widget_id, fragment = self.widgets[label]
        return await self.run(WidgetState(id=widget_id, trigger_value=True), fragment)


@dataclass
class Tally:
    """What the load did: save and submit latencies (seconds), errors, values last typed."""

    saves: list[float] = field(default_factory=list)
    submits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    typed: dict[tuple[str, str], str] = field(default_factory=dict)  # (examiner, code) → text
    submitted: set[str] = field(default_factory=set)
    late: int = 0  # edits that began later than their 2 s slot (the last one still running)
    cpu_s: float = 0.0  # the server's CPU seconds while the examiners typed and submitted
    client_cpu_s: float = 0.0  # this process's (the 50 tabs'), on the same cores
    saved_at: list[float] = field(default_factory=list)  # perf_counter when each save ended
    # Only typing: from the start until the first examiner may submit (no submits in it).
    typing_cpu_s: float = 0.0
    typing_saves: int = 0
    threads: dict[str, float] = field(default_factory=dict)  # typing CPU s by thread


def _label(client: Client, code: str) -> str:
    return next(label for label in client.widgets if label.startswith(f"{code}. "))


async def open_sheet(client: Client, tally: Tally) -> bool:
    """Connect and open the examiner's sheet (before the clock starts, as people sit down)."""
    await client.connect()
    opened = await client.run()
    if any(label.startswith(SUBMIT) for label in client.widgets):
        return True
    tally.errors.append(f"{client.examiner.username}: phiếu không mở được ({opened.texts[:2]})")
    return False


async def examiner_load(client: Client, seconds: float, every: float, tally: Tally,
                        start_at: float) -> None:  # fmt: skip
    """One examiner: type a field every `every` s from start_at for `seconds`, then submit."""
    who = client.examiner
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    codes = list(who.values)
    ends = start_at + seconds
    slot = time.perf_counter()
    turn = 0
    while slot < ends:
        code = codes[turn % len(codes)]
        text = who.values[code][(turn // len(codes)) % 2]
        try:
            done = await client.type(_label(client, code), text)
        except (TimeoutError, websockets.ConnectionClosed) as exc:
            tally.errors.append(f"{who.username} {code}: {type(exc).__name__}")
            return
        tally.saves.append(done.seconds)
        tally.saved_at.append(time.perf_counter())
        tally.typed[(who.username, code)] = text
        if not any(SAVED in t for t in done.texts) or any(
            r in t for t in done.texts for r in REFUSED
        ):
            shown = [t for t in done.texts if "lưu" in t or "Phiếu" in t]
            tally.errors.append(f"{who.username} {code}: {shown[:3] or done.texts[:3]}")
        turn += 1
        slot += every
        now = time.perf_counter()
        if now > slot:
            tally.late += 1
            slot = now
        await asyncio.sleep(slot - now)
    if turn < len(codes):
        return  # not every field typed: nothing to submit
    started = time.perf_counter()
    await client.click(SUBMIT)
    if CONFIRM not in client.widgets:
        tally.errors.append(f"{who.username}: không hiện hộp xác nhận nộp")
        return
    done = await client.click(CONFIRM)
    if done.status != ForwardMsg.FINISHED_SUCCESSFULLY or not any(
        "Đã nộp phiếu" in t for t in done.texts
    ):
        tally.errors.append(f"{who.username}: nộp phiếu không xong ({done.texts[-3:]})")
        return
    tally.submits.append(time.perf_counter() - started)
    tally.submitted.add(who.username)


async def _load(base: str, crowd: list[Examiner], seconds: float, every: float,
                pid: int) -> Tally:  # fmt: skip
    tally = Tally()
    clients = [Client(base, who) for who in crowd]
    try:
        opened = await asyncio.gather(*(open_sheet(c, tally) for c in clients))
        begin = time.perf_counter() + 1.0
        cpu, mine = _cpu_seconds(pid), time.process_time()
        threads = _thread_cpu(pid)

        async def typing_only() -> None:
            await asyncio.sleep(max(0.0, begin + seconds - time.perf_counter()))
            tally.typing_cpu_s = _cpu_seconds(pid) - cpu
            tally.typing_saves = len(tally.saved_at)
            tally.threads = _by_name(threads, _thread_cpu(pid))

        # Each examiner types at its own moment within the first slot, as people do.
        await asyncio.gather(typing_only(), *(
            examiner_load(c, seconds, every, tally, begin + random.uniform(0, every))
            for c, ok in zip(clients, opened, strict=True) if ok
        ))  # fmt: skip
        tally.cpu_s = _cpu_seconds(pid) - cpu
        tally.client_cpu_s = time.process_time() - mine
    finally:
        await asyncio.gather(*(c.close() for c in clients if c._ws is not None))
    return tally


def read_back(path: Path, crowd: list[Examiner], tally: Tally) -> dict:
    """Compare the file with what was typed: lost values, duplicated rows, unsubmitted sheets."""
    con = db.connect(path)
    try:
        lost, wrong_state = [], []
        for who in crowd:
            sheet = sheets.get_sheet(con, who.entry_id, who.username)
            for code in who.values:
                typed = tally.typed.get((who.username, code))
                if typed is not None and sheet.values.get(code) != Decimal(typed.replace(",", ".")):
                    lost.append(f"{who.username} {code}: gõ {typed}, lưu {sheet.values.get(code)}")
            if (sheet.status == "submitted") != (who.username in tally.submitted):
                wrong_state.append(f"{who.username}: {sheet.status}")
        names = [w.username for w in crowd]
        duplicated_sheets = con.execute(
            "SELECT count(*) FROM (SELECT entry_id, examiner FROM sheets WHERE examiner IN "
            "(SELECT unnest(?)) GROUP BY ALL HAVING count(*) > 1)",
            [names],
        ).fetchone()[0]
        duplicated_scores = con.execute(
            "SELECT count(*) FROM (SELECT sheet_id, criterion FROM scores GROUP BY ALL "
            "HAVING count(*) > 1)"
        ).fetchone()[0]
    finally:
        con.close()
    return {"lost": lost, "wrong_state": wrong_state,
            "duplicated": int(duplicated_sheets) + int(duplicated_scores)}  # fmt: skip


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _thread_cpu(pid: int) -> dict[str, tuple[str, float]]:
    """CPU seconds of each live thread of the process: thread id → (name, seconds)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        found[task.name] = (name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return found


def _by_name(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds spent between two snapshots by the threads alive at the end, by name."""
    spent: dict[str, float] = {}
    main = min(after, key=int)  # the process's first thread: Streamlit's event loop
    for tid, (name, seconds) in after.items():
        name = "event loop" if tid == main else name
        spent[name] = spent.get(name, 0.0) + seconds - before.get(tid, (name, 0.0))[1]
    return {name: round(seconds, 1) for name, seconds in sorted(spent.items())}


def _timing(name: str, samples: list[float]) -> dict:
    """Median and tail of samples in seconds (bench.pages.Timing: p95 from 20 samples, else
    max), as name_median_ms and name_p95_ms or name_max_ms, and which one it is."""
    t = Timing.of(samples)
    return {f"{name}_median_ms": round(t.median, 1), f"{name}_{t.tail_name}_ms": round(t.tail, 1),
            f"{name}_tail": t.tail_name}  # fmt: skip


def measure(db_path: Path, clients: int = 50, seconds: float = 60, every: float = 2) -> dict:
    """Run the load on a copy of db_path and return the figures (seconds → ms in the report)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-autosave-"))
    try:
        path = workdir / "app.duckdb"
        shutil.copy(db_path, path)
        key = os.urandom(32).hex()
        crowd = prepare(path, clients, key)
        env = {"THIDUA_DB": str(path), "THIDUA_COOKIE_KEY": key}
        with serving("app.py", env, workdir, "app") as server:
            since = time.time()
            tally = asyncio.run(_load(server.base, crowd, seconds, every, server.proc.pid))
            runs = [r for r in server.runs(since) if "end" in r]
        back = read_back(path, crowd, tally)
        script = [r["end"] - r["start"] for r in runs]
        # The script thread's CPU in the sheet's own reruns (one per save): the rest of the
        # server's CPU is Streamlit's event loop (messages, websockets) and the submits.
        fragment_cpu = [r["cpu_s"] for r in runs if r.get("fragment") and "cpu_s" in r]
        ms = lambda xs: round(1000 * xs, 1)  # noqa: E731
        return {
            "clients": clients, "seconds": seconds, "every_s": every,
            "saves": len(tally.saves),
            **_timing("save", tally.saves),
            # The slowest save, whatever the tail is called (save_max_ms when under 20 saves).
            "save_most_ms": ms(max(tally.saves)) if tally.saves else None,
            "submits": len(tally.submits),
            **_timing("submit", tally.submits),
            "late": tally.late,
            # What typing and submitting cost the server (all threads, both cores), per save.
            "server_cpu_s": round(tally.cpu_s, 1),
            "server_cpu_per_save_ms": ms(tally.cpu_s / len(tally.saves)) if tally.saves else None,
            "client_cpu_s": round(tally.client_cpu_s, 1),
            "typing_cpu_s": round(tally.typing_cpu_s, 1),
            "typing_saves": tally.typing_saves,
            "typing_cpu_per_save_ms": (
                ms(tally.typing_cpu_s / tally.typing_saves) if tally.typing_saves else None
            ),
            "typing_threads_cpu_s": tally.threads,
            "server_runs": len(script),
            **_timing("server_run", script),
            "fragment_cpu_median_ms": (
                ms(statistics.median(fragment_cpu)) if fragment_cpu else None
            ),
            "errors": tally.errors,
            **back,
        }  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _tail_text(rep: dict, name: str) -> str:
    tail = rep[f"{name}_tail"]
    return f"trung vị {rep[f'{name}_median_ms']} ms, {tail} {rep[f'{name}_{tail}_ms']} ms"


def table(rep: dict) -> str:
    """The figures as a few Vietnamese lines."""
    return "\n".join([
        f"Tự lưu dưới tải: {rep['clients']} giám khảo, mỗi người sửa một ô mỗi "
        f"{rep['every_s']:g} s trong {rep['seconds']:g} s rồi nộp phiếu (websocket, máy chủ thật)",
        f"- lưu: {rep['saves']} lần, {_tail_text(rep, 'save')}, max {rep['save_most_ms']} ms "
        "(từ lúc gửi đến khi phiếu vẽ xong)",
        f"- nộp (bấm Nộp phiếu → Xác nhận → danh sách): {rep['submits']} lần, "
        f"{_tail_text(rep, 'submit')}",
        f"- máy chủ: {rep['server_runs']} lượt chạy, {_tail_text(rep, 'server_run')}; "
        f"CPU {rep['server_cpu_s']} s "
        f"(≈ {rep['server_cpu_per_save_ms']} ms mỗi lần lưu, kể cả nộp; các tab websocket "
        f"{rep['client_cpu_s']} s); sửa trễ nhịp {rep['every_s']:g} s: {rep['late']}",
        f"- chỉ lúc gõ (trước lượt nộp đầu tiên): {rep['typing_saves']} lần lưu, CPU máy chủ "
        f"{rep['typing_cpu_s']} s ≈ **{rep['typing_cpu_per_save_ms']} ms mỗi lần lưu** "
        f"(luồng còn sống: {rep['typing_threads_cpu_s']}; luồng script mỗi lượt chạy lại "
        f"phiếu: trung vị {rep['fragment_cpu_median_ms']} ms)",
        f"- lỗi {len(rep['errors'])}, mất {len(rep['lost'])}, trùng {rep['duplicated']}, "
        f"sai trạng thái {len(rep['wrong_state'])}",
        *(f"  · {line}" for line in (rep["errors"] + rep["lost"] + rep["wrong_state"])[:10]),
    ])  # fmt: skip


def main() -> None:
    """Command line: run the load against a generated database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rep = measure(args.db, args.clients, args.seconds, args.every)
    print(table(rep))
    if args.out:
        args.out.write_text(json.dumps(rep, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
