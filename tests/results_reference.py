"""The simple results, entry by entry: the reference the batch pass in lib.scoring must
agree with on every entry (mean, section means, grades, third-examiner flag, status).

This is the per-entry rule as lib.scoring computed it before the vectorized pass (issue 16):
each entry's submitted sheets summed per section, then combined with Decimal arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from lib.core.db import Connection
from lib.scoring import results
from lib.scoring.authors import authors_text
from lib.scoring.entries import entry_list
from lib.scoring.rounds import Round, require_round
from lib.scoring.rubric import Rubric, grade_of
from lib.scoring.stats import disagreement, plain, round_half_up


@dataclass
class EntryResult:
    """The combined result of the submitted sheets of one entry."""

    n_sheets: int
    totals: list[Decimal] = field(default_factory=list)
    mean_total: Decimal | None = None
    section_means: dict[str, Decimal] = field(default_factory=dict)
    grade: str | None = None
    needs_third: bool = False
    reason: str | None = None


def entry_result_of_sections(r: Rubric, per_sheet: list[Mapping[str, Decimal]]) -> EntryResult:
    """Combine the submitted sheets of one entry, each as its points per section (as SQL sums
    them): rounded means, grade, third-examiner flag."""
    if not per_sheet:
        return EntryResult(n_sheets=0)
    zero = Decimal(0)
    codes = [s.code for s in r.sections]
    per_sheet = [{c: per.get(c, zero) for c in codes} for per in per_sheet]
    totals = [sum(s.values(), zero) for s in per_sheet]
    n = len(per_sheet)
    mean_total = round_half_up(sum(totals, zero) / n)
    section_means = {c: round_half_up(sum((t[c] for t in per_sheet), zero) / n) for c in codes}
    reason = None
    if n == 2:
        grades = [grade_of(r, total, t) for total, t in zip(totals, per_sheet, strict=True)]
        reason = disagreement(r, totals[0], grades[0], totals[1], grades[1])
    return EntryResult(
        n_sheets=n,
        totals=totals,
        mean_total=mean_total,
        section_means=section_means,
        grade=grade_of(r, mean_total, section_means),
        needs_third=reason is not None,
        reason=reason,
    )


def _submitted_sections(con: Connection, r: Round) -> dict[int, dict[str, dict[str, Decimal]]]:
    """entry_id -> examiner -> {section: points} for every submitted sheet of the round.

    DuckDB sums each sheet's points per section: moving every score row into Python cost
    seconds at city scale (hundreds of thousands of rows per round)."""
    codes = [c.code for c in r.rubric.criteria]
    found: dict[int, dict[str, dict[str, Decimal]]] = {}
    for entry_id, examiner, section, criterion, points in con.execute(
        "SELECT s.entry_id, s.examiner, m.section, "
        "       CASE WHEN m.section IS NULL THEN sc.criterion END, sum(sc.value) "
        "FROM sheets s JOIN entries e ON e.id = s.entry_id JOIN scores sc ON sc.sheet_id = s.id "
        "LEFT JOIN (SELECT unnest(?::VARCHAR[]) AS criterion, unnest(?::VARCHAR[]) AS section) m "
        "  ON m.criterion = sc.criterion "
        "WHERE e.round_id = ? AND s.status = 'submitted' AND sc.value IS NOT NULL "
        "GROUP BY ALL",
        [codes, [c.section for c in r.rubric.criteria], r.id],
    ).fetchall():
        if section is None:  # only a rubric edited under stored scores could leave one behind
            raise ValueError(f"Tiêu chí không có trong phiếu chấm: {criterion}")
        found.setdefault(int(entry_id), {}).setdefault(examiner, {})[section] = plain(points)
    # A submitted sheet always has every criterion, but keep one with none out of the maths.
    return found


def reference_results(con: Connection, round_id: int) -> pd.DataFrame:
    """results.results() as it was written before the batch pass, entry by entry: one row per
    entry of the round (withdrawn ones included, marked), by code.

    Columns: entry_id, code, title, authors ("A (60%); B (40%)"), field, group_name,
    withdrawn, n_assigned, n_sheets (submitted), examiners (usernames in GK order), totals
    (list, one per GK, None when not submitted), gk1_total, gk2_total, gk3_total (Decimal or
    None), mean_total (Decimal rounded half-up to 2 places, None without sheets),
    section_means (dict), computed_grade (from the rubric), grade (after override),
    overridden, override_reason, override_by, needs_third, reason (why), unsettled (needs a
    third sheet or the chair's decision), status (Vietnamese), is_demo."""
    r = require_round(con, round_id)
    rubric = r.rubric
    scores = _submitted_sections(con, r)
    overrides = results._overrides(con, round_id)
    order: dict[int, list[str]] = {}
    for entry_id, examiner in con.execute(
        "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "WHERE e.round_id = ? ORDER BY a.entry_id, a.ord",
        [round_id],
    ).fetchall():
        order.setdefault(int(entry_id), []).append(examiner)
    records = []
    for e in entry_list(con, round_id):
        examiners = order.get(e.id, [])
        by_examiner = scores.get(e.id, {})
        # Sheets in GK order; a sheet whose examiner was since unassigned still counts, last.
        sheet_owners = [x for x in examiners if x in by_examiner]
        sheet_owners += sorted(x for x in by_examiner if x not in examiners)
        sheets = [by_examiner[x] for x in sheet_owners]
        res = entry_result_of_sections(rubric, sheets)
        per_gk: list[Decimal | None] = [
            sum(by_examiner[x].values(), Decimal(0)) if x in by_examiner else None
            for x in examiners
        ]
        override = overrides.get(e.id)
        overridden = override is not None and override[0] is not None
        grade = override[0] if overridden and override else res.grade
        if e.withdrawn:
            grade = None
        needs_third = bool(res.needs_third) and not e.withdrawn
        unsettled = needs_third and not overridden
        if e.withdrawn:
            status = results.WITHDRAWN
        elif not examiners and not sheets:
            status = results.UNASSIGNED
        elif needs_third:
            status = results.DECIDED if overridden else (
                results.WAITING_THIRD if len(examiners) >= 3 else results.NEEDS_THIRD
            )  # fmt: skip
        elif res.n_sheets == 0:
            status = results.NO_SHEET
        elif res.n_sheets < max(len(examiners), r.examiners_per_entry):
            status = (
                f"{results.SCORING} ({res.n_sheets}/{max(len(examiners), r.examiners_per_entry)})"
            )
        else:
            status = results.DONE
        records.append(
            {
                "entry_id": e.id, "code": e.code, "title": e.title,
                "authors": authors_text(e.authors), "field": e.field,
                "group_name": e.group_name, "withdrawn": e.withdrawn,
                "n_assigned": len(examiners), "n_sheets": res.n_sheets,
                "examiners": examiners, "totals": per_gk,
                "gk1_total": per_gk[0] if len(per_gk) > 0 else None,
                "gk2_total": per_gk[1] if len(per_gk) > 1 else None,
                "gk3_total": per_gk[2] if len(per_gk) > 2 else None,
                "mean_total": None if e.withdrawn else res.mean_total,
                "section_means": res.section_means, "computed_grade": res.grade,
                "grade": grade, "overridden": overridden and not e.withdrawn,
                "override_reason": override[1] if overridden and override else "",
                "override_by": override[2] if overridden and override else "",
                "needs_third": needs_third, "reason": res.reason or "",
                "unsettled": unsettled, "status": status, "is_demo": e.is_demo,
            }
        )  # fmt: skip
    # object columns keep None as None (pandas would turn a text column's None into NaN)
    df = pd.DataFrame(records, columns=results.RESULT_COLUMNS, dtype=object)
    return df.astype(
        {"entry_id": int, "n_assigned": int, "n_sheets": int, "withdrawn": bool,
         "overridden": bool, "needs_third": bool, "unsettled": bool, "is_demo": bool}
    )  # fmt: skip
