"""Results of a round: per-entry means and grades, disagreements, overrides, progress, sheets.

Only submitted sheets count. The mean of the submitted totals is rounded half-up to two
decimals (lib.scoring.stats), the grade comes from the rubric applied to the means, and two sheets
whose grades differ or whose totals are further apart than the round's max gap mark the
entry "cần giám khảo thứ 3". A grade the chair overrides is shown as such, with the reason.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd

from lib.access.permissions import can_override_grade, why_cannot_override
from lib.access.users import get_user
from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc
from lib.scoring import stats
from lib.scoring.assignment import gk_label
from lib.scoring.authors import Author, authors_text
from lib.scoring.council import round_examiners
from lib.scoring.entries import authors_of, require_entry
from lib.scoring.meetings import override_facts
from lib.scoring.rounds import Round, require_round
from lib.scoring.rubric import NO_GRADE, grade_for, section_totals
from lib.scoring.stats import plain, round_half_up

# Entry status words (derived, never stored).
WITHDRAWN = "Đã rút"
UNASSIGNED = "Chưa phân công"
NO_SHEET = "Chưa có phiếu"
SCORING = "Đang chấm"
NEEDS_THIRD = "Cần giám khảo thứ 3"
WAITING_THIRD = "Chờ phiếu giám khảo thứ 3"
DECIDED = "Chủ tịch HĐ đã quyết định"
DONE = "Đã chấm xong"

RESULT_COLUMNS = [
    "entry_id", "code", "title", "authors", "field", "group_name", "withdrawn", "n_assigned",
    "n_sheets", "examiners", "totals", "gk1_total", "gk2_total", "gk3_total", "mean_total",
    "section_means", "computed_grade", "grade", "overridden", "override_reason", "override_by",
    "needs_third", "reason", "unsettled", "status", "is_demo",
]  # fmt: skip


def _overrides(con: Connection, round_id: int) -> dict[int, tuple[str | None, str, str]]:
    """The latest override per entry: entry_id -> (grade or None if withdrawn, reason, by)."""
    rows = con.execute(
        "SELECT o.entry_id, o.grade, o.reason, o.created_by FROM grade_overrides o "
        "JOIN entries e ON e.id = o.entry_id WHERE e.round_id = ? ORDER BY o.id",
        [round_id],
    ).fetchall()
    latest: dict[int, tuple[str | None, str, str]] = {}
    for entry_id, grade, reason, by in rows:
        latest[int(entry_id)] = (grade, reason, by)
    return latest


def _entries(con: Connection, round_id: int) -> dict[str, list]:
    """The round's entries by code, as columns: id, code, title, field, group_name, withdrawn,
    is_demo, examiners (usernames in GK order), authors (lib.scoring.authors_text).

    Read as columns, not rows: a city round's thousands of row tuples and Author objects cost
    more, counting the garbage collections they set off, than the rest of the results."""
    got = con.execute(
        "SELECT id, code, title, field, group_name, withdrawn, is_demo FROM entries "
        "WHERE round_id = ? ORDER BY code",
        [round_id],
    ).fetchnumpy()
    columns = {name: values.tolist() for name, values in got.items()}
    examiners: dict[int, list[str]] = {}
    got = con.execute(
        "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "WHERE e.round_id = ? ORDER BY a.entry_id, a.ord",
        [round_id],
    ).fetchnumpy()
    for entry_id, examiner in zip(got["entry_id"].tolist(), got["examiner"].tolist(), strict=True):
        examiners.setdefault(entry_id, []).append(examiner)
    # By round, not by a list of ids (entries.authors_of): list_contains over thousands of ids
    # cost more than this. The share as text keeps it a Decimal (numpy would make it a float).
    got = con.execute(
        "SELECT ea.entry_id, ea.name, ea.share::VARCHAR AS share, ea.person_id "
        "FROM entry_authors ea JOIN entries e ON e.id = ea.entry_id WHERE e.round_id = ? "
        "ORDER BY ea.entry_id, ea.position",
        [round_id],
    ).fetchnumpy()
    ids, names, shares = got["entry_id"].tolist(), got["name"].tolist(), got["share"].tolist()
    people = got["person_id"].tolist()
    texts: dict[int, str] = {}
    start = 0
    for end in range(1, len(ids) + 1):
        if end == len(ids) or ids[end] != ids[start]:
            texts[ids[start]] = authors_text(
                Author(names[k], Decimal(shares[k]), people[k]) for k in range(start, end)
            )
            start = end
    columns["examiners"] = [examiners.get(i, []) for i in columns["id"]]
    columns["authors"] = [texts.get(i, "") for i in columns["id"]]
    return columns


@dataclass(frozen=True)
class _Sheets:
    """The round's submitted sheets, one row each, sheets of an entry together in GK order."""

    entry_id: np.ndarray
    examiner: list[str]
    points: np.ndarray  # points × stats.UNIT per section (one column per rubric section)
    places: list[int]  # decimals of the total as the sum of its section sums is written


def _submitted(con: Connection, r: Round) -> _Sheets:
    """Every submitted sheet of the round with its points per section, summed by DuckDB.

    GK order, then sheets of examiners since unassigned by username (they still count). A
    sheet counts once it has a point (a submitted sheet has every criterion, but one with none
    stays out of the maths)."""
    codes = [c.code for c in r.rubric.criteria]
    section_index = {s.code: i for i, s in enumerate(r.rubric.sections)}
    got = con.execute(
        "WITH m AS (SELECT unnest(?::VARCHAR[]) AS criterion, unnest(?::INTEGER[]) AS section), "
        "sheet AS (SELECT s.id, s.entry_id, s.examiner, a.ord FROM sheets s "
        "  JOIN entries e ON e.id = s.entry_id "
        "  LEFT JOIN assignments a ON a.entry_id = s.entry_id AND a.examiner = s.examiner "
        "  WHERE e.round_id = ? AND s.status = 'submitted') "
        "SELECT sheet.entry_id, sheet.id AS sheet_id, sheet.examiner, m.section, "
        "       (sum(sc.value) * ?)::BIGINT AS points, "
        "       min(CASE WHEN m.section IS NULL THEN sc.criterion END) AS unknown "
        "FROM sheet JOIN scores sc ON sc.sheet_id = sheet.id "
        "LEFT JOIN m ON m.criterion = sc.criterion WHERE sc.value IS NOT NULL "
        "GROUP BY sheet.entry_id, sheet.id, sheet.examiner, sheet.ord, m.section "
        "ORDER BY sheet.entry_id, sheet.ord NULLS LAST, sheet.examiner, m.section",
        [codes, [section_index[c.section] for c in r.rubric.criteria], r.id, stats.UNIT],
    ).df()
    unknown = got["unknown"].dropna()
    if len(unknown):  # only a rubric edited under stored scores could leave one behind
        raise ValueError(f"Tiêu chí không có trong phiếu chấm: {unknown.iloc[0]}")
    sheet_id = got["sheet_id"].to_numpy()
    starts = np.r_[True, sheet_id[1:] != sheet_id[:-1]] if len(sheet_id) else np.zeros(0, bool)
    row_sheet = np.cumsum(starts) - 1
    units = got["points"].to_numpy(dtype=np.int64)
    points = np.zeros((int(starts.sum()), len(section_index)), dtype=np.int64)
    points[row_sheet, got["section"].to_numpy(dtype=np.int64)] = units
    # The total is the sum of its section sums each written without padding zeros (stats.plain),
    # so it has as many decimals as the section sum with the most.
    decimals = 4 - sum((units % 10**k == 0).astype(np.int64) for k in range(1, 5))
    places = np.zeros(len(points), dtype=np.int64)
    np.maximum.at(places, row_sheet, decimals)
    return _Sheets(got["entry_id"].to_numpy()[starts], got["examiner"].to_numpy()[starts].tolist(),
                   points, places.tolist())  # fmt: skip


def results(con: Connection, round_id: int) -> pd.DataFrame:
    """One row per entry of the round (withdrawn ones included, marked), by code.

    Columns: entry_id, code, title, authors ("A (60%); B (40%)"), field, group_name,
    withdrawn, n_assigned, n_sheets (submitted), examiners (usernames in GK order), totals
    (list, one per GK, None when not submitted), gk1_total, gk2_total, gk3_total (Decimal or
    None), mean_total (Decimal rounded half-up to 2 places, None without sheets),
    section_means (dict), computed_grade (from the rubric), grade (after override),
    overridden, override_reason, override_by, needs_third, reason (why), unsettled (needs a
    third sheet or the chair's decision), status (Vietnamese), is_demo.

    The sheets are combined in one vectorized pass (lib.scoring.stats.combine): per entry in
    Python this cost ~300 ms for a city round; tests check it against the per-entry rule."""
    r = require_round(con, round_id)
    rubric = r.rubric
    e = _entries(con, round_id)
    sheets = _submitted(con, r)
    overrides = _overrides(con, round_id)
    # Each sheet's entry as its row: an index lookup, not a dict per sheet (12,500 at city).
    entry_of_sheet = pd.Index(e["id"]).get_indexer(sheets.entry_id).astype(np.int64)
    c = stats.combine(rubric, entry_of_sheet, sheets.points, len(e["id"]))
    codes = [s.code for s in rubric.sections]
    # Decimals made once per distinct value: a round's totals and means repeat a few hundred.
    cents = functools.cache(lambda v: Decimal(v).scaleb(-2))
    grade_of = functools.cache(lambda index: stats.grade_name(rubric, index))
    written = functools.cache(
        lambda units, places: Decimal(units // 10 ** (4 - places)).scaleb(-places)
    )
    sheet_totals = [written(t, p) for t, p in zip(c.sheet_total.tolist(), sheets.places,
                                                  strict=True)]  # fmt: skip
    out: dict[str, list] = {name: [] for name in RESULT_COLUMNS}
    out.update({"entry_id": e["id"], "code": e["code"], "title": e["title"],
                "authors": e["authors"], "field": e["field"], "group_name": e["group_name"],
                "withdrawn": e["withdrawn"], "examiners": e["examiners"],
                "is_demo": e["is_demo"]})  # fmt: skip
    rows = zip(e["id"], e["withdrawn"], e["examiners"], c.n_sheets.tolist(), c.first.tolist(),
               c.mean_cents.tolist(), c.section_cents.tolist(), c.grade.tolist(),
               c.needs_third.tolist(), strict=True)  # fmt: skip
    for eid, withdrawn, examiners, n, first, mean, sections, grade_index, flagged in rows:
        computed = grade_of(grade_index) if n else None
        reason = ""
        if flagged:  # the rule's own words for the two sheets it compared
            reason = stats.disagreement(
                rubric, sheet_totals[first], grade_of(int(c.sheet_grade[first])),
                sheet_totals[first + 1], grade_of(int(c.sheet_grade[first + 1])),
            ) or ""  # fmt: skip
        owners = sheets.examiner[first : first + n]
        per_gk = [sheet_totals[first + owners.index(x)] if x in owners else None
                  for x in examiners]  # fmt: skip
        override = overrides.get(eid)
        overridden = override is not None and override[0] is not None and not withdrawn
        needs_third = flagged and not withdrawn
        needed = max(len(examiners), r.examiners_per_entry)
        if withdrawn:
            status = WITHDRAWN
        elif not examiners and not n:
            status = UNASSIGNED
        elif needs_third:
            status = DECIDED if overridden else (
                WAITING_THIRD if len(examiners) >= 3 else NEEDS_THIRD
            )  # fmt: skip
        elif n == 0:
            status = NO_SHEET
        elif n < needed:
            status = f"{SCORING} ({n}/{needed})"
        else:
            status = DONE
        out["n_assigned"].append(len(examiners))
        out["n_sheets"].append(n)
        out["totals"].append(per_gk)
        for k in (1, 2, 3):
            out[f"gk{k}_total"].append(per_gk[k - 1] if len(per_gk) >= k else None)
        out["mean_total"].append(None if withdrawn or not n else cents(mean))
        out["section_means"].append(dict(zip(codes, map(cents, sections), strict=True))
                                    if n else {})  # fmt: skip
        out["computed_grade"].append(computed)
        out["grade"].append(None if withdrawn else override[0] if overridden else computed)
        out["overridden"].append(overridden)
        out["override_reason"].append(override[1] if overridden else "")
        out["override_by"].append(override[2] if overridden else "")
        out["needs_third"].append(needs_third)
        out["reason"].append(reason)
        out["unsettled"].append(needs_third and not overridden)
        out["status"].append(status)
    # object columns keep None as None (pandas would turn a text column's None into NaN)
    df = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()})
    return df.astype(
        {"entry_id": int, "n_assigned": int, "n_sheets": int, "withdrawn": bool,
         "overridden": bool, "needs_third": bool, "unsettled": bool, "is_demo": bool}
    )  # fmt: skip


def unsettled(con: Connection, round_id: int, df: pd.DataFrame | None = None) -> list[str]:
    """Codes of kept entries flagged "cần giám khảo thứ 3" with no third sheet or decision.

    df is the round's results() when the caller already has them (read in the same run)."""
    df = results(con, round_id) if df is None else df
    return df.loc[df["unsettled"], "code"].tolist()


def unscored(df: pd.DataFrame) -> list[str]:
    """Codes of kept entries of these results() with neither a submitted sheet nor a chair's
    recorded decision: nothing a published grade could rest on."""
    return df.loc[~df["withdrawn"] & (df["n_sheets"] == 0) & ~df["overridden"], "code"].tolist()


def grade_choices(r: Round) -> list[str]:
    """The grades the chair may give: the rubric's, then "Không xếp loại"."""
    return [g.grade for g in r.rubric.grades] + [NO_GRADE]


def set_override(
    con: Connection, entry_id: int, grade: str | None, reason: str, actor: str
) -> None:
    """The chair sets an entry's grade (or, with None, withdraws the override), with a reason."""
    with transaction(con):
        e = require_entry(con, entry_id)
        r = require_round(con, e.round_id)
        errors: dict[str, str] = {}
        if not can_override_grade(r):
            errors["state"] = "Kết quả đã công bố: mở lại đợt chấm để điều chỉnh xếp loại."
        if e.withdrawn:
            errors["entry"] = f"{e.code} đã rút."
        if grade is not None and grade not in grade_choices(r):
            errors["grade"] = (
                f"Xếp loại '{grade}' không có trong mẫu phiếu (chỉ nhận: "
                f"{', '.join(grade_choices(r))})."
            )
        reason = nfc(reason or "")
        if not reason:
            errors["reason"] = "Hãy ghi lý do (quyết định của Chủ tịch HĐ được lưu lại)."
        facts = override_facts(con, entry_id, actor)
        if problem := why_cannot_override(get_user(con, actor), facts):
            errors["actor"] = problem
        if errors:
            raise Invalid(errors)
        before = _overrides(con, r.id).get(entry_id)
        con.execute(
            "INSERT INTO grade_overrides (entry_id, grade, reason, created_by) VALUES (?, ?, ?, ?)",
            [entry_id, grade, reason, actor],
        )
        audit.record(con, actor, "override", "grade_override", f"{r.id}:{e.code}",
                     {"grade": before[0], "reason": before[1]} if before else None,
                     {"grade": grade, "reason": reason})  # fmt: skip


def progress_by_examiner(con: Connection, round_id: int) -> pd.DataFrame:
    """Per council member: username, full_name, assigned, submitted, drafts, not_started,
    percent (submitted of assigned, kept entries only)."""
    df = round_examiners(con, round_id)
    out = pd.DataFrame(
        {
            "username": df["username"],
            "full_name": df["full_name"],
            "assigned": df["n_assigned"].astype(int),
            "submitted": df["n_submitted"].astype(int),
            "drafts": df["n_drafts"].astype(int),
        }
    )
    out["not_started"] = out["assigned"] - out["submitted"] - out["drafts"]
    out["percent"] = [
        int(round_half_up(Decimal(100 * s) / a, 0)) if a else 0
        for s, a in zip(out["submitted"], out["assigned"], strict=True)
    ]
    return out


def progress_by_entry(con: Connection, round_id: int) -> pd.DataFrame:
    """Per kept entry: entry_id, code, title, assigned, submitted, needed (the round's number
    of examiners, or more when a third was assigned)."""
    r = require_round(con, round_id)
    # Each table counted once for the round's entries, not a subquery per entry over the whole
    # table (city: 17 → 13 ms).
    df = con.execute(
        "WITH a AS (SELECT a.entry_id, count(*) AS n FROM assignments a "
        "           JOIN entries e ON e.id = a.entry_id WHERE e.round_id = $round GROUP BY 1), "
        "     s AS (SELECT s.entry_id, count(*) AS n FROM sheets s "
        "           JOIN entries e ON e.id = s.entry_id "
        "           WHERE e.round_id = $round AND s.status = 'submitted' GROUP BY 1) "
        "SELECT e.id AS entry_id, e.code, e.title, coalesce(a.n, 0) AS assigned, "
        "       coalesce(s.n, 0) AS submitted "
        "FROM entries e LEFT JOIN a ON a.entry_id = e.id LEFT JOIN s ON s.entry_id = e.id "
        "WHERE e.round_id = $round AND NOT e.withdrawn ORDER BY e.code",
        {"round": round_id},
    ).df()
    df["needed"] = [max(int(a), r.examiners_per_entry) for a in df["assigned"]]
    return df


def progress_table(con: Connection, round_id: int) -> pd.DataFrame:
    """progress_by_entry as a file to download: Vietnamese headers, one row a kept entry."""
    df = progress_by_entry(con, round_id)
    return pd.DataFrame(
        {
            "Mã SKKN": df["code"],
            "Tên SKKN": df["title"],
            "Phiếu đã nộp": df["submitted"],
            "Phiếu cần": df["needed"],
            "Giám khảo được phân công": df["assigned"],
        }
    )


@dataclass(frozen=True)
class SheetScores:
    """A sheet with its points, for printing and for fellow examiners after closing."""

    sheet_id: int
    entry_id: int
    code: str
    title: str
    authors: str
    examiner: str
    examiner_name: str
    ord: int | None
    status: str
    submitted_at: datetime | None
    scores: dict[str, Decimal | None]
    comments: dict[str, str]
    overall: str
    total: Decimal
    section_totals: dict[str, Decimal]
    grade: str

    @property
    def gk(self) -> str:
        """GK1, GK2 … (empty if the examiner was unassigned)."""
        return gk_label(self.ord) if self.ord else ""


_SHEETS_FROM = (
    "FROM sheets s JOIN entries e ON e.id = s.entry_id "
    "JOIN users u ON u.username = s.examiner JOIN people p ON p.id = u.person_id "
    "LEFT JOIN assignments a ON a.entry_id = s.entry_id AND a.examiner = s.examiner "
    "WHERE e.round_id = ?"
)


# More entries than this: pages pick a sheet by its SKKN first, not from every sheet at once.
PICKER_INLINE = 300


def sheet_list(
    con: Connection, round_id: int, *, include_drafts: bool = False, entry_id: int | None = None
) -> pd.DataFrame:
    """The round's (or one entry's) submitted and optionally draft sheets without their points,
    in the order of submitted_sheets: sheet_id, code, gk, examiner, examiner_name, status —
    for pickers."""
    sql = (
        "SELECT s.id AS sheet_id, e.code, coalesce('GK' || a.ord::VARCHAR, '') AS gk, "
        "       s.examiner, p.full_name AS examiner_name, s.status " + _SHEETS_FROM
    )
    params: list[object] = [round_id]
    if not include_drafts:
        sql += " AND s.status = 'submitted'"
    if entry_id is not None:
        sql += " AND s.entry_id = ?"
        params.append(entry_id)
    return con.execute(sql + " ORDER BY e.code, coalesce(a.ord, 99), s.id", params).df()


def submitted_sheets(
    con: Connection,
    round_id: int,
    *,
    entry_id: int | None = None,
    examiner: str | None = None,
    include_drafts: bool = False,
    sheet_id: int | None = None,
) -> list[SheetScores]:
    """Each submitted sheet of the round (optionally one entry's, one examiner's or one sheet),
    by entry code then GK order, with scores, comments, total, section totals and its grade."""
    r = require_round(con, round_id)
    sql = (
        "SELECT s.id, s.entry_id, e.code, e.title, s.examiner, p.full_name, a.ord, s.status, "
        "       s.submitted_at, s.comment " + _SHEETS_FROM
    )
    params: list[object] = [round_id]
    if not include_drafts:
        sql += " AND s.status = 'submitted'"
    for column, value in (("s.entry_id", entry_id), ("s.examiner", examiner), ("s.id", sheet_id)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    rows = con.execute(sql + " ORDER BY e.code, coalesce(a.ord, 99), s.id", params).fetchall()
    if not rows:
        return []
    points: dict[int, dict[str, Decimal | None]] = {}
    notes: dict[int, dict[str, str]] = {}
    for sheet_id, criterion, value, comment in con.execute(
        "SELECT sheet_id, criterion, value, comment FROM scores WHERE list_contains(?, sheet_id)",
        [[int(row[0]) for row in rows]],
    ).fetchall():
        points.setdefault(int(sheet_id), {})[criterion] = plain(value)
        if comment:
            notes.setdefault(int(sheet_id), {})[criterion] = comment
    authors = authors_of(con, sorted({int(row[1]) for row in rows}))
    found = []
    for sid, eid, code, title, username, name, ord_, status, at, overall in rows:
        values = points.get(int(sid), {})
        filled = {k: v for k, v in values.items() if v is not None}
        sections = section_totals(r.rubric, filled)
        total = sum(sections.values(), Decimal(0))
        found.append(
            SheetScores(
                int(sid), int(eid), code, title, authors_text(authors[int(eid)]),
                username, name, int(ord_) if ord_ is not None else None, status, at,
                {c.code: values.get(c.code) for c in r.rubric.criteria},
                notes.get(int(sid), {}), overall, total, sections,
                grade_for(r.rubric, total, sections),
            )
        )  # fmt: skip
    return found


def headline_counts(
    con: Connection, round_id: int, df: pd.DataFrame | None = None
) -> dict[str, int]:
    """Headline numbers: entries, sheets expected and submitted, flagged, graded per grade.

    df is the round's results() when the caller already has them (read in the same run)."""
    r = require_round(con, round_id)
    df = results(con, round_id) if df is None else df
    kept = df[~df["withdrawn"]]
    counts: dict[str, int] = {
        "entries": len(kept),
        "withdrawn": int(df["withdrawn"].sum()),
        "expected": int(np.maximum(kept["n_assigned"].to_numpy(), r.examiners_per_entry).sum()),
        "submitted": int(kept["n_sheets"].sum()) if len(kept) else 0,
        "needs_third": int(kept["unsettled"].sum()) if len(kept) else 0,
        "overridden": int(kept["overridden"].sum()) if len(kept) else 0,
    }
    for grade, n in kept["grade"].dropna().value_counts().items():
        counts[f"grade:{grade}"] = int(n)
    return counts
