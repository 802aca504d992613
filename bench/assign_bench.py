"""Automatic assignment on a generated round: CPU of planning and of applying the plan."""

from __future__ import annotations

import argparse
import random
import shutil
import stat
import time
from pathlib import Path

from lib.core import db
from lib.scoring import assignment


def prepare_round(
    con: db.Connection,
    round_id: int,
    seed: int = 16,
    authors: float = 0.02,
    conflicts: float = 0.01,
) -> None:
    """Clear most of an open round's assignments and add authors, conflicts and a withdrawal.

    One entry in three keeps its GK1 (examiners start with loads); about 2 % of the entries get
    a council member as author (linked, or typed as a name), 1 % of the pairs a recorded
    conflict, so the plan has conflict rules to respect."""
    rng = random.Random(seed)
    entries = [int(i) for (i,) in con.execute(
        "SELECT id FROM entries WHERE round_id = ? ORDER BY code", [round_id]
    ).fetchall()]  # fmt: skip
    council = con.execute(
        "SELECT x.examiner, u.person_id, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    keep = entries[::3]
    # One statement a transaction: DuckDB refuses to delete rows whose referencing rows were
    # deleted in the same transaction.
    for sql in [
        "DELETE FROM scores WHERE sheet_id IN (SELECT s.id FROM sheets s "
        "JOIN entries e ON e.id = s.entry_id WHERE e.round_id = $round)",
        "DELETE FROM sheets WHERE entry_id IN (SELECT id FROM entries WHERE round_id = $round)",
        "DELETE FROM assignments WHERE entry_id IN (SELECT id FROM entries "
        "WHERE round_id = $round) AND NOT (ord = 1 AND list_contains($keep, entry_id))",
        "DELETE FROM conflicts WHERE entry_id IN (SELECT id FROM entries WHERE round_id = $round)",
    ]:
        con.execute(
            sql, {k: v for k, v in {"round": round_id, "keep": keep}.items() if f"${k}" in sql}
        )
    with db.transaction(con):
        for entry_id in rng.sample(entries, max(1, int(len(entries) * authors))):
            username, person_id, name = rng.choice(council)
            linked = rng.random() < 0.5
            con.execute(
                "INSERT INTO entry_authors (entry_id, position, name, share, person_id) "
                "SELECT ?, coalesce(max(position), 0) + 1, ?, 10, ? FROM entry_authors "
                "WHERE entry_id = ?",
                [entry_id, name, person_id if linked else None, entry_id],
            )
        assigned = set(con.execute(
            "SELECT entry_id, examiner FROM assignments a JOIN entries e ON e.id = a.entry_id "
            "WHERE e.round_id = ?", [round_id]
        ).fetchall())  # fmt: skip
        kinds = ["same_group", "relative", "other"]
        pairs = {
            (rng.choice(entries), rng.choice(council)[0])
            for _ in range(int(len(entries) * len(council) * conflicts))
        }
        for entry_id, examiner in sorted(pairs - assigned):
            con.execute(
                "INSERT INTO conflicts (round_id, examiner, entry_id, kind, note, created_by) "
                "VALUES (?, ?, ?, ?, ?, 'bench')",
                [round_id, examiner, entry_id, rng.choice(kinds), rng.choice(["", "anh họ"])],
            )
        con.execute("UPDATE entries SET withdrawn = true WHERE id = ?", [entries[-1]])


def measure(source: Path, workdir: Path, round_id: int | None = None) -> dict | None:
    """CPU seconds of planning and applying the automatic assignment of a round (default: the
    last open one), on a copy of source in workdir; None when it has no open round."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"assign-{source.name}"
    shutil.copyfile(source, target)
    target.chmod(target.stat().st_mode | stat.S_IWUSR)
    con = db.connect(target)
    try:
        if round_id is None:
            (found,) = con.execute("SELECT max(id) FROM rounds WHERE state = 'open'").fetchone()
            if found is None:
                return None
            round_id = int(found)
        prepare_round(con, round_id)
        (n_entries,) = con.execute(
            "SELECT count(*) FROM entries WHERE round_id = ?", [round_id]).fetchone()  # fmt: skip
        start = time.process_time()
        plan = assignment.propose_assignments(con, round_id)
        planned = time.process_time() - start
        start = time.process_time()
        written = assignment.apply_assignments(con, round_id, plan.proposals, "bench.admin")
        applied = time.process_time() - start
    finally:
        con.close()
        target.unlink()
    return {"round": round_id, "entries": int(n_entries), "proposals": len(plan.proposals),
            "problems": len(plan.problems), "written": written, "plan_cpu_s": planned,
            "apply_cpu_s": applied}  # fmt: skip


def line(m: dict) -> str:
    """One line of the report about a measure()."""
    return (f"- Phân công tự động (đợt {m['round']}: {m['entries']} SKKN, {m['proposals']} đề "
            f"xuất, {m['problems']} vấn đề): CPU lập đề xuất {m['plan_cpu_s']:.2f} s, ghi "
            f"{m['apply_cpu_s']:.2f} s ({m['written']} phân công)")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, type=Path, help="a generated database (copied)")
    parser.add_argument("--workdir", default="bench/out/assign", type=Path)
    parser.add_argument("--round", type=int, default=None, help="default: the last open round")
    args = parser.parse_args(argv)
    m = measure(args.db, args.workdir, args.round)
    print(line(m) if m else f"{args.db}: không có đợt chấm nào đang mở.")


if __name__ == "__main__":
    main()
