"""One examiner's scoring sheets: my assignments, load, save a draft, submit; the chair reopens.

Every write asks lib.permissions (why_cannot_edit_sheet / can_reopen_sheet) inside its own
transaction and runs under db.retrying: twenty examiners saving at once each write their own
rows (scores are keyed by sheet and criterion), and the rare collision is simply retried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses for str
from typing import Any

import numpy as np
import pandas as pd

from lib.access.permissions import (
    User,
    can_reopen_sheet,
    can_view_fellow_sheets,
    can_view_sheet,
    why_cannot_edit_sheet,
)
from lib.core import audit, db
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import nfc
from lib.scoring.assignment import gk_label
from lib.scoring.conflicts import is_author
from lib.scoring.entries import require_entry
from lib.scoring.rounds import STATES, Round, require_round
from lib.scoring.rubric import Rubric, format_number, grade_for, section_totals
from lib.scoring.stats import plain
from lib.scoring.validation import FieldError, validate_sheet

SHEET_STATUS: dict[str, str] = {
    "none": "Chưa chấm",
    "draft": "Đang chấm",
    "submitted": "Đã nộp",
}
MAX_COMMENT = 4000


@dataclass(frozen=True)
class Sheet:
    """One examiner's sheet for one entry, with what the permission rules need to know.

    A sheet not saved yet has id None, status "draft" and version 0."""

    id: int | None
    entry_id: int
    round_id: int
    examiner: str
    status: str
    ord: int | None
    assigned: bool
    examiner_is_author: bool
    entry_withdrawn: bool
    entry_examiners: frozenset[str]
    round_state: str
    comment: str = ""
    submitted_at: datetime | None = None
    reopened_reason: str | None = None
    reopened_by: str | None = None
    reopened_at: datetime | None = None
    version: int = 0
    updated_at: datetime | None = None
    values: dict[str, Decimal | None] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)

    @property
    def started(self) -> bool:
        """Something has been written on it (a score, or a comment)."""
        return bool(
            self.status == "submitted"
            or self.comment
            or any(v is not None for v in self.values.values())
            or any(self.comments.values())
        )

    @property
    def status_code(self) -> str:
        """none (chưa chấm), draft (đang chấm) or submitted (đã nộp)."""
        if self.status == "submitted":
            return "submitted"
        return "draft" if self.started else "none"

    @property
    def status_label(self) -> str:
        """Chưa chấm / Đang chấm / Đã nộp."""
        return SHEET_STATUS[self.status_code]

    @property
    def gk(self) -> str:
        """GK1, GK2 … (empty when no longer assigned)."""
        return gk_label(self.ord) if self.ord else ""


def _load(con: Connection, entry_id: int, examiner: str) -> Sheet:
    e = require_entry(con, entry_id)
    r = require_round(con, e.round_id)
    examiners = {
        u: int(o)
        for u, o in con.execute(
            "SELECT examiner, ord FROM assignments WHERE entry_id = ?", [entry_id]
        ).fetchall()
    }
    row = con.execute(
        "SELECT id, status, comment, submitted_at, reopened_reason, reopened_by, reopened_at, "
        "version, updated_at FROM sheets WHERE entry_id = ? AND examiner = ?",
        [entry_id, examiner],
    ).fetchone()
    values: dict[str, Decimal | None] = {}
    comments: dict[str, str] = {}
    if row is not None:
        for code, value, comment in con.execute(
            "SELECT criterion, value, comment FROM scores WHERE sheet_id = ?", [row[0]]
        ).fetchall():
            values[code] = plain(value)
            if comment:
                comments[code] = comment
    base = dict(
        entry_id=entry_id, round_id=r.id, examiner=examiner, ord=examiners.get(examiner),
        assigned=examiner in examiners, examiner_is_author=is_author(con, entry_id, examiner),
        entry_withdrawn=e.withdrawn, entry_examiners=frozenset(examiners), round_state=r.state,
    )  # fmt: skip
    if row is None:
        return Sheet(id=None, status="draft", **base)  # type: ignore[arg-type]
    return Sheet(
        id=int(row[0]), status=row[1], comment=row[2], submitted_at=row[3],
        reopened_reason=row[4], reopened_by=row[5], reopened_at=row[6], version=int(row[7]),
        updated_at=row[8], values=values, comments=comments, **base,  # type: ignore[arg-type]
    )  # fmt: skip


def get_sheet(con: Connection, entry_id: int, examiner: str) -> Sheet:
    """The examiner's sheet for the entry (an unsaved one if none yet)."""
    return _load(con, entry_id, examiner)


def get_sheet_by_id(con: Connection, sheet_id: int) -> Sheet | None:
    """A saved sheet by id, or None."""
    row = con.execute("SELECT entry_id, examiner FROM sheets WHERE id = ?", [sheet_id]).fetchone()
    return _load(con, int(row[0]), row[1]) if row else None


def entry_sheets(con: Connection, entry_id: int) -> list[Sheet]:
    """Every saved sheet of the entry, in GK order (callers filter with can_view_sheet)."""
    rows = con.execute(
        "SELECT s.examiner FROM sheets s LEFT JOIN assignments a ON a.entry_id = s.entry_id "
        "AND a.examiner = s.examiner WHERE s.entry_id = ? ORDER BY coalesce(a.ord, 99), s.id",
        [entry_id],
    ).fetchall()
    return [_load(con, entry_id, u) for (u,) in rows]


@dataclass(frozen=True)
class Preview:
    """What a sheet adds up to while it is being filled in."""

    sections: dict[str, Decimal]
    total: Decimal
    grade: str
    filled: int
    missing: list[str]
    errors: list[FieldError]


def preview(r: Rubric, values: Mapping[str, object]) -> Preview:
    """Section subtotals, total and the grade the valid values would give (live, as typed)."""
    clean, errors = validate_sheet(r, values, submit=False)
    sections = section_totals(r, clean)
    total = sum(sections.values(), Decimal(0))
    missing = [c.code for c in r.criteria if c.code not in clean]
    return Preview(sections, total, grade_for(r, total, sections), len(clean), missing, errors)


def check_sheet(
    r: Rubric,
    values: Mapping[str, object],
    comments: Mapping[str, str],
    overall: str,
    *,
    submit: bool,
) -> tuple[dict[str, Decimal], dict[str, str], str]:
    """Check a sheet's points and comments with the sheet rules; raise Invalid naming each."""
    clean, errors = validate_sheet(r, values, submit=submit)
    problems = {e.field: e.message for e in errors}
    known = {c.code for c in r.criteria}
    notes: dict[str, str] = {}
    for code, text in comments.items():
        if code not in known:
            problems[str(code)] = f"Nhận xét cho tiêu chí không có trong phiếu chấm: {code}"
            continue
        note, problem = check_note(code, text)
        if problem:
            problems[f"{code}_comment"] = problem
        elif note:
            notes[code] = note
    overall, problem = check_overall(overall)
    if problem:
        problems["overall"] = problem
    if problems:
        raise Invalid(problems)
    return clean, notes, overall


def check_note(code: str, text: str | None) -> tuple[str, str | None]:
    """A criterion's comment as check_sheet keeps it, and why it is refused (too long)."""
    note = nfc(text or "")
    if len(note) > MAX_COMMENT:
        return note, f"Nhận xét tiêu chí {code} dài quá {MAX_COMMENT} ký tự."
    return note, None


def check_overall(text: str | None) -> tuple[str, str | None]:
    """The overall comment as check_sheet keeps it, and why it is refused (too long)."""
    overall = (text or "").strip()
    if len(overall) > MAX_COMMENT:
        return overall, f"Nhận xét chung dài quá {MAX_COMMENT} ký tự."
    return overall, None


def sheet_snapshot(
    status: str, scores: dict[str, str], comments: dict[str, str], overall: str, version: int
) -> dict[str, Any]:
    """A sheet as its audit entries record it before and after a write (the one shape)."""
    return {
        "status": status,
        "scores": scores,
        "comments": comments,
        "overall": overall,
        "version": version,
    }


def _snapshot(sheet: Sheet) -> dict[str, Any]:
    scores = {k: format_number(v) for k, v in sheet.values.items() if v is not None}
    return sheet_snapshot(sheet.status, scores, dict(sheet.comments), sheet.comment, sheet.version)


def _write(
    con: Connection,
    user: User,
    entry_id: int,
    values: Mapping[str, object],
    comments: Mapping[str, str],
    overall: str,
    *,
    submit: bool,
    expected_version: int | None,
) -> Sheet:
    r = require_round(con, require_entry(con, entry_id).round_id)
    clean, notes, overall = check_sheet(r.rubric, values, comments, overall, submit=submit)

    def work(c: Connection) -> Sheet:
        before = _load(c, entry_id, user.username)
        refusal = why_cannot_edit_sheet(user, before)
        if refusal:
            raise Invalid({"sheet": refusal})
        if expected_version is not None and before.version != expected_version:
            raise Invalid(
                {"version": "Phiếu vừa được lưu ở một cửa sổ khác: hãy tải lại trang để xem "
                 "bản mới nhất trước khi sửa tiếp."}
            )  # fmt: skip
        return store_sheet(
            c,
            user.username,
            entry_id,
            r,
            clean,
            notes,
            overall,
            submit=submit,
            actor=user.username,
            before=before,
        )

    return db.retrying(con, work)


def store_sheet(
    c: Connection,
    examiner: str,
    entry_id: int,
    r: Round,
    clean: Mapping[str, Decimal],
    notes: Mapping[str, str],
    overall: str,
    *,
    submit: bool,
    actor: str,
    before: Sheet | None = None,
    action: str | None = None,
) -> Sheet:
    """Write checked points on a sheet inside the caller's transaction, with an audit record."""
    if before is None:
        before = _load(c, entry_id, examiner)
    sheet_id = before.id
    if sheet_id is None:
        row = c.execute(
            "INSERT INTO sheets (entry_id, examiner, version) VALUES (?, ?, 0) RETURNING id",
            [entry_id, examiner],
        ).fetchone()
        assert row is not None
        sheet_id = int(row[0])
    keep = [code for code in (cr.code for cr in r.rubric.criteria)
            if code in clean or code in notes]  # fmt: skip
    dropped = [code for code in before.values if code not in keep]
    if dropped:
        c.execute(
            "DELETE FROM scores WHERE sheet_id = ? AND list_contains(?, criterion)",
            [sheet_id, dropped],
        )
    if keep:
        frame = pd.DataFrame(
            {
                "sheet_id": [sheet_id] * len(keep),
                "criterion": keep,
                "value": [str(clean[k]) if k in clean else None for k in keep],
                "comment": [notes.get(k, "") for k in keep],
            }
        )
        c.register("_scores_in", frame)
        try:
            c.execute(
                "INSERT INTO scores (sheet_id, criterion, value, comment) "
                "SELECT sheet_id, criterion, CAST(value AS DECIMAL(10, 4)), comment "
                "FROM _scores_in ON CONFLICT (sheet_id, criterion) DO UPDATE SET "
                "value = excluded.value, comment = excluded.comment, "
                "updated_at = current_localtimestamp()"
            )
        finally:
            c.unregister("_scores_in")
    if submit:
        c.execute(
            "UPDATE sheets SET comment = ?, status = 'submitted', "
            "submitted_at = current_localtimestamp(), version = version + 1, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [overall, sheet_id],
        )
        # Only the first submission writes the round's row, so later ones never collide.
        c.execute(
            "UPDATE rounds SET rubric_frozen = true WHERE id = ? AND NOT rubric_frozen",
            [r.id],
        )
    else:
        c.execute(
            "UPDATE sheets SET comment = ?, version = version + 1, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [overall, sheet_id],
        )
    after = _load(c, entry_id, examiner)
    e = require_entry(c, entry_id)
    entity_id = f"{r.id}:{e.code}:{examiner}"
    action = action or ("submit" if submit else "save")
    if action != "save" or not _merge_into_burst(c, actor, entity_id, _snapshot(after)):
        audit.record(c, actor, action, "sheet", entity_id,
                     _snapshot(before) if before.id else None, _snapshot(after))  # fmt: skip
    return after


# Draft saves by the same person this close together are one sitting: one audit entry.
BURST_MINUTES = 10


def _merge_into_burst(c: Connection, actor: str, entity_id: str, after: dict[str, Any]) -> bool:
    """Fold a draft save into the sheet's newest audit entry when it is the same burst."""
    row = c.execute(
        "SELECT id, actor, action, logged_at >= current_localtimestamp() - to_minutes(?) "
        "FROM audit_log WHERE entity = 'sheet' AND entity_id = ? ORDER BY id DESC LIMIT 1",
        [BURST_MINUTES, entity_id],
    ).fetchone()
    if row is None or row[1] != actor or row[2] != "save" or not row[3]:
        return False
    # The entry keeps the sheet as it was before the burst and gets the sheet as it is now.
    c.execute(
        "UPDATE audit_log SET after = ?, logged_at = current_localtimestamp() WHERE id = ?",
        [_json(after), row[0]],
    )
    return True


# --- many submitted sheets at once (typed-up paper sheets) ----------------------------------
#
# An import brings thousands of sheets: a dozen queries per sheet made 1,400 sheets take 90 s
# (13,600 sheets, a 150,000-row file, about 15 minutes). These take every sheet at once as two
# tables and write with a few statements what assignment.assign and store_sheet(submit=True)
# would write sheet by sheet.
#   sheets: entry_id, code (the entry's), examiner, assign (not assigned yet: assign first),
#           overall (the checked overall comment), in the order they are written;
#   scores: sheet (position in sheets), criterion, value (checked points as text, "0.75"),
#           comment (checked, "" for none): one row per criterion of the rubric, as a
#           submitted sheet has.

# The audit JSON of an assignment as rounds.assign's json.dumps writes it.
_ASSIGNED = '{"examiner": %s, "order": "GK%d"}'


def _json(value: Any) -> str:
    # As lib.audit stores it, so a batch's audit rows read like the one-by-one ones.
    return json.dumps(value, ensure_ascii=False, default=str)


# A new submitted sheet's audit JSON with holes the batch fills in (scores, comments, overall,
# version): made from sheet_snapshot, so its keys and their order are the one-by-one ones. One
# json.dumps per sheet instead would add ~0.1 s CPU to a 150,000-row import (13,636 sheets).
_SUBMITTED = (
    _json(sheet_snapshot("submitted", "@S", "@C", "@O", -1))  # type: ignore[arg-type]
    .replace('"@S"', "{%s}")
    .replace('"@C"', "{%s}")
    .replace('"@O"', "%s")
    .replace("-1}", "%d}")
)


def _stored_text(value: str) -> str:
    """The points as the sheet shows them once stored as DECIMAL(10, 4): 0.7500 -> "0,75"."""
    number = Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return format_number(plain(number))


def _objects(values: Any) -> pd.Series:
    # Plain Python strings: DuckDB reads them as they are, no conversion to Arrow first.
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _rubric_rows(r: Round, sheets: int, scores: pd.DataFrame) -> pd.DataFrame:
    """The scores sorted by sheet then rubric order, checked to hold every criterion once."""
    order = {c.code: i for i, c in enumerate(r.rubric.criteria)}
    codes, names = pd.factorize(scores["criterion"])
    ords = np.asarray([order[n] for n in names.tolist()], dtype=np.int64)[codes]
    sheet = scores["sheet"].to_numpy(dtype=np.int64)
    at = np.lexsort((ords, sheet))
    width = len(order)
    if len(at) != sheets * width or not (
        np.array_equal(sheet[at], np.repeat(np.arange(sheets), width))
        and np.array_equal(ords[at], np.tile(np.arange(width), sheets))
    ):
        raise ValueError("Mỗi phiếu nộp phải có đúng một điểm cho mỗi tiêu chí.")
    return pd.DataFrame(
        {
            "sheet": sheet[at],
            "ord": ords[at],
            "criterion": _objects(scores["criterion"].to_numpy(dtype=object)[at]),
            "value": _objects(scores["value"].to_numpy(dtype=object)[at]),
            "comment": _objects(scores["comment"].to_numpy(dtype=object)[at]),
        }
    )


def submitted_states(con: Connection, sheets: pd.DataFrame, scores: pd.DataFrame) -> list[str]:
    """Per sheet: "new" (none saved yet), "same" (submitted with exactly these points and
    comments) or "replace" (a saved sheet that would change)."""
    if sheets.empty:
        return []
    frame = sheets[["entry_id", "examiner", "overall"]].assign(pos=range(len(sheets)))
    con.register("_sheets_in", frame)
    con.register("_scores_in", scores[["sheet", "criterion", "value", "comment"]])
    try:
        # Points compare as numbers (0.75 is 0.7500) and comments as text, like the sheet does.
        found = con.execute(
            "WITH m AS (SELECT f.pos, s.id, s.status = 'submitted' AND s.comment = f.overall "
            "    AS maybe FROM _sheets_in f JOIN sheets s ON s.entry_id = f.entry_id "
            "    AND s.examiner = f.examiner), "
            "stored AS (SELECT m.pos, count(sc.value) AS n_values, "
            "    count(*) FILTER (WHERE sc.comment <> '') AS n_notes "
            "    FROM m JOIN scores sc ON sc.sheet_id = m.id WHERE m.maybe GROUP BY m.pos), "
            "given AS (SELECT c.sheet AS pos, count(*) AS n_given, count(*) FILTER "
            "    (WHERE sc.value = CAST(c.value AS DECIMAL(38, 10))) AS same_values, "
            "    count(*) FILTER (WHERE c.comment <> '') AS given_notes, "
            "    count(*) FILTER (WHERE c.comment <> '' AND sc.comment = c.comment) AS same_notes "
            "    FROM _scores_in c JOIN m ON m.pos = c.sheet AND m.maybe "
            "    LEFT JOIN scores sc ON sc.sheet_id = m.id AND sc.criterion = c.criterion "
            "    GROUP BY c.sheet) "
            "SELECT m.pos, m.maybe AND coalesce(st.n_values, 0) = g.n_given "
            "    AND g.same_values = g.n_given AND coalesce(st.n_notes, 0) = g.given_notes "
            "    AND g.same_notes = g.given_notes "
            "FROM m LEFT JOIN stored st USING (pos) LEFT JOIN given g USING (pos)"
        ).fetchall()
    finally:
        con.unregister("_sheets_in")
        con.unregister("_scores_in")
    states = ["new"] * len(sheets)
    for pos, same in found:
        states[int(pos)] = "same" if same else "replace"
    return states


def _insert_assignments(
    con: Connection, r: Round, sheets: pd.DataFrame, actor: str
) -> pd.DataFrame:
    """Assign the sheets' examiners not yet assigned, each as the next GK of the entry."""
    wanted = sheets.loc[sheets["assign"], ["entry_id", "code", "examiner"]]
    wanted = wanted.assign(pos=wanted.index.to_numpy())
    if wanted.empty:
        return wanted.assign(ord=pd.Series(dtype="int64"))
    con.register("_assign_in", wanted)
    try:
        planned = con.execute(
            "SELECT f.pos, f.entry_id, f.code, f.examiner, coalesce(m.top, 0) + "
            "    row_number() OVER (PARTITION BY f.entry_id ORDER BY f.pos) AS ord "
            "FROM _assign_in f LEFT JOIN (SELECT a.entry_id, max(a.ord) AS top FROM assignments a "
            "    WHERE a.entry_id IN (SELECT entry_id FROM _assign_in) GROUP BY a.entry_id) m "
            "    USING (entry_id) ORDER BY f.pos"
        ).df()
    finally:
        con.unregister("_assign_in")
    full = planned[planned["ord"] > 9]
    if not full.empty:
        raise Invalid({"examiner": f"{full['code'].iloc[0]} đã có quá nhiều giám khảo."})
    con.register("_assign_in", planned)
    try:
        con.execute(
            "INSERT INTO assignments (entry_id, examiner, ord, assigned_by) "
            "SELECT entry_id, examiner, ord, ? FROM _assign_in ORDER BY pos",
            [actor],
        )
        con.execute(
            "INSERT INTO round_examiners (round_id, examiner) SELECT DISTINCT ?, examiner "
            "FROM _assign_in ON CONFLICT DO NOTHING",
            [r.id],
        )
    finally:
        con.unregister("_assign_in")
    return planned


def _replaced_snapshots(
    con: Connection, sheets: pd.DataFrame, rows: pd.DataFrame, saved: pd.DataFrame
) -> dict[int, tuple[str, str]]:
    """Before and after audit snapshots of sheets saved before (few: a corrected re-import)."""
    if saved.empty:
        return {}
    con.register("_saved", saved)
    try:
        # rowid order is the order _load reads a sheet's scores in, so the JSON matches.
        stored_rows = con.execute(
            "SELECT sc.sheet_id, sc.criterion, sc.value, sc.comment FROM scores sc "
            "WHERE sc.sheet_id IN (SELECT sheet_id FROM _saved) ORDER BY sc.sheet_id, sc.rowid"
        ).fetchall()
    finally:
        con.unregister("_saved")
    stored: dict[int, list[tuple[str, Decimal | None, str]]] = {}
    for sheet_id, code, value, comment in stored_rows:
        stored.setdefault(int(sheet_id), []).append((code, plain(value), comment))
    width = int(rows["ord"].max()) + 1
    criteria, values = rows["criterion"].to_numpy(), rows["value"].to_numpy()
    comments = rows["comment"].to_numpy()
    out: dict[int, tuple[str, str]] = {}
    for pos, sheet_id, status, comment, version in saved.itertuples(index=False):
        mine = stored.get(int(sheet_id), [])
        given = slice(int(pos) * width, (int(pos) + 1) * width)
        new = dict(zip(criteria[given], zip(values[given], comments[given], strict=True),
                       strict=True))  # fmt: skip
        # After the upsert: rows kept (updated) where they were, new criteria after them.
        kept = [code for code, _, _ in mine if code in new]
        after_rows = [(c, *new[c]) for c in kept + [c for c in new if c not in set(kept)]]
        before = sheet_snapshot(
            status,
            {c: format_number(v) for c, v, _ in mine if v is not None},
            {c: n for c, _, n in mine if n},
            comment,
            int(version),
        )
        after = sheet_snapshot(
            "submitted",
            {c: _stored_text(v) for c, v, _ in after_rows},
            {c: n for c, _, n in after_rows if n},
            sheets.at[int(pos), "overall"],
            int(version) + 1,
        )
        out[int(pos)] = (_json(before), _json(after))
    return out


def store_submitted_sheets(
    con: Connection,
    r: Round,
    sheets: pd.DataFrame,
    scores: pd.DataFrame,
    actor: str,
    action: str = "import",
) -> None:
    """Assign, then submit checked sheets of one round inside the caller's transaction.

    Writes the rows assignment.assign and store_sheet(submit=True) write sheet by sheet
    (assignments, council, sheets, scores, the rubric freeze, one audit entry per assignment
    and per sheet, in that order); a sheet saved before is replaced, criteria not given dropped."""
    if sheets.empty:
        return
    sheets = sheets.reset_index(drop=True)
    rows = _rubric_rows(r, len(sheets), scores)
    assigned = _insert_assignments(con, r, sheets, actor)
    frame = pd.DataFrame(
        {
            "pos": np.arange(len(sheets)),
            "entry_id": sheets["entry_id"].to_numpy(dtype=np.int64),
            "examiner": _objects(sheets["examiner"]),
            "overall": _objects(sheets["overall"]),
        }
    )
    con.register("_sheets_in", frame)
    try:
        saved = con.execute(
            "SELECT f.pos, s.id AS sheet_id, s.status, s.comment, s.version FROM _sheets_in f "
            "JOIN sheets s ON s.entry_id = f.entry_id AND s.examiner = f.examiner ORDER BY f.pos"
        ).df()
    finally:
        con.unregister("_sheets_in")
    snapshots = _replaced_snapshots(con, sheets, rows, saved)
    frame["fresh"] = True
    frame.loc[saved["pos"].to_numpy(dtype=np.int64), "fresh"] = False
    con.register("_sheets_in", frame)
    try:
        # New sheets take their ids in file order, as when created one by one.
        created = con.execute(
            "INSERT INTO sheets (entry_id, examiner, version) SELECT entry_id, examiner, 0 "
            "FROM _sheets_in WHERE fresh ORDER BY pos RETURNING id"
        ).fetchnumpy()["id"]
    finally:
        con.unregister("_sheets_in")
    ids = np.zeros(len(sheets), dtype=np.int64)
    ids[frame["fresh"].to_numpy()] = np.sort(np.asarray(created, dtype=np.int64))
    ids[saved["pos"].to_numpy(dtype=np.int64)] = saved["sheet_id"].to_numpy(dtype=np.int64)
    frame["sheet_id"] = ids
    versions = np.zeros(len(sheets), dtype=np.int64)
    versions[saved["pos"].to_numpy(dtype=np.int64)] = saved["version"].to_numpy(dtype=np.int64)
    rows["sheet_id"] = frame["sheet_id"].to_numpy()[rows["sheet"].to_numpy()]
    con.register("_scores_in", rows)
    con.register("_sheets_in", frame)
    try:
        if saved.empty:
            # Rows arrive sorted by sheet and rubric order, and DuckDB keeps insertion order.
            con.execute(
                "INSERT INTO scores (sheet_id, criterion, value, comment) SELECT sheet_id, "
                "criterion, CAST(value AS DECIMAL(10, 4)), comment FROM _scores_in"
            )
        else:
            con.execute(
                "DELETE FROM scores WHERE list_contains(?, sheet_id) AND NOT EXISTS (SELECT 1 "
                "FROM _scores_in c WHERE c.sheet_id = scores.sheet_id "
                "AND c.criterion = scores.criterion)",
                [saved["sheet_id"].astype("int64").tolist()],
            )
            con.execute(
                "INSERT INTO scores (sheet_id, criterion, value, comment) SELECT sheet_id, "
                "criterion, CAST(value AS DECIMAL(10, 4)), comment FROM _scores_in "
                "ON CONFLICT (sheet_id, criterion) DO UPDATE SET value = excluded.value, "
                "comment = excluded.comment, updated_at = current_localtimestamp()"
            )
        con.execute(
            "UPDATE sheets SET comment = f.overall, status = 'submitted', "
            "submitted_at = current_localtimestamp(), version = sheets.version + 1, "
            "updated_at = current_localtimestamp() FROM _sheets_in f WHERE sheets.id = f.sheet_id"
        )
    finally:
        con.unregister("_scores_in")
        con.unregister("_sheets_in")
    con.execute("UPDATE rounds SET rubric_frozen = true WHERE id = ? AND NOT rubric_frozen", [r.id])
    _audit_batch(con, r, sheets, rows, versions, assigned, snapshots, actor, action)


def _audit_batch(
    con: Connection,
    r: Round,
    sheets: pd.DataFrame,
    rows: pd.DataFrame,
    versions: np.ndarray,
    assigned: pd.DataFrame,
    snapshots: dict[int, tuple[str, str]],
    actor: str,
    action: str,
) -> None:
    """One audit entry per assignment, then per sheet, in the order one-by-one writes leave."""
    count, width = len(sheets), len(r.rubric.criteria)
    keys = [_json(c.code) for c in r.rubric.criteria]
    # A new sheet's "scores" are its points in rubric order: each distinct (criterion, points)
    # is written as JSON once; rows are sorted, so each sheet is one row of a count x width grid.
    values, texts = pd.factorize(rows["value"])
    shown = [_json(_stored_text(t)) for t in texts.tolist()]
    pair, pairs = pd.factorize(rows["ord"].to_numpy() * len(shown) + values)
    pieces = np.asarray([f"{keys[p // len(shown)]}: {shown[p % len(shown)]}" for p in pairs],
                        dtype=object)[pair].reshape(count, width)  # fmt: skip
    scores_json = [", ".join(line) for line in pieces.tolist()]
    noted = np.flatnonzero(rows["comment"].to_numpy(dtype=object) != "")
    notes = [
        f"{keys[o]}: {encode_basestring(c)}"
        for o, c in zip(rows["ord"].to_numpy()[noted], rows["comment"].to_numpy()[noted],
                        strict=True)
    ]  # fmt: skip
    bounds = np.searchsorted(noted // width, np.arange(count + 1))
    notes_json = [", ".join(notes[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    overall_of, overall = pd.factorize(sheets["overall"])
    overall_json = [encode_basestring(t) for t in overall.tolist()]
    prefix = f"{r.id}:"
    codes, examiners = sheets["code"].tolist(), sheets["examiner"].tolist()
    after = [
        snapshots[p][1] if p in snapshots else _SUBMITTED % (
            scores_json[p], notes_json[p], overall_json[overall_of[p]], versions[p] + 1)
        for p in range(count)
    ]  # fmt: skip
    audit_rows = pd.DataFrame(
        {
            "seq": np.arange(count) * 2 + 1,
            "action": action,
            "entity": "sheet",
            "entity_id": _objects([f"{prefix}{c}:{x}" for c, x in zip(codes, examiners,
                                                                      strict=True)]),
            "before": _objects([snapshots[p][0] if p in snapshots else None
                                for p in range(count)]),
            "after": _objects(after),
        }
    )  # fmt: skip
    if not assigned.empty:
        gk = pd.DataFrame(
            {
                "seq": assigned["pos"].to_numpy(dtype=np.int64) * 2,
                "action": "assign",
                "entity": "assignment",
                "entity_id": _objects([f"{prefix}{c}:{x}" for c, x in zip(
                    assigned["code"], assigned["examiner"], strict=True)]),
                "before": _objects([None] * len(assigned)),
                "after": _objects([_ASSIGNED % (encode_basestring(x), o) for x, o in zip(
                    assigned["examiner"], assigned["ord"], strict=True)]),
            }
        )  # fmt: skip
        audit_rows = pd.concat([gk, audit_rows], ignore_index=True)
    con.register("_audit_in", audit_rows)
    try:
        con.execute(
            "INSERT INTO audit_log (actor, action, entity, entity_id, before, after) "
            "SELECT ?, action, entity, entity_id, before, after FROM _audit_in ORDER BY seq",
            [actor],
        )
    finally:
        con.unregister("_audit_in")


def save_draft(
    con: Connection,
    user: User,
    entry_id: int,
    values: Mapping[str, object],
    comments: Mapping[str, str] | None = None,
    overall: str = "",
    expected_version: int | None = None,
) -> Sheet:
    """Save the examiner's sheet as a draft; values may be missing but must be valid."""
    return _write(con, user, entry_id, values, comments or {}, overall, submit=False,
                  expected_version=expected_version)  # fmt: skip


def submit_sheet(
    con: Connection,
    user: User,
    entry_id: int,
    values: Mapping[str, object],
    comments: Mapping[str, str] | None = None,
    overall: str = "",
    expected_version: int | None = None,
) -> Sheet:
    """Submit the sheet: every criterion filled, within 0..max, on the step. Read-only after."""
    return _write(con, user, entry_id, values, comments or {}, overall, submit=True,
                  expected_version=expected_version)  # fmt: skip


@dataclass(frozen=True)
class Autosaved:
    """What an autosave did: the sheet as stored now, the fields it refused (code → message,
    nothing stored for them), and whether another window had saved the sheet meanwhile."""

    sheet: Sheet
    refused: dict[str, str]
    elsewhere: bool


def autosave(
    con: Connection,
    user: User,
    entry_id: int,
    points: Mapping[str, object] | None = None,
    notes: Mapping[str, str] | None = None,
    overall: str | None = None,
    known_version: int | None = None,
) -> Autosaved:
    """Save the fields just changed on a draft, over the sheet as stored (field by field).

    Valid points are stored at once; an invalid one is refused with its message and stored
    nowhere, the other fields still are. Fields not given keep what the database has, so the
    later of two windows wins field by field."""
    points, notes = dict(points or {}), dict(notes or {})
    r = require_round(con, require_entry(con, entry_id).round_id)
    known = {c.code for c in r.rubric.criteria}
    clean, errors = validate_sheet(r.rubric, points, submit=False)
    refused = {e.field: e.short for e in errors}
    checked: dict[str, str] = {}
    for code, text in notes.items():
        note, problem = check_note(code, text) if code in known else ("", "Không có tiêu chí này.")
        if problem:
            refused[f"{code}_comment"] = problem
        else:
            checked[code] = note
    if overall is not None:
        overall, problem = check_overall(overall)
        if problem:
            refused["overall"] = problem
            overall = None
    cleared = [code for code in points if code in known and code not in clean
               and code not in refused]  # fmt: skip

    def work(c: Connection) -> Autosaved:
        before = _load(c, entry_id, user.username)
        refusal = why_cannot_edit_sheet(user, before)
        if refusal:
            raise Invalid({"sheet": refusal})
        values = {k: v for k, v in before.values.items() if v is not None and k not in cleared}
        values.update(clean)
        comments = {**before.comments, **checked}
        comments = {k: v for k, v in comments.items() if v}
        changed = (values != {k: v for k, v in before.values.items() if v is not None}
                   or comments != before.comments
                   or (overall is not None and overall != before.comment))  # fmt: skip
        elsewhere = known_version is not None and before.version != known_version
        if not changed:
            return Autosaved(before, refused, elsewhere)
        after = store_sheet(c, user.username, entry_id, r, values, comments,
                            before.comment if overall is None else overall, submit=False,
                            actor=user.username, before=before)  # fmt: skip
        return Autosaved(after, refused, elsewhere)

    return db.retrying(con, work)


def is_assigned(con: Connection, entry_id: int, username: str) -> bool:
    """The examiner is assigned this entry in a round that has opened (as my_assignments)."""
    return bool(
        con.execute(
            "SELECT 1 FROM assignments a JOIN entries e ON e.id = a.entry_id "
            "JOIN rounds r ON r.id = e.round_id WHERE a.entry_id = ? AND a.examiner = ? "
            "AND r.state IN ('open', 'closed', 'final')",
            [entry_id, username],
        ).fetchone()
    )


def fellow_sheets(con: Connection, user: User, entry_id: int, round_: Round) -> list[Sheet]:
    """The other examiners' sheets this user may see from their own scoring sheet (none, and
    nothing read, while the round is open)."""
    if not can_view_fellow_sheets(user, round_):
        return []
    return [s for s in entry_sheets(con, entry_id)
            if s.examiner != user.username and can_view_sheet(user, s, scoring=True)]  # fmt: skip


def reopen_sheet(con: Connection, user: User, sheet_id: int, reason: str) -> Sheet:
    """The chair gives a submitted sheet back to its examiner, with a reason (recorded)."""
    reason = nfc(reason or "")
    if not reason:
        raise Invalid({"reason": "Hãy ghi lý do mở lại phiếu."})

    def work(c: Connection) -> Sheet:
        before = get_sheet_by_id(c, sheet_id)
        if before is None:
            raise Invalid({"sheet": "Không có phiếu chấm này."})
        if not can_reopen_sheet(user, before):
            if before.status != "submitted":
                raise Invalid({"sheet": "Phiếu chưa nộp: không cần mở lại."})
            if before.round_state != "open":
                raise Invalid({"sheet": "Chỉ mở lại phiếu khi đợt chấm đang mở."})
            raise Invalid({"sheet": "Chỉ Chủ tịch HĐ (quản trị) được mở lại phiếu."})
        c.execute(
            "UPDATE sheets SET status = 'draft', reopened_reason = ?, reopened_by = ?, "
            "reopened_at = current_localtimestamp(), version = version + 1, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [reason, user.username, sheet_id],
        )
        e = require_entry(c, before.entry_id)
        audit.record(c, user.username, "reopen_sheet", "sheet",
                     f"{before.round_id}:{e.code}:{before.examiner}", {"status": "submitted"},
                     {"status": "draft", "reason": reason})  # fmt: skip
        after = get_sheet_by_id(c, sheet_id)
        assert after is not None
        return after

    return db.retrying(con, work)


def my_assignments(con: Connection, username: str, include_draft_rounds: bool = False):
    """The examiner's assignments in rounds that have opened: round_id, round_name,
    round_state, state_label, deadline, blind, entry_id, code, title, field, withdrawn, gk,
    sheet_id, status (none/draft/submitted), status_label, total, submitted_at, reopened."""
    states = ["open", "closed", "final"] + (["draft"] if include_draft_rounds else [])
    df = con.execute(
        "SELECT r.id AS round_id, r.name AS round_name, r.state AS round_state, r.deadline, "
        "       r.blind, e.id AS entry_id, e.code, e.title, e.field, e.withdrawn, a.ord, "
        "       s.id AS sheet_id, s.status, s.comment, s.submitted_at, "
        "       s.reopened_reason IS NOT NULL AND s.status = 'draft' AS reopened, "
        "       (SELECT count(*) FROM scores sc WHERE sc.sheet_id = s.id) AS n_rows, "
        "       (SELECT sum(sc.value) FROM scores sc WHERE sc.sheet_id = s.id) AS total "
        "FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "JOIN rounds r ON r.id = e.round_id "
        "LEFT JOIN sheets s ON s.entry_id = a.entry_id AND s.examiner = a.examiner "
        "WHERE a.examiner = ? AND list_contains(?, r.state) "
        "ORDER BY r.id DESC, e.code",
        [username, states],
    ).df()
    started = (df["n_rows"] > 0) | (df["comment"].fillna("") != "")
    df["status"] = [
        "submitted" if s == "submitted" else ("draft" if go else "none")
        for s, go in zip(df["status"], started, strict=True)
    ]
    df["status_label"] = df["status"].map(SHEET_STATUS)
    df["state_label"] = df["round_state"].map(STATES)
    df["gk"] = df["ord"].map(lambda o: gk_label(int(o)))
    return df.drop(columns=["n_rows", "comment", "ord"])


@dataclass(frozen=True)
class ToScore:
    """How many sheets the examiner still has to score in open rounds, and the nearest deadline."""

    count: int
    deadline: date | None


def to_score(mine: pd.DataFrame) -> ToScore:
    """From my_assignments: the sheets not yet submitted in open rounds, kept entries only."""
    left = mine[(mine["round_state"] == "open") & ~mine["withdrawn"].astype(bool)
                & (mine["status"] != "submitted")]  # fmt: skip
    dates = [d for d in left["deadline"] if d is not None and d == d]
    nearest = min(dates) if dates else None
    if nearest is not None and hasattr(nearest, "date"):  # a datetime or pandas Timestamp
        nearest = nearest.date()
    return ToScore(len(left), nearest)


def round_of_sheet(con: Connection, sheet: Sheet) -> Round:
    """The round a sheet belongs to."""
    return require_round(con, sheet.round_id)
