"""Scoring under load: one sheet's submit-to-reread time, and many examiners at the same moment."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

from bench.pages import Timing
from lib.access import users
from lib.core import db
from lib.scoring import entries, rounds, sheets


def _open_drafts(con: db.Connection, limit: int, distinct: bool) -> list[tuple[str, int]]:
    """(examiner, entry) pairs with a draft sheet in an open round."""
    rows = con.execute(
        "SELECT s.examiner, s.entry_id FROM sheets s JOIN entries e ON e.id = s.entry_id "
        "JOIN rounds r ON r.id = e.round_id WHERE r.state = 'open' AND s.status = 'draft' "
        "ORDER BY s.id"
    ).fetchall()
    if distinct:
        seen: dict[str, int] = {}
        for examiner, entry in rows:
            seen.setdefault(examiner, entry)
        rows = list(seen.items())
    return [(e, int(i)) for e, i in rows[:limit]]


def _full_marks(con: db.Connection, entry_id: int) -> dict[str, Decimal]:
    entry = entries.require_entry(con, entry_id)
    rubric = rounds.require_round(con, entry.round_id).rubric
    return {c.code: c.max for c in rubric.criteria}


def submit_latency(db_path: Path, runs: int) -> Timing:
    """Submit a sheet and read it back, for `runs` different draft sheets."""
    con = db.connect(db_path)
    samples = []
    try:
        for examiner, entry_id in _open_drafts(con, runs, distinct=False):
            me = users.get_user(con, examiner)
            values = _full_marks(con, entry_id)
            started = time.perf_counter()
            sheets.submit_sheet(con, me, entry_id, values, {}, "Đo hiệu năng")
            saved = sheets.get_sheet(con, entry_id, examiner)
            samples.append(time.perf_counter() - started)
            assert saved.status == "submitted" and saved.values == values
    finally:
        con.close()
    return Timing.of(samples)


def concurrent_examiners(db_path: Path, count: int, drafts: int = 3) -> dict:
    """`count` examiners save drafts then submit at once, each on its own cursor of one process."""
    con = db.connect(db_path)
    pairs = _open_drafts(con, count, distinct=True)
    expected = {examiner: _full_marks(con, entry) for examiner, entry in pairs}
    barrier = threading.Barrier(len(pairs))
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def examiner(name: str, entry_id: int) -> None:
        cur = con.cursor()
        try:
            me = users.get_user(cur, name)
            values = expected[name]
            barrier.wait()
            for step in range(drafts + 1):
                started = time.perf_counter()
                if step < drafts:
                    partial = dict(list(values.items())[: 3 + step])
                    sheets.save_draft(cur, me, entry_id, partial, {}, f"nháp {step}")
                else:
                    sheets.submit_sheet(cur, me, entry_id, values, {}, "nộp")
                with lock:
                    latencies.append(time.perf_counter() - started)
        except Exception as exc:  # counted, reported in the table
            with lock:
                failures.append(f"{name}: {exc}")
        finally:
            cur.close()

    threads = [threading.Thread(target=examiner, args=pair) for pair in pairs]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    lost = sum(
        1
        for name, entry_id in pairs
        if sheets.get_sheet(con, entry_id, name).values != expected[name]
        or sheets.get_sheet(con, entry_id, name).status != "submitted"
    )
    con.close()
    timing = Timing.of(latencies)
    return {
        "examiners": len(pairs),
        "operations": len(latencies),
        "throughput_per_s": len(latencies) / took,
        "tail_ms": timing.tail,
        "tail": timing.tail_name,
        "failed": len(failures),
        "lost": lost,
        "errors": failures[:5],
    }
