"""One examiner's scoring sheets: my assignments, load, save a draft, submit; the chair reopens.

Every write asks lib.permissions (why_cannot_edit_sheet / can_reopen_sheet) inside its own
transaction and runs under db.retrying: twenty examiners saving at once each write their own
rows (scores are keyed by sheet and criterion), and the rare collision is simply retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from lib.access.identity import is_author as person_is_author
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
from lib.scoring.authors import Author
from lib.scoring.entries import Entry, entry_columns
from lib.scoring.rounds import Round, round_columns, round_from_row
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


@dataclass(frozen=True)
class OwnSheet:
    """What an examiner's scoring sheet shows: the entry with its authors, its round with the
    rubric, and the examiner's own sheet."""

    entry: Entry
    round: Round
    sheet: Sheet
    # The database clock when it was read: inside a transaction, the time every write of that
    # transaction stamps (DuckDB's current_localtimestamp() is the transaction's start).
    read_at: datetime | None = None


_SHEET_COLUMNS = (
    "s.id, s.status, s.comment, s.submitted_at, s.reopened_reason, s.reopened_by, "
    "s.reopened_at, s.version, s.updated_at"
)
# The entry, its round and the examiner's sheet row: one row, by key.
_HEAD = (
    f"SELECT {entry_columns('e')}, {round_columns('r')}, {_SHEET_COLUMNS}, "
    "current_localtimestamp() FROM entries e JOIN rounds r ON r.id = e.round_id "
    "LEFT JOIN sheets s ON s.entry_id = e.id AND s.examiner = $examiner WHERE e.id = $entry"
)
# The lists that go with it, as tagged rows of one statement: the entry's authors and
# examiners, the sheet's scores (by the sheet id the first read found: joining sheets again
# costs more), and the examiner's person (for the author rule). Authors are put in order in
# Python: a sort in the statement costs more than the few rows it sorts.
_LISTS = (
    "SELECT 'author' AS kind, position AS n, name AS text, person_id AS person, share, "
    "NULL AS value, NULL AS note FROM entry_authors WHERE entry_id = $entry "
    "UNION ALL SELECT 'examiner', ord, examiner, NULL, NULL, NULL, NULL FROM assignments "
    "WHERE entry_id = $entry "
    "UNION ALL SELECT 'score', NULL, criterion, NULL, NULL, value, comment "
    "FROM scores WHERE sheet_id = $sheet "
    "UNION ALL SELECT 'me', NULL, p.full_name, u.person_id, NULL, NULL, NULL FROM users u "
    "JOIN people p ON p.id = u.person_id WHERE u.username = $examiner"
)
_N_ENTRY = len(entry_columns("e").split(","))
_N_ROUND = len(round_columns("r").split(","))


def _read(con: Connection, entry_id: int, examiner: str) -> OwnSheet | None:
    """The entry, its round and the examiner's sheet in two statements, or None (no entry)."""
    keys = {"entry": entry_id, "examiner": examiner}
    row = con.execute(_HEAD, keys).fetchone()
    if row is None:
        return None
    head, read_at = row[_N_ENTRY + _N_ROUND : -1], row[-1]
    listed: list[tuple[int, Author]] = []
    examiners: dict[str, int] = {}
    values: dict[str, Decimal | None] = {}
    comments: dict[str, str] = {}
    me: tuple[int, str] | None = None
    for kind, n, text, person, share, value, note in con.execute(
        _LISTS, {**keys, "sheet": head[0]}
    ).fetchall():
        if kind == "author":
            listed.append((n, Author(text, share, person)))
        elif kind == "examiner":
            examiners[text] = int(n)
        elif kind == "score":
            values[text] = plain(value)
            if note:
                comments[text] = note
        else:
            me = (int(person), text)
    authors = tuple(author for _, author in sorted(listed, key=lambda item: item[0]))
    entry = Entry(*row[:_N_ENTRY], authors=authors)
    round_ = round_from_row(row[_N_ENTRY : _N_ENTRY + _N_ROUND])
    base = dict(
        entry_id=entry_id, round_id=round_.id, examiner=examiner, ord=examiners.get(examiner),
        assigned=examiner in examiners,
        examiner_is_author=me is not None and person_is_author(entry.authors, *me),
        entry_withdrawn=entry.withdrawn, entry_examiners=frozenset(examiners),
        round_state=round_.state,
    )  # fmt: skip
    if head[0] is None:
        sheet = Sheet(id=None, status="draft", **base)  # type: ignore[arg-type]
    else:
        sheet = Sheet(
            id=int(head[0]), status=head[1], comment=head[2], submitted_at=head[3],
            reopened_reason=head[4], reopened_by=head[5], reopened_at=head[6],
            version=int(head[7]), updated_at=head[8], values=values, comments=comments,
            **base,  # type: ignore[arg-type]
        )  # fmt: skip
    return OwnSheet(entry, round_, sheet, read_at)


def _require(con: Connection, entry_id: int, examiner: str) -> OwnSheet:
    found = _read(con, entry_id, examiner)
    if found is None:
        raise Invalid({"entry": f"Không có SKKN số {entry_id}."})
    return found


def _load(con: Connection, entry_id: int, examiner: str) -> Sheet:
    return _require(con, entry_id, examiner).sheet


def own_sheet(con: Connection, entry_id: int, examiner: str) -> OwnSheet | None:
    """The entry, round and sheet the examiner scores, or None unless the examiner is assigned
    the entry in a round that has opened (membership by key, nothing else read)."""
    found = _read(con, entry_id, examiner)
    if found is None or not found.sheet.assigned:
        return None
    return found if found.round.state in ("open", "closed", "final") else None


def get_sheet(con: Connection, entry_id: int, examiner: str) -> Sheet:
    """The examiner's sheet for the entry (an unsaved one if none yet)."""
    return _load(con, entry_id, examiner)


def _by_id(con: Connection, sheet_id: int) -> OwnSheet | None:
    row = con.execute("SELECT entry_id, examiner FROM sheets WHERE id = ?", [sheet_id]).fetchone()
    return _read(con, int(row[0]), row[1]) if row else None


def get_sheet_by_id(con: Connection, sheet_id: int) -> Sheet | None:
    """A saved sheet by id, or None."""
    found = _by_id(con, sheet_id)
    return found.sheet if found else None


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
    def work(c: Connection) -> Sheet:
        found = _require(c, entry_id, user.username)
        r, before = found.round, found.sheet
        # Every field's problem first, then whether this user may write the sheet at all.
        clean, notes, text = check_sheet(r.rubric, values, comments, overall, submit=submit)
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
            text,
            submit=submit,
            actor=user.username,
            before=before,
            entry_code=found.entry.code,
            now=found.read_at,
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
    entry_code: str | None = None,
    now: datetime | None = None,
) -> Sheet:
    """Write checked points on a sheet inside the caller's transaction, with an audit record.

    Returns the sheet as stored, from what the writes themselves return (RETURNING); `now` is
    the transaction's clock when `before` was read in it (OwnSheet.read_at), which spares
    reading the sheet's row back."""
    if before is None or entry_code is None:
        found = _require(c, entry_id, examiner)
        before, entry_code = before or found.sheet, found.entry.code
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
    # Only the rows that change are written (an autosave changes one): one statement with
    # every row's values bound, which costs less than scanning a DataFrame for a few rows.
    changed = [code for code in keep if code not in before.values
               or before.values[code] != clean.get(code)
               or before.comments.get(code, "") != notes.get(code, "")]  # fmt: skip
    stored: dict[str, tuple[Decimal | None, str]] = {
        code: (before.values[code], before.comments.get(code, ""))
        for code in keep if code not in changed
    }  # fmt: skip
    # The rows as stored come back (RETURNING): with the rows kept as they were and the
    # delete above, they are everything the sheet now holds. A row the sheet already has is
    # updated in place, which costs DuckDB less than an insert that finds its key taken (an
    # autosave changes one such row); a row it lacks is inserted.
    existing = [code for code in changed if code in before.values]
    if existing:
        stored.update(_update_scores(c, sheet_id, existing, clean, notes))
    added = [code for code in changed if code not in stored]
    if added:
        rows = ", ".join(["(?, ?, CAST(? AS DECIMAL(10, 4)), ?)"] * len(added))
        params: list[object] = []
        for code in added:
            value = clean.get(code)
            params += [sheet_id, code, None if value is None else str(value), notes.get(code, "")]
        for code, value, note in c.execute(
            f"INSERT INTO scores (sheet_id, criterion, value, comment) VALUES {rows} "
            "ON CONFLICT (sheet_id, criterion) DO UPDATE SET value = excluded.value, "
            "comment = excluded.comment, updated_at = current_localtimestamp() "
            "RETURNING criterion, value, comment",
            params,
        ).fetchall():
            stored[code] = (plain(value), note)
    submitted = ", status = 'submitted', submitted_at = current_localtimestamp()" if submit else ""
    c.execute(
        f"UPDATE sheets SET comment = ?{submitted}, version = version + 1, "
        "updated_at = current_localtimestamp() WHERE id = ?",
        [overall, sheet_id],
    )
    if now is not None and before.id is not None:
        # `before` was read in this transaction at `now`: the row is what that read saw with
        # this update applied (another session's write to it would have made this update
        # fail and the whole transaction run again), so it is not read back.
        head = (
            "submitted" if submit else before.status, overall,
            now if submit else before.submitted_at, before.reopened_reason, before.reopened_by,
            before.reopened_at, before.version + 1, now,
        )  # fmt: skip
    else:
        # Read back by key (UPDATE … RETURNING makes DuckDB rewrite a row other tables refer to).
        head = c.execute(
            "SELECT status, comment, submitted_at, reopened_reason, reopened_by, reopened_at, "
            "version, updated_at FROM sheets WHERE id = ?",
            [sheet_id],
        ).fetchone()
        assert head is not None
    if submit:
        # Only the first submission writes the round's row, so later ones never collide.
        c.execute(
            "UPDATE rounds SET rubric_frozen = true WHERE id = ? AND NOT rubric_frozen",
            [r.id],
        )
    after = replace(
        before, id=sheet_id, status=head[0], comment=head[1], submitted_at=head[2],
        reopened_reason=head[3], reopened_by=head[4], reopened_at=head[5], version=int(head[6]),
        updated_at=head[7], values={code: stored[code][0] for code in keep if code in stored},
        comments={code: stored[code][1] for code in keep if code in stored and stored[code][1]},
    )  # fmt: skip
    entity_id = f"{r.id}:{entry_code}:{examiner}"
    action = action or ("submit" if submit else "save")
    if action != "save" or not _merge_into_burst(c, actor, entity_id, _snapshot(after)):
        audit.record(c, actor, action, "sheet", entity_id,
                     _snapshot(before) if before.id else None, _snapshot(after))  # fmt: skip
    return after


def _update_scores(
    c: Connection,
    sheet_id: int,
    codes: list[str],
    clean: Mapping[str, Decimal],
    notes: Mapping[str, str],
) -> dict[str, tuple[Decimal | None, str]]:
    """Update the sheet's existing score rows of these criteria; the rows as stored."""
    rows = ", ".join(["(?, CAST(? AS DECIMAL(10, 4)), ?)"] * len(codes))
    params: list[object] = []
    for code in codes:
        value = clean.get(code)
        params += [code, None if value is None else str(value), notes.get(code, "")]
    found = c.execute(
        f"UPDATE scores SET value = v.value, comment = v.comment, "
        f"updated_at = current_localtimestamp() FROM (VALUES {rows}) v(criterion, value, comment) "
        "WHERE scores.sheet_id = ? AND scores.criterion = v.criterion "
        "RETURNING scores.criterion, scores.value, scores.comment",
        [*params, sheet_id],
    ).fetchall()
    return {code: (plain(value), note) for code, value, note in found}


# Draft saves by the same person this close together are one sitting: one audit entry.
BURST_MINUTES = 10


def _merge_into_burst(c: Connection, actor: str, entity_id: str, after: dict[str, Any]) -> bool:
    """Fold a draft save into the sheet's newest audit entry when it is the same burst."""
    # One statement: the newest entry of the sheet, only if it is this person's draft save of
    # the last BURST_MINUTES (the entry keeps the sheet as it was before the burst). Only
    # entries of that window are searched: an entry is stamped when written or merged into and
    # never after a newer one, so the newest entry, when recent, is among them; DuckDB then
    # skips the older part of a log that only grows.
    row = c.execute(
        "UPDATE audit_log SET after = ?, logged_at = current_localtimestamp() "
        "WHERE id = (SELECT max(id) FROM audit_log WHERE entity = 'sheet' AND entity_id = ? "
        "AND logged_at >= current_localtimestamp() - to_minutes(?)) "
        "AND actor = ? AND action = 'save' RETURNING id",
        [audit.as_json(after), entity_id, BURST_MINUTES, actor],
    ).fetchone()
    return row is not None


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
    nothing stored for them), whether another window had saved the sheet meanwhile, and the
    entry and round read with it (view: what the sheet shows next, without reading again)."""

    sheet: Sheet
    refused: dict[str, str]
    elsewhere: bool
    view: OwnSheet | None = None


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

    def work(c: Connection) -> Autosaved:
        # One read of the sheet, its entry and its round (the rubric the points are checked on).
        found = _require(c, entry_id, user.username)
        r, before = found.round, found.sheet
        known = {cr.code for cr in r.rubric.criteria}
        clean, errors = validate_sheet(r.rubric, points, submit=False)
        refused = {e.field: e.short for e in errors}
        checked: dict[str, str] = {}
        for code, text in notes.items():
            note, problem = (check_note(code, text) if code in known
                             else ("", "Không có tiêu chí này."))  # fmt: skip
            if problem:
                refused[f"{code}_comment"] = problem
            else:
                checked[code] = note
        general = overall
        if general is not None:
            general, problem = check_overall(general)
            if problem:
                refused["overall"] = problem
                general = None
        cleared = [code for code in points if code in known and code not in clean
                   and code not in refused]  # fmt: skip
        refusal = why_cannot_edit_sheet(user, before)
        if refusal:
            raise Invalid({"sheet": refusal})
        values = {k: v for k, v in before.values.items() if v is not None and k not in cleared}
        values.update(clean)
        comments = {**before.comments, **checked}
        comments = {k: v for k, v in comments.items() if v}
        changed = (values != {k: v for k, v in before.values.items() if v is not None}
                   or comments != before.comments
                   or (general is not None and general != before.comment))  # fmt: skip
        elsewhere = known_version is not None and before.version != known_version
        if not changed:
            return Autosaved(before, refused, elsewhere, found)
        after = store_sheet(c, user.username, entry_id, r, values, comments,
                            before.comment if general is None else general, submit=False,
                            actor=user.username, before=before,
                            entry_code=found.entry.code, now=found.read_at)  # fmt: skip
        return Autosaved(after, refused, elsewhere, OwnSheet(found.entry, r, after, found.read_at))

    return db.retrying(con, work)


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
        found = _by_id(c, sheet_id)
        if found is None:
            raise Invalid({"sheet": "Không có phiếu chấm này."})
        before = found.sheet
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
        audit.record(c, user.username, "reopen_sheet", "sheet",
                     f"{before.round_id}:{found.entry.code}:{before.examiner}",
                     {"status": "submitted"}, {"status": "draft", "reason": reason})  # fmt: skip
        after = get_sheet_by_id(c, sheet_id)
        assert after is not None
        return after

    return db.retrying(con, work)
