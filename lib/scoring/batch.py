"""Many submitted sheets at once (typed-up paper sheets): checked states, one batch write."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from json.encoder import encode_basestring  # what json.dumps(ensure_ascii=False) uses for str
from typing import Any

import numpy as np
import pandas as pd

from lib.core import audit
from lib.core.db import Connection, registered
from lib.core.errors import Invalid
from lib.scoring.assignment import assignment_snapshot, insert_assignments
from lib.scoring.rounds import Round
from lib.scoring.rubric import format_number
from lib.scoring.sheets import sheet_snapshot
from lib.scoring.stats import plain

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

# A new submitted sheet's audit JSON with holes the batch fills in (scores, comments, overall,
# version): made from sheet_snapshot, so its keys and their order are the one-by-one ones. One
# json.dumps per sheet instead would add ~0.1 s CPU to a 150,000-row import (13,636 sheets).
_SUBMITTED = (
    audit.as_json(sheet_snapshot("submitted", "@S", "@C", "@O", -1))  # type: ignore[arg-type]
    .replace('"@S"', "{%s}")
    .replace('"@C"', "{%s}")
    .replace('"@O"', "%s")
    .replace("-1}", "%d}")
)


def _assignment_json(assigned: pd.DataFrame) -> list[str | None]:
    """Each assignment's audit JSON as assignment.assign writes it, through the one encoder."""
    # A few dozen (examiner, GK) pairs serve thousands of assignments: each is encoded once.
    encoded: dict[tuple[str, int], str | None] = {}
    out = []
    for pair in zip(assigned["examiner"].tolist(), assigned["ord"].tolist(), strict=True):
        if pair not in encoded:
            encoded[pair] = audit.as_json(assignment_snapshot(*pair))
        out.append(encoded[pair])
    return out


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
    with registered(
        con, _sheets_in=frame, _scores_in=scores[["sheet", "criterion", "value", "comment"]]
    ):
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
    with registered(con, _assign_in=wanted):
        planned = con.execute(
            "SELECT f.pos, f.entry_id, f.code, f.examiner, coalesce(m.top, 0) + "
            "    row_number() OVER (PARTITION BY f.entry_id ORDER BY f.pos) AS ord "
            "FROM _assign_in f LEFT JOIN (SELECT a.entry_id, max(a.ord) AS top FROM assignments a "
            "    WHERE a.entry_id IN (SELECT entry_id FROM _assign_in) GROUP BY a.entry_id) m "
            "    USING (entry_id) ORDER BY f.pos"
        ).df()
    full = planned[planned["ord"] > 9]
    if not full.empty:
        raise Invalid({"examiner": f"{full['code'].iloc[0]} đã có quá nhiều giám khảo."})
    insert_assignments(con, r.id, planned, actor)
    return planned


def _replaced_snapshots(
    con: Connection, sheets: pd.DataFrame, rows: pd.DataFrame, saved: pd.DataFrame
) -> dict[int, tuple[str, str]]:
    """Before and after audit snapshots of sheets saved before (few: a corrected re-import)."""
    if saved.empty:
        return {}
    with registered(con, _saved=saved):
        # rowid order is the order _load reads a sheet's scores in, so the JSON matches.
        stored_rows = con.execute(
            "SELECT sc.sheet_id, sc.criterion, sc.value, sc.comment FROM scores sc "
            "WHERE sc.sheet_id IN (SELECT sheet_id FROM _saved) ORDER BY sc.sheet_id, sc.rowid"
        ).fetchall()
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
        out[int(pos)] = (audit.as_json(before), audit.as_json(after))
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
    with registered(con, _sheets_in=frame):
        saved = con.execute(
            "SELECT f.pos, s.id AS sheet_id, s.status, s.comment, s.version FROM _sheets_in f "
            "JOIN sheets s ON s.entry_id = f.entry_id AND s.examiner = f.examiner ORDER BY f.pos"
        ).df()
    snapshots = _replaced_snapshots(con, sheets, rows, saved)
    frame["fresh"] = True
    frame.loc[saved["pos"].to_numpy(dtype=np.int64), "fresh"] = False
    with registered(con, _sheets_in=frame):
        # New sheets take their ids in file order, as when created one by one.
        created = con.execute(
            "INSERT INTO sheets (entry_id, examiner, version) SELECT entry_id, examiner, 0 "
            "FROM _sheets_in WHERE fresh ORDER BY pos RETURNING id"
        ).fetchnumpy()["id"]
    ids = np.zeros(len(sheets), dtype=np.int64)
    ids[frame["fresh"].to_numpy()] = np.sort(np.asarray(created, dtype=np.int64))
    ids[saved["pos"].to_numpy(dtype=np.int64)] = saved["sheet_id"].to_numpy(dtype=np.int64)
    frame["sheet_id"] = ids
    versions = np.zeros(len(sheets), dtype=np.int64)
    versions[saved["pos"].to_numpy(dtype=np.int64)] = saved["version"].to_numpy(dtype=np.int64)
    rows["sheet_id"] = frame["sheet_id"].to_numpy()[rows["sheet"].to_numpy()]
    with registered(con, _scores_in=rows, _sheets_in=frame):
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
    keys = [audit.as_json(c.code) for c in r.rubric.criteria]
    # A new sheet's "scores" are its points in rubric order: each distinct (criterion, points)
    # is written as JSON once; rows are sorted, so each sheet is one row of a count x width grid.
    values, texts = pd.factorize(rows["value"])
    shown = [audit.as_json(_stored_text(t)) for t in texts.tolist()]
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
                "after": _objects(_assignment_json(assigned)),
            }
        )  # fmt: skip
        audit_rows = pd.concat([gk, audit_rows], ignore_index=True)
    with registered(con, _audit_in=audit_rows):
        con.execute(
            "INSERT INTO audit_log (actor, action, entity, entity_id, before, after) "
            "SELECT ?, action, entity, entity_id, before, after FROM _audit_in ORDER BY seq",
            [actor],
        )
