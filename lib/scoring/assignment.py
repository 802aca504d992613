"""Who scores what: assigning and unassigning examiners (GK1, GK2 …), and the automatic plan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.access import users
from lib.access.identity import AuthorMatcher
from lib.access.permissions import can_assign, why_cannot_assign
from lib.core import audit
from lib.core.db import Connection, registered, transaction, transactional
from lib.core.errors import Invalid
from lib.core.text import fold
from lib.scoring.conflicts import AUTHOR_REASON, conflict_reason, recorded_reason
from lib.scoring.council import require_examiner, split_fields
from lib.scoring.entries import Entry, authors_of, entry_list, require_entry
from lib.scoring.rounds import Round, require_round


def gk_label(ord_: int) -> str:
    """GK1, GK2, GK3 …"""
    return f"GK{ord_}"


def assignment_snapshot(examiner: str, ord_: int) -> dict[str, str]:
    """An assignment as its audit entries record it (the one shape, also for batch writes)."""
    return {"examiner": examiner, "order": gk_label(ord_)}


def assign_problem(con: Connection, e: Entry, r: Round, examiner: str) -> str | None:
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


def _insert_assignment(con: Connection, e: Entry, examiner: str, actor: str) -> int:
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


@transactional
def assign(con: Connection, entry_id: int, examiner: str, actor: str) -> int:
    """Assign an examiner to an entry as the next GK; refused with the reason if not allowed."""
    e = require_entry(con, entry_id)
    problem = assign_problem(con, e, require_round(con, e.round_id), examiner)
    if problem:
        raise Invalid({"examiner": problem})
    return _insert_assignment(con, e, examiner, actor)


def unassign(con: Connection, entry_id: int, examiner: str, actor: str) -> None:
    """Remove an assignment whose sheet holds nothing yet; a sheet with scores never moves."""
    with transaction(con):
        e = require_entry(con, entry_id)
        r = require_round(con, e.round_id)
        if not can_assign(r):
            raise Invalid({"state": f"Đợt chấm {r.state_label.lower()}: không sửa phân công."})
        row = con.execute(
            "SELECT ord FROM assignments WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        ).fetchone()
        if row is None:
            raise Invalid({"examiner": f"{examiner} không được phân công chấm {e.code}."})
        sheet = con.execute(
            "SELECT s.id, s.status, s.comment, (SELECT count(*) FROM scores sc "
            "WHERE sc.sheet_id = s.id) FROM sheets s WHERE s.entry_id = ? AND s.examiner = ?",
            [entry_id, examiner],
        ).fetchone()
        if sheet is not None:
            if sheet[1] == "submitted" or sheet[2] or sheet[3]:
                raise Invalid(
                    {"examiner": f"Phiếu của {examiner} cho {e.code} đã có điểm hoặc nhận xét: "
                     "không bỏ phân công được."}
                )  # fmt: skip
            con.execute("DELETE FROM sheets WHERE id = ?", [sheet[0]])
        con.execute(
            "DELETE FROM assignments WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        )
        audit.record(con, actor, "unassign", "assignment", f"{e.round_id}:{e.code}:{examiner}",
                     assignment_snapshot(examiner, int(row[0])), None)  # fmt: skip


def assignments(con: Connection, round_id: int) -> pd.DataFrame:
    """Every assignment of the round: entry_id, code, title, field, examiner, full_name, ord,
    gk, sheet_status (none, draft, submitted), withdrawn."""
    df = con.execute(
        "SELECT a.entry_id, e.code, e.title, e.field, a.examiner, p.full_name, a.ord, "
        "       coalesce(s.status, 'none') AS sheet_status, e.withdrawn, "
        "       (s.id IS NOT NULL AND (s.status = 'submitted' OR s.comment <> '' OR EXISTS "
        "        (SELECT 1 FROM scores sc WHERE sc.sheet_id = s.id))) AS has_scores "
        "FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "JOIN users u ON u.username = a.examiner JOIN people p ON p.id = u.person_id "
        "LEFT JOIN sheets s ON s.entry_id = a.entry_id AND s.examiner = a.examiner "
        "WHERE e.round_id = ? ORDER BY e.code, a.ord",
        [round_id],
    ).df()
    df["gk"] = df["ord"].map(lambda o: gk_label(int(o)))
    return df


SHEET_WORDS = {"none": "chưa chấm", "draft": "đang chấm", "submitted": "đã nộp"}
# More entries than this in the grid: pages show it a page at a time, counts, and a file.
GRID_INLINE = 300
GRID_PAGE = 100


def assignment_counts(current: pd.DataFrame, kept: Iterable[int], per_entry: int) -> dict[str, int]:
    """assignments() counted: entries (with an examiner), sheets, sheets per state (none, draft,
    submitted; without scores is none, as in the grid) and kept entries short of per_entry."""
    state = current["sheet_status"].where(current["has_scores"].astype(bool), "none")
    per = current.groupby("entry_id").size()
    short = sum(1 for entry_id in kept if per.get(entry_id, 0) < per_entry)
    return {"entries": int(current["entry_id"].nunique()), "sheets": len(current),
            **{s: int((state == s).sum()) for s in SHEET_WORDS}, "short": short}  # fmt: skip


def assignment_grid(current: pd.DataFrame) -> pd.DataFrame:
    """assignments() as one row an entry (their order): Mã, Tên SKKN, then GK1, GK2… holding
    "name (sheet state)", "" where the entry has no such GK. A sheet without scores is not
    started, whatever its row says."""
    ords = sorted({int(o) for o in current["ord"]})
    columns = ["Mã", "Tên SKKN"] + [gk_label(o) for o in ords]
    # Filled as one array: a city round has 12,500 assignments, a dict per cell cost ~0.1 s.
    row, codes = pd.factorize(current["code"].to_numpy(dtype=object))
    column = np.searchsorted(np.asarray(ords, dtype=np.int64), current["ord"].to_numpy())
    state = np.where(current["has_scores"].to_numpy(dtype=bool),
                     current["sheet_status"].to_numpy(dtype=object), "none")  # fmt: skip
    grid = np.full((len(codes), len(ords)), "", dtype=object)
    grid[row, column] = [f"{name} ({SHEET_WORDS[s]})"
                         for name, s in zip(current["full_name"].tolist(), state.tolist(),
                                            strict=True)]  # fmt: skip
    titles = np.empty(len(codes), dtype=object)
    titles[row] = current["title"].to_numpy(dtype=object)  # the same title on each row of an entry
    out = pd.DataFrame({"Mã": np.asarray(codes, dtype=object), "Tên SKKN": titles})
    for i, gk in enumerate(columns[2:]):
        out[gk] = grid[:, i]
    return out


@dataclass(frozen=True)
class Proposal:
    """One assignment the automatic plan suggests."""

    entry_id: int
    code: str
    title: str
    examiner: str
    examiner_name: str
    ord: int
    same_field: bool


@dataclass
class AutoPlan:
    """The automatic assignment shown for confirmation: proposals, problems, loads after."""

    proposals: list[Proposal]
    problems: list[str]
    loads: dict[str, int]

    def table(self) -> pd.DataFrame:
        """The proposals as a table for the confirmation screen."""
        return pd.DataFrame(
            {
                "code": [p.code for p in self.proposals],
                "title": [p.title for p in self.proposals],
                "gk": [gk_label(p.ord) for p in self.proposals],
                "examiner": [p.examiner for p in self.proposals],
                "examiner_name": [p.examiner_name for p in self.proposals],
                "same_field": [p.same_field for p in self.proposals],
            }
        )


def propose_assignments(con: Connection, round_id: int) -> AutoPlan:
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
        "SELECT x.examiner, x.fields, p.full_name, u.password_hash IS NOT NULL, u.person_id "
        "FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall() if row[0] in may_examine]  # fmt: skip
    locked_out = [n for _, _, n, has_password, _ in council if not has_password]
    council = [(u, fs, n, pid) for u, fs, n, has_password, pid in council if has_password]
    names = {u: n for u, _, n, _ in council}
    fields = {u: {fold(f) for f in split_fields(fs)} for u, fs, _, _ in council}
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
    # conflict_reason for every entry and examiner at once: one query a pair took 15 minutes
    # on a city round (5,000 entries, 200 examiners).
    barred: dict[int, set[str]] = {}
    for entry_id, examiner in con.execute(
        "SELECT c.entry_id, c.examiner FROM conflicts c JOIN entries e ON e.id = c.entry_id "
        "WHERE e.round_id = ?",
        [round_id],
    ).fetchall():
        barred.setdefault(int(entry_id), set()).add(examiner)
    writers = AuthorMatcher((u, int(pid), n) for u, _, n, pid in council)
    eligible = {}
    for e in todo:
        out = barred.get(e.id, set()) | set(writers.writers(e.authors)) | set(current.get(e.id, {}))
        eligible[e.id] = [u for u in names if u not in out]
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
    knowers: dict[str, set[str]] = {}  # who knows a field, by its folded name
    for e in todo:
        have = current.get(e.id, {})
        need = r.examiners_per_entry - len(have)
        used_ords = set(have.values())
        candidates = list(eligible[e.id])
        field = fold(e.field)
        if field not in knowers:
            knowers[field] = {u for u in names if field and field in fields[u]}
        knowing = knowers[field]
        for _ in range(max(need, 0)):
            if not candidates:
                problems.append(
                    f"{e.code}: chỉ có {r.examiners_per_entry - need}/{r.examiners_per_entry} "
                    "giám khảo (những người còn lại là tác giả, có xung đột hoặc đã được phân "
                    "công)."
                )
                break
            least = min(map(loads.__getitem__, candidates))
            # Usernames are unique, so the tuple order is the (knows, load, username) key's.
            _, load, pick = min(
                [(u not in knowing, loads[u], u) for u in candidates if loads[u] <= least + 1]
            )
            ord_ = min(set(range(1, 10)) - used_ords)
            used_ords.add(ord_)
            candidates.remove(pick)
            loads[pick] = load + 1
            need -= 1
            proposals.append(
                Proposal(e.id, e.code, e.title, pick, names[pick], ord_, pick in knowing)
            )
    proposals.sort(key=lambda p: (p.code, p.ord))
    return AutoPlan(proposals, problems, loads)


def _planned_rows(
    con: Connection, r: Round, proposals: Sequence[Proposal]
) -> list[tuple[int, str, str, int]]:
    """The proposals checked in order as assign would check each after writing those before it:
    (entry_id, code, examiner, ord) to write, or Invalid with every problem."""
    ids = list(dict.fromkeys(int(p.entry_id) for p in proposals))
    wanted = list(dict.fromkeys(p.examiner for p in proposals))
    entries = {
        int(i): (int(rid), str(code), bool(withdrawn))
        for i, rid, code, withdrawn in con.execute(
            "SELECT id, round_id, code, withdrawn FROM entries WHERE id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
    }
    active = {str(u) for (u,) in con.execute(
        "SELECT u.username " + users.ACTIVE_EXAMINERS + " AND u.username IN (SELECT unnest(?))",
        [wanted],
    ).fetchall()}  # fmt: skip
    not_examiner: dict[str, str] = {}
    for u in wanted:
        if u not in active:
            try:
                require_examiner(con, u)
            except Invalid as exc:
                not_examiner[u] = exc.messages[0]
    writers = AuthorMatcher(
        (str(u), int(pid), n)
        for u, pid, n in con.execute(
            "SELECT u.username, u.person_id, p.full_name FROM users u "
            "JOIN people p ON p.id = u.person_id WHERE u.username IN (SELECT unnest(?))",
            [wanted],
        ).fetchall()
    )
    authors = authors_of(con, [i for i in ids if i in entries])
    recorded = {
        (int(entry_id), str(examiner)): recorded_reason(kind, note)
        for entry_id, examiner, kind, note in con.execute(
            "SELECT entry_id, examiner, kind, note FROM conflicts "
            "WHERE entry_id IN (SELECT unnest(?))",
            [ids],
        ).fetchall()
    }
    assigned: set[tuple[int, str]] = set()
    top: dict[int, int] = {}
    for entry_id, examiner, ord_ in con.execute(
        "SELECT entry_id, examiner, ord FROM assignments WHERE entry_id IN (SELECT unnest(?))",
        [ids],
    ).fetchall():
        assigned.add((int(entry_id), str(examiner)))
        top[int(entry_id)] = max(top.get(int(entry_id), 0), int(ord_))
    refused = why_cannot_assign(r)
    written: dict[int, set[str]] = {}
    errors: dict[str, str] = {}
    rows: list[tuple[int, str, str, int]] = []
    for i, p in enumerate(proposals):
        entry_id, u = int(p.entry_id), p.examiner
        if entry_id not in entries:
            raise Invalid({"entry": f"Không có SKKN số {p.entry_id}."})
        round_id, code, withdrawn = entries[entry_id]
        if round_id != r.id:
            errors[f"p{i}"] = f"{code} không thuộc đợt chấm này."
            continue
        if entry_id not in written:
            written[entry_id] = set(writers.writers(authors[entry_id]))
        reason = AUTHOR_REASON if u in written[entry_id] else recorded.get((entry_id, u))
        problem = (
            refused
            or (f"{code} đã rút, không phân công được." if withdrawn else None)
            or not_examiner.get(u)
            or (f"Không phân công {u} chấm {code}: {u} {reason}." if reason else None)
            or (f"{u} đã được phân công chấm {code}." if (entry_id, u) in assigned else None)
        )
        if problem:
            errors[f"p{i}"] = problem
            continue
        ord_ = top.get(entry_id, 0) + 1
        if ord_ > 9:
            raise Invalid({"examiner": f"{code} đã có quá nhiều giám khảo."})
        top[entry_id] = ord_
        assigned.add((entry_id, u))
        rows.append((entry_id, code, u, ord_))
    if errors:
        raise Invalid(errors)
    return rows


def apply_assignments(
    con: Connection, round_id: int, proposals: Sequence[Proposal], actor: str
) -> int:
    """Write confirmed proposals, all or nothing (each checked again); return how many."""
    with transaction(con):
        r = require_round(con, round_id)
        rows = _planned_rows(con, r, proposals)
        if not rows:
            return len(proposals)
        # The rows, council members and audit entries assign() writes one by one, in its order.
        batch = pd.DataFrame(rows, columns=["entry_id", "code", "examiner", "ord"])
        batch["pos"] = np.arange(len(batch))
        batch["entity_id"] = [f"{r.id}:{code}:{u}" for _, code, u, _ in rows]
        snapshots = {pair: audit.as_json(assignment_snapshot(*pair))
                     for pair in {(u, o) for _, _, u, o in rows}}  # fmt: skip
        batch["after"] = [snapshots[(u, o)] for _, _, u, o in rows]
        insert_assignments(con, r.id, batch, actor)
        audit.record_rows(con, actor, "assign", "assignment",
                          "SELECT entity_id, NULL AS before, after FROM batch ORDER BY pos",
                          batch=batch)  # fmt: skip
    return len(proposals)


def insert_assignments(con: Connection, round_id: int, rows: pd.DataFrame, actor: str) -> None:
    """Store assignments already checked (entry_id, examiner, ord, and pos: their order), each
    examiner also a member of the round's council, one statement each."""
    with registered(con, _assign_in=rows):
        con.execute(
            "INSERT INTO assignments (entry_id, examiner, ord, assigned_by) "
            "SELECT entry_id, examiner, ord, ? FROM _assign_in ORDER BY pos",
            [actor],
        )
        con.execute(
            "INSERT INTO round_examiners (round_id, examiner) SELECT ?, examiner "
            "FROM _assign_in GROUP BY examiner ORDER BY min(pos) ON CONFLICT DO NOTHING",
            [round_id],
        )


def auto_assign(con: Connection, round_id: int, actor: str) -> AutoPlan:
    """Plan and write the missing assignments at once (the command line's --auto)."""
    plan = propose_assignments(con, round_id)
    apply_assignments(con, round_id, plan.proposals, actor)
    return plan
