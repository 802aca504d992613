"""Import typed-up paper sheets: every rule of the scoring sheet, checked as arrays, then stored."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.access.identity import AuthorMatcher
from lib.access.permissions import can_assign, why_cannot_import_sheet
from lib.access.users import examiner_accounts
from lib.core.db import Connection
from lib.core.text import nfc
from lib.io.columns import ColumnSpec, map_columns, normalize_header
from lib.io.imports import arrays, pipeline, targets
from lib.io.imports.pipeline import KINDS, Checked, Kind, Progress, Summary, register
from lib.io.uploads import ROW_COLUMN, Problem
from lib.scoring import assignment, batch, rounds
from lib.scoring import entries as scoring_entries
from lib.scoring import sheets as scoring_sheets
from lib.scoring.validation import criterion_points

SCORE_COLUMNS = (
    ColumnSpec("ma_skkn", True, ("Mã", "Mã số", "Mã sáng kiến"), "Mã SKKN"),
    ColumnSpec("giam_khao", True, ("Tên đăng nhập", "Tài khoản", "Người chấm"), "Giám khảo"),
    ColumnSpec("tieu_chi", True, ("Mã tiêu chí",), "Tiêu chí"),
    ColumnSpec("diem", True, ("Điểm chấm", "Điểm số"), "Điểm"),
    ColumnSpec("nhan_xet", False, ("Ghi chú", "Nhận xét chung"), "Nhận xét"),
)
# The wide form: one row per sheet, one column per criterion code, the comment is the overall one.
_WIDE_COLUMNS = tuple(c for c in SCORE_COLUMNS if c.name not in ("tieu_chi", "diem"))


@dataclass
class ScoreFile:
    """A scores file as read: long (one row per score) or wide (one row per sheet)."""

    form: str  # "long" or "wide"
    table: pd.DataFrame
    criteria: list[str] = field(default_factory=list)  # wide form: the other headers


def read_scores(kind: Kind, data: bytes, filename: str) -> tuple[ScoreFile | None, list[Problem]]:
    """Read a scores file; a "Tiêu chí" header means the long form, else one column a criterion."""
    df, problems = pipeline.read_upload(kind, data, filename)
    if df is None:
        return None, problems
    keys = {normalize_header(str(c)) for c in df.columns}
    if keys & {normalize_header(a) for a in ("tieu_chi", "Tiêu chí", "Mã tiêu chí")}:
        table, problems = map_columns(df, list(SCORE_COLUMNS))
        return (ScoreFile("long", table) if table is not None else None), problems
    table, problems = map_columns(df, list(_WIDE_COLUMNS))
    if table is None:
        return None, problems
    known = {c.name for c in _WIDE_COLUMNS} | {ROW_COLUMN}
    criteria = [str(c) for c in table.columns if c not in known]
    return ScoreFile("wide", table, criteria), []


def _criterion_code(r: rounds.Round, text: str) -> str | None:
    codes = {c.code.casefold(): c.code for c in r.rubric.criteria}
    return codes.get(nfc(text).replace(" ", "").casefold())


@dataclass
class _Sheets:
    """The file's sheets in the order they first appear, and their score cells.

    A sheet is one examiner's scores for one entry; a cell is one criterion of a sheet with the
    file row and column it was read from (where a problem with it is shown)."""

    entry: np.ndarray  # index into the round's entries
    user: np.ndarray  # index into the file's usernames
    row: np.ndarray  # the sheet's first row
    overall: list[str]  # wide form: the row's comment
    cell_sheet: np.ndarray
    cell_crit: np.ndarray  # index into the rubric's criteria
    cell_value: np.ndarray  # index into values
    cell_note: np.ndarray  # index into notes
    cell_row: np.ndarray
    cell_column: np.ndarray  # index into columns
    values: list[str]
    notes: list[str]
    columns: list[str]


@dataclass(frozen=True)
class _SheetState:
    """What permissions.why_cannot_import_sheet looks at, read for every sheet at once."""

    examiner: str
    examiner_is_author: bool
    entry_withdrawn: bool
    round_state: str


@dataclass(frozen=True)
class _ScoresPlan:
    """The checked sheets to write, in file order (see batch.store_submitted_sheets)."""

    round: rounds.Round
    sheets: pd.DataFrame  # entry_id, code, examiner, assign, overall
    scores: pd.DataFrame  # sheet, criterion, value, comment


def check_scores(
    con: Connection, parsed: ScoreFile, target: str | None, progress: Progress | None
) -> Checked:
    """Check typed-up paper sheets with every rule of the scoring sheet; find who to assign."""
    long = parsed.form == "long"
    specs = SCORE_COLUMNS if long else _WIDE_COLUMNS
    label = {c.name: c.label for c in specs}
    table = parsed.table
    shown = table[[ROW_COLUMN, *[c.name for c in specs], *parsed.criteria]]
    checked = Checked(kind="scores", table=shown.rename(columns=label))
    problems = checked.problems
    r, missing = targets.find_round(con, target)
    if r is None:
        problems.append(missing)  # type: ignore[arg-type]
        return checked
    if (locked := targets.round_locked(r, "phiếu chấm")) is not None:
        problems.append(locked)
        return checked
    header_row = int(table.attrs.get("header_row", 1))
    columns: dict[str, str] = {}  # wide form: criterion code -> header as written
    for header in parsed.criteria:
        code = _criterion_code(r, header)
        if code is None:
            codes = ", ".join(c.code for c in r.rubric.criteria)
            message = f"Cột “{header}” không phải mã tiêu chí của mẫu phiếu “{r.rubric.name}”."
            problems.append(Problem(header_row, header, f"{message} Các mã: {codes}."))
        elif code in columns:
            problems.append(Problem(header_row, header, f"Hai cột cùng là tiêu chí {code}."))
        else:
            columns[code] = header
    if not long and not parsed.criteria:
        problems.append(Problem(header_row, None, "Không có cột điểm nào: hãy có cột “Tiêu chí” "
                                "và “Điểm”, hoặc mỗi tiêu chí một cột (I.1, I.2…)."))  # fmt: skip
    # A long file is ~150,000 rows and ~15,000 sheets: the rows are checked as arrays (each
    # distinct cell once), the round is read in a few queries, and Problems are made only for
    # the rows and sheets that have one, in the order the row-by-row check gave them.
    entries = scoring_entries.entry_list(con, r.id)
    pipeline.tell(progress, 0.3, f"Đang kiểm tra {len(table):,} dòng…")
    sheets, usernames = _score_rows(con, r, table, long, columns, entries, label, problems)
    pipeline.tell(progress, 0.5, f"Đang kiểm tra {len(sheets.entry):,} phiếu chấm…")
    checks = _check_sheets(con, r, sheets, entries, usernames, problems)
    pipeline.tell(progress, 0.7, "Đang so với các phiếu đã lưu…")
    plan = _planned_sheets(r, sheets, checks, entries, usernames)
    states = np.asarray(batch.submitted_states(con, plan.sheets, plan.scores), dtype=object)
    checked.added = int((states == "new").sum())
    checked.updated = int((states == "replace").sum())
    checked.unchanged = int((states == "same").sum())
    if checked.unchanged:
        # Sheets already submitted with these very scores are left alone (not audited again).
        keep = np.flatnonzero(states != "same")
        renumber = np.full(len(states), -1, dtype=np.int64)
        renumber[keep] = np.arange(len(keep))
        scores = plan.scores[np.isin(plan.scores["sheet"].to_numpy(), keep)]
        scores = scores.assign(sheet=renumber[scores["sheet"].to_numpy()])
        plan = _ScoresPlan(r, plan.sheets.iloc[keep].reset_index(drop=True), scores)
    checked.payload = plan
    return checked


def _score_rows(
    con: Connection,
    r: rounds.Round,
    table: pd.DataFrame,
    long: bool,
    columns: dict[str, str],
    entries: list[scoring_entries.Entry],
    label: dict[str, str],
    problems: list[Problem],
) -> tuple[_Sheets, list[str]]:
    """Check each row's entry, examiner, criterion and duplicates; gather rows into sheets."""
    rows = table[ROW_COLUMN].to_numpy(dtype=np.int64)
    by_code = {e.code.casefold(): i for i, e in enumerate(entries)}
    code_of, codes = arrays.distinct(table, "ma_skkn")
    entry_of = arrays.pick([by_code.get(c.casefold(), -1) for c in codes], code_of)
    # Usernames are matched in lower case; a refusal quotes the name as first written.
    raw_of, written = arrays.distinct(table, "giam_khao")
    index: dict[str, int] = {}
    first_written: list[str] = []
    for text in written:
        if text.lower() not in index:
            index[text.lower()] = len(first_written)
            first_written.append(text)
    user_of = arrays.pick([index[t.lower()] for t in written], raw_of)
    usernames = list(index)
    active = set(examiner_accounts(con)["username"])
    refusals = [
        None if u in active else (
            f"Không có giám khảo “{w}”: ghi tên đăng nhập của một tài khoản giám khảo đang "
            "hoạt động." if u else "Giám khảo đang trống."
        )
        for u, w in zip(usernames, first_written, strict=True)
    ]  # fmt: skip
    user_bad = arrays.pick([m is not None for m in refusals], user_of, bool)
    valid = (entry_of >= 0) & ~user_bad
    at = np.flatnonzero(valid)  # rows that belong to a sheet
    width = max(len(usernames), 1)
    sheet_of, keys = pd.factorize(entry_of[at] * width + user_of[at])
    sheet_of = sheet_of.astype(np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    first = at[np.unique(sheet_of, return_index=True)[1]]
    sheet_row = rows[first]
    later: dict[int, tuple[str, str]] = {}  # row position -> (column, message) after the two
    note_of, notes = arrays.distinct(table, "nhan_xet")
    if long:
        crit_index = {c.code: i for i, c in enumerate(r.rubric.criteria)}
        crit_raw, crit_texts = arrays.distinct(table, "tieu_chi")
        crit_at = arrays.pick([crit_index.get(_criterion_code(r, t) or "", -1) for t in crit_texts],
                        crit_raw)[at]  # fmt: skip
        known = crit_at >= 0
        for pos in at[~known]:
            later[int(pos)] = ("tieu_chi", f"Tiêu chí “{crit_texts[crit_raw[pos]]}” không có "
                               f"trong mẫu phiếu “{r.rubric.name}”.")  # fmt: skip
        key = sheet_of[known] * len(crit_index) + crit_at[known]
        repeated = pd.Series(key).duplicated().to_numpy()
        if repeated.any():
            firsts = pd.Series(at[known]).groupby(key).transform("first").to_numpy()
            for pos, f in zip(at[known][repeated], firsts[repeated], strict=True):
                later[int(pos)] = ("tieu_chi", pipeline.duplicate_row(int(rows[f])))
        kept = at[known][~repeated]
        value_of, values = arrays.distinct(table, "diem")
        sheets = _Sheets(
            entry=keys // width, user=keys % width, row=sheet_row, overall=[""] * len(keys),
            cell_sheet=sheet_of[known][~repeated], cell_crit=crit_at[known][~repeated],
            cell_value=value_of[kept], cell_note=note_of[kept], cell_row=rows[kept],
            cell_column=np.zeros(len(kept), dtype=np.int64), values=values, notes=notes,
            columns=[label["diem"]],
        )  # fmt: skip
    else:
        repeated = pd.Series(sheet_of).duplicated().to_numpy()
        for pos, s in zip(at[repeated], sheet_of[repeated], strict=True):
            e, u = divmod(int(keys[s]), width)
            message = f"Phiếu của {usernames[u]} cho {entries[e].code} đã có ở dòng {sheet_row[s]}."
            later[int(pos)] = ("giam_khao", f"{message} Hãy xoá một trong hai dòng.")
        kept, kept_sheet = at[~repeated], sheet_of[~repeated]
        crit_index = {c.code: i for i, c in enumerate(r.rubric.criteria)}
        values, parts = [], []
        for n, (code, header) in enumerate(columns.items()):
            value_of, texts = arrays.distinct(table, header)
            parts.append((crit_index[code], value_of[kept] + len(values), n))
            values += texts
        sheets = _Sheets(
            entry=keys // width, user=keys % width, row=sheet_row,
            overall=[notes[note_of[p]] for p in first],
            cell_sheet=np.concatenate([kept_sheet for _ in parts] or [kept_sheet[:0]]),
            cell_crit=np.concatenate([np.full(len(kept), c) for c, _, _ in parts] or [kept[:0]]),
            cell_value=np.concatenate([v for _, v, _ in parts] or [kept[:0]]),
            cell_note=np.full(len(kept) * len(parts), -1, dtype=np.int64),
            cell_row=np.concatenate([rows[kept] for _ in parts] or [kept[:0]]),
            cell_column=np.concatenate([np.full(len(kept), n) for _, _, n in parts] or [kept[:0]]),
            values=values, notes=notes, columns=list(columns.values()),
        )  # fmt: skip
    flagged = set(np.flatnonzero(~valid).tolist()) | set(later)
    for pos in sorted(flagged):
        row = int(rows[pos])
        if entry_of[pos] < 0:
            code = codes[code_of[pos]]
            message = f"Không có SKKN mã “{code}” trong đợt chấm “{r.name}”."
            message = message if code else "Mã SKKN đang trống."
            problems.append(Problem(row, label["ma_skkn"], message))
        if (refusal := refusals[user_of[pos]]) is not None:
            problems.append(Problem(row, label["giam_khao"], refusal))
        if pos in later:
            column, message = later[pos]
            problems.append(Problem(row, label[column], message))
    return sheets, usernames


@dataclass(frozen=True)
class _SheetChecks:
    """What the sheet checks found: which sheets pass, and their checked cells."""

    good: np.ndarray  # per sheet
    assigned: np.ndarray  # per sheet
    points: list[str]  # per distinct (criterion, points): checked points as text
    cell_points: np.ndarray  # per cell: index into points
    notes: list[str]  # per distinct note: as the sheet keeps it


def _author_keys(
    con: Connection, entries: list[scoring_entries.Entry], usernames: list[str]
) -> set:
    """(entry, user) index pairs where the account's person wrote the entry (identity's rule)."""
    users = {u: i for i, u in enumerate(usernames)}
    rows = con.execute(
        "SELECT u.username, u.person_id, p.full_name FROM users u "
        "JOIN people p ON p.id = u.person_id"
    ).fetchall()
    matcher = AuthorMatcher((users[u], int(pid), name) for u, pid, name in rows if u in users)
    width = max(len(usernames), 1)
    return {i * width + u for i, e in enumerate(entries) for u in matcher.writers(e.authors)}


def _check_sheets(
    con: Connection,
    r: rounds.Round,
    sheets: _Sheets,
    entries: list[scoring_entries.Entry],
    usernames: list[str],
    problems: list[Problem],
) -> _SheetChecks:
    """Apply the scoring sheet's rules (scoring_sheets.check_sheet) and who may score (the import's
    permission, the assignment rules) to every sheet; problems name their rows and columns."""
    count, criteria = len(sheets.entry), r.rubric.criteria
    width = max(len(usernames), 1)
    key = sheets.entry * width + sheets.user
    # Points: each distinct (criterion, points) is checked once.
    span = max(len(sheets.values), 1)
    pair_of, pairs = pd.factorize(sheets.cell_crit * span + sheets.cell_value)
    points, wrong = [], []
    for p in pairs:
        crit, value = divmod(int(p), span)
        raw = sheets.values[value]
        clean, problem = (
            criterion_points(criteria[crit], r.rubric.step, raw, submit=True)
            if raw
            else (None, None)
        )
        points.append(str(clean) if clean is not None else "")
        wrong.append(problem.message if problem is not None else None)
    filled = arrays.pick([bool(v) for v in sheets.values], sheets.cell_value, bool)
    missing = np.bincount(sheets.cell_sheet[filled], minlength=count) < len(criteria)
    bad_points = arrays.pick([w is not None for w in wrong], pair_of.astype(np.int64), bool)
    # Cells are NFC with single spaces already: the sheet's nfc (check_note) keeps them as read.
    kept_notes = [*sheets.notes, ""]
    note_at = np.where(sheets.cell_note >= 0, sheets.cell_note, len(sheets.notes))
    long_note = arrays.pick(
        [len(n) > scoring_sheets.MAX_COMMENT for n in kept_notes], note_at, bool
    )
    overall_of, overall_texts = pd.factorize(np.asarray(sheets.overall, dtype=object))
    overall = [scoring_sheets.check_overall(t) for t in overall_texts.tolist()]
    bad_overall = arrays.pick(
        [p is not None for _, p in overall], overall_of.astype(np.int64), bool
    )
    # Who may score: authors, withdrawn entries, the round's state; then assignment rules.
    by_id = {e.id: i for i, e in enumerate(entries)}
    users = {u: i for i, u in enumerate(usernames)}

    def pairs_of(sql: str) -> dict[int, tuple]:
        found = {}
        for entry_id, examiner, *rest in con.execute(sql, [r.id]).fetchall():
            if examiner in users and entry_id in by_id:
                found[by_id[entry_id] * width + users[examiner]] = tuple(rest)
        return found

    assigned_keys = pairs_of(
        "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "WHERE e.round_id = ?"
    )
    conflicts = pairs_of(
        "SELECT c.entry_id, c.examiner FROM conflicts c "
        "JOIN entries e ON e.id = c.entry_id WHERE e.round_id = ?"
    )
    author = np.isin(key, list(_author_keys(con, entries, usernames)))
    withdrawn = arrays.pick([e.withdrawn for e in entries], sheets.entry, bool)
    # Who may score is the import's permission, asked once per (author, withdrawn) pair.
    may_not = [
        why_cannot_import_sheet(_SheetState("", bool(a), bool(w), r.state)) is not None
        for a in (False, True)
        for w in (False, True)
    ]
    refused = np.asarray(may_not, dtype=bool)[author.astype(np.int64) * 2 + withdrawn]
    assigned = np.isin(key, list(assigned_keys))
    conflict = np.isin(key, list(conflicts))
    closed = not can_assign(r)  # no assignment in this round state, for anyone
    unassignable = ~refused & ~assigned & (conflict | closed)
    cell_bad = bad_points | long_note
    bad = refused | unassignable | missing | bad_overall
    bad |= np.bincount(sheets.cell_sheet[cell_bad], minlength=count) > 0
    details = _SheetChecks(~bad, assigned, points, pair_of.astype(np.int64), kept_notes[:-1])
    if bad.any():
        context = (author, withdrawn, refused, unassignable, filled, bad_points, long_note,
                   [overall[i] for i in overall_of], wrong)  # fmt: skip
        _sheet_problems(con, r, sheets, details, entries, usernames, bad, context, problems)
    return details


def _sheet_problems(
    con: Connection,
    r: rounds.Round,
    sheets: _Sheets,
    details: _SheetChecks,
    entries: list[scoring_entries.Entry],
    usernames: list[str],
    bad: np.ndarray,
    context: tuple,
    problems: list[Problem],
) -> None:
    """The problems of the sheets that have some, in file order, as the sheet-by-sheet check
    worded and placed them: who may score, missing criteria, then points and comments."""
    author, withdrawn, refused, unassignable, filled, bad_points, long_note, overall, wrong = (
        context
    )
    kind = KINDS["scores"]
    examiner_column, criterion_column = kind.spec("giam_khao").label, kind.spec("tieu_chi").label
    criteria = r.rubric.criteria
    cells: dict[int, list[int]] = {}
    for i in np.flatnonzero(bad[sheets.cell_sheet]):
        cells.setdefault(int(sheets.cell_sheet[i]), []).append(int(i))
    for s in np.flatnonzero(bad):
        e, examiner, row = entries[sheets.entry[s]], usernames[sheets.user[s]], int(sheets.row[s])
        if refused[s]:
            state = _SheetState(examiner, bool(author[s]), bool(withdrawn[s]), r.state)
            refusal = why_cannot_import_sheet(state)
            problems.append(Problem(row, examiner_column, f"Phiếu {e.code}: {refusal}"))
        elif unassignable[s]:
            # Few sheets: the assignment rule itself says why (the closed round, the conflict).
            reason = assignment.assign_problem(con, e, r, examiner)
            problems.append(Problem(row, examiner_column, str(reason)))
        mine = cells.get(int(s), [])
        have = {int(sheets.cell_crit[i]) for i in mine if filled[i]}
        missing = [c.code for n, c in enumerate(criteria) if n not in have]
        if missing:
            # One message per sheet, not one per criterion: a forgotten row is one mistake.
            listed = ", ".join(missing)
            message = f"Phiếu của {examiner} cho {e.code} thiếu điểm {len(missing)} tiêu chí: "
            problems.append(Problem(row, criterion_column, f"{message}{listed}."))
        for i in sorted(mine, key=lambda i: sheets.cell_crit[i]):
            if bad_points[i]:
                column = sheets.columns[sheets.cell_column[i]]
                message = wrong[details.cell_points[i]]
                problems.append(Problem(int(sheets.cell_row[i]), column, message))
        for i in sorted(mine, key=lambda i: sheets.cell_row[i]):
            if long_note[i]:
                code = criteria[sheets.cell_crit[i]].code
                message = scoring_sheets.check_note(code, sheets.notes[sheets.cell_note[i]])[1]
                column = sheets.columns[sheets.cell_column[i]]
                problems.append(Problem(int(sheets.cell_row[i]), column, str(message)))
        if overall[s][1]:
            problems.append(Problem(row, kind.spec("nhan_xet").label, overall[s][1]))


def _planned_sheets(
    r: rounds.Round,
    sheets: _Sheets,
    checks: _SheetChecks,
    entries: list[scoring_entries.Entry],
    usernames: list[str],
) -> _ScoresPlan:
    """The sheets that pass, in file order, with their checked points and comments."""
    chosen = np.flatnonzero(checks.good)
    position = np.full(len(sheets.entry), -1, dtype=np.int64)
    position[chosen] = np.arange(len(chosen))
    entry, user = sheets.entry[chosen], sheets.user[chosen]
    overall = [t.strip() for t in sheets.overall]  # as scoring_sheets.check_overall keeps it
    plan = pd.DataFrame(
        {
            "entry_id": arrays.pick([e.id for e in entries], entry),
            "code": arrays.strings([e.code for e in entries], entry),
            "examiner": arrays.strings(usernames, user),
            "assign": ~checks.assigned[chosen],
            "overall": arrays.strings(overall, chosen),
        }
    )
    cells = np.flatnonzero(checks.good[sheets.cell_sheet])
    codes = [c.code for c in r.rubric.criteria]
    note_at = np.where(sheets.cell_note >= 0, sheets.cell_note, len(checks.notes))[cells]
    scores = pd.DataFrame(
        {
            "sheet": position[sheets.cell_sheet[cells]],
            "criterion": arrays.strings(codes, sheets.cell_crit[cells]),
            "value": arrays.strings(checks.points, checks.cell_points[cells]),
            "comment": arrays.strings([*checks.notes, ""], note_at),
        }
    )
    return _ScoresPlan(r, plan, scores)


def write_scores(con: Connection, checked: Checked, actor: str) -> Summary:
    """Assign examiners not yet assigned, then submit each sheet (replacing one re-imported)."""
    plan: _ScoresPlan = checked.payload
    r = plan.round
    batch.store_submitted_sheets(con, r, plan.sheets, plan.scores, actor, action="import")
    assigned = int(plan.sheets["assign"].sum())
    detail = f"Đợt chấm “{r.name}”: {len(plan.sheets)} phiếu đã nộp."
    if assigned:
        detail += f" Phân công thêm {assigned} giám khảo chưa được phân công."
    return Summary("scores", checked.added, checked.updated, checked.unchanged, detail, str(r.id))


register(
    Kind(
        name="scores",
        label="Điểm chấm (phiếu giấy đã nhập)",
        extensions=(".xlsx", ".csv", ".txt"),
        read=read_scores,
        check=check_scores,
        write=write_scores,
        columns=SCORE_COLUMNS,
        example=("SKKN-001", "gk_lan", "I.1", "0,75", "Đặt vấn đề rõ ràng"),
        target="round",
        help="Mỗi dòng một điểm (Mã SKKN, Giám khảo, Tiêu chí, Điểm), hoặc mỗi dòng một phiếu "
        "với mỗi tiêu chí một cột (I.1, I.2…). Phiếu nhập vào được tính là đã nộp; giám khảo "
        "chưa được phân công thì được phân công; nhập lại thì phiếu cũ được thay.",
    ),
)
