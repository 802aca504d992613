"""The automatic assignment as first written (a query or three per entry and examiner, one row
at a time): the reference lib.scoring.assignment's set-based plan and write must agree with."""

from __future__ import annotations

from collections.abc import Sequence

from lib.access import users
from lib.access.permissions import why_cannot_assign
from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import fold
from lib.scoring.assignment import AutoPlan, Proposal, assignment_snapshot
from lib.scoring.conflicts import conflict_reason
from lib.scoring.council import require_examiner, split_fields
from lib.scoring.entries import Entry, entry_list, require_entry
from lib.scoring.rounds import Round, require_round


def reference_assign_problem(con: Connection, e: Entry, r: Round, examiner: str) -> str | None:
    """Why this examiner cannot be assigned to the entry now, or None."""
    refused = why_cannot_assign(r)
    if refused:
        return refused
    if e.withdrawn:
        return f"{e.code} đã rút, không phân công được."
    try:
        require_examiner(con, examiner)
    except Invalid as exc:
        return exc.messages[0]
    reason = conflict_reason(con, e.id, examiner)
    if reason:
        return f"Không phân công {examiner} chấm {e.code}: {examiner} {reason}."
    if con.execute(
        "SELECT 1 FROM assignments WHERE entry_id = ? AND examiner = ?", [e.id, examiner]
    ).fetchone():
        return f"{examiner} đã được phân công chấm {e.code}."
    return None


def reference_insert_assignment(con: Connection, e: Entry, examiner: str, actor: str) -> int:
    row = con.execute(
        "SELECT coalesce(max(ord), 0) FROM assignments WHERE entry_id = ?", [e.id]
    ).fetchone()
    ord_ = int(row[0]) + 1 if row else 1
    if ord_ > 9:
        raise Invalid({"examiner": f"{e.code} đã có quá nhiều giám khảo."})
    con.execute(
        "INSERT INTO assignments (entry_id, examiner, ord, assigned_by) VALUES (?, ?, ?, ?)",
        [e.id, examiner, ord_, actor],
    )
    con.execute(
        "INSERT INTO round_examiners (round_id, examiner) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [e.round_id, examiner],
    )
    audit.record(con, actor, "assign", "assignment", f"{e.round_id}:{e.code}:{examiner}",
                 None, assignment_snapshot(examiner, ord_))  # fmt: skip
    return ord_


def reference_propose_assignments(con: Connection, round_id: int) -> AutoPlan:
    """Plan the missing assignments of every entry; existing ones are never moved.

    Each kept entry gets the round's number of examiners from its council. Authors and
    recorded conflicts are never chosen, nor accounts without a password (they cannot log in
    to score). Among the examiners whose load is within one of the
    least loaded eligible examiner, one who knows the entry's field is preferred, then the
    lighter load, then the username (so the plan is the same every time). The most
    constrained entries are served first."""
    r = require_round(con, round_id)
    may_examine = set(users.examiner_accounts(con)["username"])
    council = [row for row in con.execute(
        "SELECT x.examiner, x.fields, p.full_name, u.password_hash IS NOT NULL "
        "FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall() if row[0] in may_examine]  # fmt: skip
    locked_out = [n for _, _, n, has_password in council if not has_password]
    council = [(u, fs, n) for u, fs, n, has_password in council if has_password]
    names = {u: n for u, _, n in council}
    fields = {u: {fold(f) for f in split_fields(fs)} for u, fs, _ in council}
    loads = dict.fromkeys(names, 0)
    current: dict[int, dict[str, int]] = {}
    for entry_id, examiner, ord_, withdrawn in con.execute(
        "SELECT a.entry_id, a.examiner, a.ord, e.withdrawn FROM assignments a "
        "JOIN entries e ON e.id = a.entry_id WHERE e.round_id = ?",
        [round_id],
    ).fetchall():
        current.setdefault(int(entry_id), {})[examiner] = int(ord_)
        if examiner in loads and not withdrawn:
            loads[examiner] += 1
    todo = [e for e in entry_list(con, round_id) if not e.withdrawn]
    eligible = {
        e.id: [u for u in names if conflict_reason(con, e.id, u) is None
               and u not in current.get(e.id, {})]
        for e in todo
    }  # fmt: skip
    todo.sort(key=lambda e: (len(eligible[e.id]), e.code))
    proposals: list[Proposal] = []
    problems: list[str] = []
    if locked_out:
        problems.append(
            f"Không phân công tự động cho {', '.join(locked_out)}: tài khoản chưa có mật khẩu "
            "nên chưa đăng nhập để chấm được."
        )
    if not names:
        problems.append("Hội đồng của đợt chấm chưa có giám khảo nào.")
        return AutoPlan(proposals, problems, loads)
    for e in todo:
        have = current.get(e.id, {})
        need = r.examiners_per_entry - len(have)
        used_ords = set(have.values())
        candidates = list(eligible[e.id])
        for _ in range(max(need, 0)):
            if not candidates:
                problems.append(
                    f"{e.code}: chỉ có {r.examiners_per_entry - need}/{r.examiners_per_entry} "
                    "giám khảo (những người còn lại là tác giả, có xung đột hoặc đã được phân "
                    "công)."
                )
                break
            least = min(loads[u] for u in candidates)
            field = fold(e.field)

            def knows(u: str, field: str = field) -> bool:
                return bool(field) and field in fields[u]

            pick = min(
                (u for u in candidates if loads[u] <= least + 1),
                key=lambda u: (not knows(u), loads[u], u),
            )
            ord_ = min(set(range(1, 10)) - used_ords)
            used_ords.add(ord_)
            candidates.remove(pick)
            loads[pick] += 1
            need -= 1
            proposals.append(Proposal(e.id, e.code, e.title, pick, names[pick], ord_, knows(pick)))
    proposals.sort(key=lambda p: (p.code, p.ord))
    return AutoPlan(proposals, problems, loads)


def reference_apply_assignments(
    con: Connection, round_id: int, proposals: Sequence[Proposal], actor: str
) -> int:
    """Write confirmed proposals, all or nothing (each checked again); return how many."""
    with transaction(con):
        r = require_round(con, round_id)
        errors: dict[str, str] = {}
        for i, p in enumerate(proposals):
            e = require_entry(con, p.entry_id)
            if e.round_id != round_id:
                errors[f"p{i}"] = f"{e.code} không thuộc đợt chấm này."
                continue
            problem = reference_assign_problem(con, e, r, p.examiner)
            if problem:
                errors[f"p{i}"] = problem
                continue
            reference_insert_assignment(con, e, p.examiner, actor)
        if errors:
            raise Invalid(errors)
    return len(proposals)
