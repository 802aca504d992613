"""The set-based automatic assignment agrees with the one-query-a-pair reference
(tests/assignment_reference.py) on generated rounds: the same examiners for the same entries,
problems and loads; applying writes the same rows and audit entries, or refuses the same way."""

from __future__ import annotations

import shutil

import pytest

from bench.assign_bench import main as assign_bench_main
from bench.assign_bench import measure, prepare_round
from bench.generate import Scale, generate
from lib.core import db
from lib.core.errors import Invalid
from lib.scoring import assignment
from lib.scoring.assignment import Proposal
from tests.assignment_reference import (
    reference_apply_assignments,
    reference_propose_assignments,
)

# (entries a year, examiners, seed, author share, conflict share, examiners per entry)
CASES = [
    (60, 8, 1, 0.05, 0.02, 2),
    (120, 12, 7, 0.1, 0.05, 3),
    (40, 4, 3, 0.2, 0.3, 3),  # a small council with many conflicts: entries left short
    (150, 15, 11, 0.02, 0.01, 2),
]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0]}x{c[1]}-seed{c[2]}")
def generated(request, tmp_path_factory):
    """A generated database whose open round has been cleared for assigning, as the bench does."""
    n, examiners, seed, authors, conflicts, per_entry = request.param
    path = tmp_path_factory.mktemp("assign") / "base.duckdb"
    generate(path, Scale(4, 1, 2, n, examiners, 2, (2, 3)), seed=seed)
    con = db.connect(path)
    rid = int(con.execute("SELECT max(id) FROM rounds WHERE state = 'open'").fetchone()[0])
    prepare_round(con, rid, seed=seed, authors=authors, conflicts=conflicts)
    con.execute("UPDATE rounds SET examiners_per_entry = ? WHERE id = ?", [per_entry, rid])
    council = [u for (u,) in con.execute(
        "SELECT examiner FROM round_examiners WHERE round_id = ? ORDER BY examiner", [rid]
    ).fetchall()]  # fmt: skip
    # One member cannot log in yet, another has lost the examiner role: both left out.
    con.execute("UPDATE users SET password_hash = NULL WHERE username = ?", [council[1]])
    con.execute("DELETE FROM user_roles WHERE username = ? AND role = 'examiner'", [council[2]])
    con.execute("CHECKPOINT")
    con.close()
    return path, rid


def _copy(generated, tmp_path, name):
    path, rid = generated
    target = tmp_path / f"{name}.duckdb"
    shutil.copyfile(path, target)
    return db.connect(target), rid


def _written(con):
    """Everything an assignment writes, but its timestamps."""
    return {
        "assignments": con.execute(
            "SELECT id, entry_id, examiner, ord, assigned_by FROM assignments ORDER BY id"
        ).fetchall(),
        "council": con.execute(
            "SELECT round_id, examiner, duty, fields FROM round_examiners ORDER BY rowid"
        ).fetchall(),
        "audit": con.execute(
            "SELECT id, actor, action, entity, entity_id, before, after FROM audit_log ORDER BY id"
        ).fetchall(),
    }


def test_the_plan_and_its_writes_are_the_reference_ones(generated, tmp_path):
    fast_con, rid = _copy(generated, tmp_path, "fast")
    slow_con, _ = _copy(generated, tmp_path, "slow")
    try:
        fast, slow = (
            assignment.propose_assignments(fast_con, rid),
            reference_propose_assignments(slow_con, rid),
        )
        assert fast.proposals == slow.proposals
        assert fast.problems == slow.problems
        assert list(fast.loads.items()) == list(slow.loads.items())
        assert len(fast.proposals) > 0
        assert any(p.same_field for p in fast.proposals)
        # Existing loads and conflicts were in play (the generated round keeps one GK1 in three).
        assert fast_con.execute("SELECT count(*) FROM conflicts").fetchone()[0] > 0
        assert assignment.apply_assignments(fast_con, rid, fast.proposals, "chutich") == len(
            slow.proposals
        )
        reference_apply_assignments(slow_con, rid, slow.proposals, "chutich")
        assert _written(fast_con) == _written(slow_con)
        # Planned again once written: nothing left but what cannot be filled, on both.
        again = assignment.propose_assignments(fast_con, rid)
        assert again.proposals == reference_propose_assignments(slow_con, rid).proposals == []
    finally:
        fast_con.close()
        slow_con.close()


def _bad_proposals(con, rid, plan) -> list[Proposal]:
    """The plan spoiled in every way apply re-checks: a duplicate, an author, a recorded
    conflict, an entry of another round, a withdrawn entry, an account that is not an examiner."""
    good = plan.proposals[:6]
    conflict = con.execute(
        "SELECT c.entry_id, e.code, c.examiner FROM conflicts c "
        "JOIN entries e ON e.id = c.entry_id WHERE e.round_id = ? ORDER BY c.id LIMIT 1",
        [rid],
    ).fetchone()
    author = con.execute(
        "SELECT e.id, e.code, u.username FROM entry_authors a JOIN entries e ON e.id = a.entry_id "
        "JOIN users u ON u.person_id = a.person_id WHERE e.round_id = ? ORDER BY e.id LIMIT 1",
        [rid],
    ).fetchone()
    other = con.execute(
        "SELECT id, code FROM entries WHERE round_id <> ? ORDER BY id LIMIT 1", [rid]
    ).fetchone()
    gone = con.execute(
        "SELECT id, code FROM entries WHERE round_id = ? AND withdrawn LIMIT 1", [rid]
    ).fetchone()
    no_role = con.execute(
        "SELECT x.examiner FROM round_examiners x WHERE x.round_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM user_roles r WHERE r.username = x.examiner AND r.role = 'examiner')",
        [rid],
    ).fetchone()[0]
    p = good[0]
    bad = [*good, good[1]]
    for row in (conflict, author):
        if row:
            bad.append(Proposal(int(row[0]), row[1], "", row[2], "", 1, False))
    bad.append(Proposal(int(other[0]), other[1], "", p.examiner, "", 1, False))
    bad.append(Proposal(int(gone[0]), gone[1], "", p.examiner, "", 1, False))
    bad.append(Proposal(p.entry_id, p.code, "", no_role, "", 1, False))
    return bad


def _refusal(apply, con, rid, proposals):
    before = _written(con)
    with pytest.raises(Invalid) as caught:
        apply(con, rid, proposals, "chutich")
    assert _written(con) == before  # all or nothing
    return caught.value.errors


def test_a_spoiled_plan_is_refused_with_the_reference_reasons(generated, tmp_path):
    fast_con, rid = _copy(generated, tmp_path, "fast")
    slow_con, _ = _copy(generated, tmp_path, "slow")
    try:
        plan = assignment.propose_assignments(fast_con, rid)
        bad = _bad_proposals(fast_con, rid, plan)
        fast = _refusal(assignment.apply_assignments, fast_con, rid, bad)
        assert fast == _refusal(reference_apply_assignments, slow_con, rid, bad)
        assert len(fast) >= 5
        # A missing entry stops at once, and so does a tenth GK, as the reference does.
        missing = [*plan.proposals[:3], Proposal(10**6, "X", "", plan.proposals[0].examiner, "",
                                                 1, False), *bad]  # fmt: skip
        assert _refusal(assignment.apply_assignments, fast_con, rid, missing) == _refusal(
            reference_apply_assignments, slow_con, rid, missing
        )
        # An entry whose last GK is GK9 takes no tenth: refused at once, errors or not.
        kept = dict(fast_con.execute("SELECT entry_id, examiner FROM assignments").fetchall())
        tenth = next(p for p in plan.proposals if p.entry_id in kept)
        for con in (fast_con, slow_con):
            con.execute(
                "UPDATE assignments SET ord = 9 WHERE entry_id = ? AND examiner = ?",
                [tenth.entry_id, kept[tenth.entry_id]],
            )
        crowded = [*bad, tenth]
        fast = _refusal(assignment.apply_assignments, fast_con, rid, crowded)
        assert fast == _refusal(reference_apply_assignments, slow_con, rid, crowded)
        assert list(fast.values()) == [f"{tenth.code} đã có quá nhiều giám khảo."]
    finally:
        fast_con.close()
        slow_con.close()


def test_the_bench_plans_and_writes_a_prepared_copy(generated, tmp_path, capsys):
    path, rid = generated
    before = path.read_bytes()
    m = measure(path, tmp_path, rid)
    assert m is not None and m["round"] == rid and m["written"] == m["proposals"] > 0
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == []  # a copy, removed
    assign_bench_main(["--db", str(path), "--workdir", str(tmp_path), "--round", str(rid)])
    out = capsys.readouterr().out
    assert out.startswith(f"- Phân công tự động (đợt {rid}: ") and "CPU lập đề xuất" in out
