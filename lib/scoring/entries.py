"""SKKN entries of a round: registering, editing and withdrawing them, their authors with
shares, their document and code."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from lib.access.permissions import why_cannot_add_entries
from lib.core import audit
from lib.core.db import Connection, registered, transaction, transactional
from lib.core.errors import Invalid
from lib.core.text import nfc
from lib.io.ooxml import check_office_zip
from lib.scoring.authors import (
    Author,
    AuthorIn,
    PeopleBook,
    author_key,
    authors_text,
    check_authors,
    examiner_authors,
)
from lib.scoring.rounds import require_editable, require_round

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
}
_CODE_NUMBER = re.compile(r"^SKKN-(\d+)$")


@dataclass(frozen=True)
class Entry:
    """An SKKN registered in a round (without its document bytes)."""

    id: int
    round_id: int
    code: str
    title: str
    field: str
    group_name: str
    withdrawn: bool
    withdrawn_reason: str
    document_name: str | None
    document_mime: str | None
    is_demo: bool
    authors: tuple[Author, ...]

    @property
    def authors_text(self) -> str:
        """Authors joined the way the council writes them: "A (60%); B (40%)"."""
        return authors_text(self.authors)


def check_document(data: bytes | None, filename: str | None) -> tuple[str | None, str | None]:
    """Accept a PDF or DOCX document; return (name, mime), or raise Invalid."""
    if not data:
        return None, None
    name = nfc(Path(filename or "").name)
    suffix = Path(name).suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise Invalid({"document": f"Tệp '{name}' không nhận được: chỉ nhận PDF hoặc DOCX."})
    mime, magic = DOCUMENT_TYPES[suffix]
    if not data.startswith(magic):
        raise Invalid({"document": f"Tệp '{name}' không phải là tệp {suffix[1:].upper()} hợp lệ."})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Invalid(
            {"document": f"Tệp '{name}' lớn quá {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB."}
        )
    # A renamed zip (or a zip bomb) starts with the same magic bytes as a real .docx.
    if suffix == ".docx" and (problem := check_office_zip(data, "docx")):
        raise Invalid({"document": f"Tệp '{name}': {problem}"})
    return name, mime


def generated_code(number: int) -> str:
    """The code the app gives an entry registered without one: SKKN-001, SKKN-002, …"""
    return f"SKKN-{number:03d}"


def next_code_number(con: Connection, round_id: int) -> int:
    """The number of the round's next generated code (one past the highest SKKN-nnn)."""
    numbers = [
        int(m.group(1))
        for (code,) in con.execute(
            "SELECT code FROM entries WHERE round_id = ?", [round_id]
        ).fetchall()
        if (m := _CODE_NUMBER.match(code))
    ]
    return max(numbers, default=0) + 1


def next_code(con: Connection, round_id: int) -> str:
    """The next generated code of the round: SKKN-001, SKKN-002, …"""
    return generated_code(next_code_number(con, round_id))


def check_code(con: Connection, round_id: int, code: str, entry_id: int | None) -> str | None:
    """Why this code cannot be the entry's code in the round, or None."""
    if not code or len(code) > 30:
        return code_problem(code, False)
    taken = code_clashes(con, round_id, [(code, entry_id)])
    return code_problem(code, bool(taken))


def code_problem(code: str, taken: bool) -> str | None:
    """check_code's answer, given whether another entry of the round has the code."""
    if not code:
        return "Hãy nhập mã SKKN (hoặc để trống để tự sinh)."
    if len(code) > 30:
        return "Mã SKKN dài quá 30 ký tự."
    return f"Mã SKKN '{code}' đã có trong đợt chấm này." if taken else None


def code_clashes(
    con: Connection, round_id: int, wanted: Sequence[tuple[str, int | None]]
) -> set[int]:
    """Which of these (code, entry id) another entry of the round already has, case aside: the
    positions in `wanted`, in one query."""
    if not wanted:
        return set()
    rows = con.execute(
        "SELECT DISTINCT w.pos FROM (SELECT unnest(?) AS code, unnest(?) AS entry_id, "
        " unnest(range(len(?))) AS pos) w JOIN entries e ON e.round_id = ? "
        " AND lower(e.code) = lower(w.code) AND e.id <> coalesce(w.entry_id, -1)",
        [[c for c, _ in wanted], [i for _, i in wanted], [c for c, _ in wanted], round_id],
    ).fetchall()
    return {int(p) for (p,) in rows}


def _write_authors(con: Connection, entry_id: int, authors: Sequence[Author]) -> None:
    con.execute("DELETE FROM entry_authors WHERE entry_id = ?", [entry_id])
    _insert_authors(con, [(entry_id, authors)])


def _insert_authors(con: Connection, written: Sequence[tuple[int, Sequence[Author]]]) -> None:
    """Store each entry's authors in order (its old ones already deleted), in one statement."""
    rows = [(entry_id, n, a) for entry_id, authors in written
            for n, a in enumerate(authors, start=1)]  # fmt: skip
    frame = pd.DataFrame(
        {
            "entry_id": [e for e, _, _ in rows],
            "position": [n for _, n, _ in rows],
            "person_id": pd.array([a.person_id for _, _, a in rows], dtype="Int64"),
            "name": [a.name for _, _, a in rows],
            "share": [str(a.share) for _, _, a in rows],
        }
    )
    with registered(con, _authors_in=frame):
        con.execute(
            "INSERT INTO entry_authors SELECT entry_id, position, person_id, name, "
            "CAST(share AS DECIMAL(5, 2)) FROM _authors_in"
        )


def _entry_snapshot(e: Entry) -> dict:
    return {
        "code": e.code, "title": e.title, "field": e.field, "group_name": e.group_name,
        "authors": e.authors_text, "document": e.document_name, "withdrawn": e.withdrawn,
    }  # fmt: skip


def _check_entry(
    con: Connection,
    round_id: int,
    entry_id: int | None,
    code: str,
    title: str,
    authors: Sequence[AuthorIn | Mapping[str, Any]],
    errors: dict[str, str],
    people: PeopleBook | None = None,
) -> tuple[str, list[Author]]:
    """Check an entry's code, title and authors into `errors`; return the clean title, authors."""
    problem = check_code(con, round_id, code, entry_id)
    if problem:
        errors["code"] = problem
    clean_title = nfc(title or "")
    if not clean_title:
        errors["title"] = "Hãy nhập tên SKKN."
    clean, author_errors = check_authors(con, authors, people)
    errors.update(author_errors)
    return clean_title, clean


@transactional
def add_entry(
    con: Connection,
    round_id: int,
    actor: str,
    *,
    title: str,
    authors: Sequence[AuthorIn | Mapping[str, Any]],
    code: str | None = None,
    field: str = "",
    group_name: str = "",
    document: bytes | None = None,
    document_name: str | None = None,
    is_demo: bool = False,
) -> int:
    """Register an SKKN: code given or generated, authors with shares adding to 100."""
    r = require_round(con, round_id)
    errors: dict[str, str] = {}
    refused = why_cannot_add_entries(r)
    if refused:
        errors["state"] = refused
    code = nfc(code or "") or next_code(con, round_id)
    title, clean = _check_entry(con, round_id, None, code, title, authors, errors)
    try:
        doc_name, mime = check_document(document, document_name)
    except Invalid as exc:
        errors.update(exc.errors)
        doc_name = mime = None
    if errors:
        raise Invalid(errors)
    group = nfc(group_name or "")
    if not group and clean and clean[0].person_id is not None:
        row = con.execute(
            "SELECT group_name FROM people WHERE id = ?", [clean[0].person_id]
        ).fetchone()
        group = row[0] if row else ""
    row = con.execute(
        "INSERT INTO entries (round_id, code, title, field, group_name, document, "
        " document_name, document_mime, is_demo, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [round_id, code, title, nfc(field or ""), group, document if doc_name else None,
         doc_name, mime, is_demo, actor],
    ).fetchone()  # fmt: skip
    assert row is not None
    entry_id = int(row[0])
    _write_authors(con, entry_id, clean)
    entry = require_entry(con, entry_id)
    audit.record(con, actor, "create", "entry", f"{round_id}:{code}", None,
                 _entry_snapshot(entry))  # fmt: skip
    return entry_id


def insert_entries(con: Connection, round_id: int, actor: str, new: Sequence[Mapping]) -> None:
    """Store entries already checked as add_entry checks them (code, title, authors, field,
    group_name each), as add_entry stores and logs them, a few statements for them all."""
    if not new:
        return
    # Inside the caller's transaction; an import's 600 entries one add_entry each took a
    # minute, most of it re-reading everyone to match the authors again.
    frame = pd.DataFrame(
        {
            "pos": range(len(new)),
            "code": [nfc(f["code"]) for f in new],
            "title": [nfc(f["title"]) for f in new],
            "field": [nfc(f["field"] or "") for f in new],
            "group_name": [nfc(f["group_name"] or "") for f in new],
            "first_person": pd.array(
                [f["authors"][0].person_id if f["authors"] else None for f in new], dtype="Int64"
            ),
        }
    )
    with registered(con, _entries_in=frame):
        ids = con.execute(
            "INSERT INTO entries (round_id, code, title, field, group_name, is_demo, created_by) "
            "SELECT ?, b.code, b.title, b.field, CASE WHEN b.group_name <> '' THEN b.group_name "
            " ELSE coalesce(p.group_name, '') END, false, ? FROM _entries_in b "
            "LEFT JOIN people p ON p.id = b.first_person ORDER BY b.pos RETURNING id, code",
            [round_id, actor],
        ).fetchall()
    id_of = {code: int(i) for i, code in ids}
    entry_ids = [id_of[c] for c in frame["code"]]
    _insert_authors(con, [(e, f["authors"]) for e, f in zip(entry_ids, new, strict=True)])
    # Logged as stored (read back), as add_entry logs require_entry's entry.
    stored = {e.id: e for e in entries_by_id(con, entry_ids)}
    log = pd.DataFrame(
        {
            "entity_id": [f"{round_id}:{c}" for c in frame["code"]],
            "after": [audit.as_json(_entry_snapshot(stored[i])) for i in entry_ids],
        }
    )
    audit.record_rows(con, actor, "create", "entry",
                      "SELECT entity_id, NULL AS before, after FROM batch", batch=log)  # fmt: skip


def entries_by_id(con: Connection, entry_ids: Sequence[int]) -> list[Entry]:
    """These entries with their authors, in one read (ids not found are left out)."""
    rows = con.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE list_contains(?, id) ORDER BY id",
        [list(entry_ids)],
    ).fetchall()
    authors = authors_of(con, [int(r[0]) for r in rows])
    return [Entry(*r, authors=authors[int(r[0])]) for r in rows]


@transactional
def update_entry(
    con: Connection,
    entry_id: int,
    actor: str,
    *,
    title: str,
    authors: Sequence[AuthorIn | Mapping[str, Any]],
    code: str,
    field: str = "",
    group_name: str = "",
    people: PeopleBook | None = None,
) -> None:
    """Change an entry's code, title, field, group or authors (not once finalized); `people`:
    everyone read once by a caller changing many entries."""
    before = require_entry(con, entry_id)
    r = require_round(con, before.round_id)
    require_editable(r)
    errors: dict[str, str] = {}
    code = nfc(code or "")
    title, clean = _check_entry(con, r.id, entry_id, code, title, authors, errors, people)
    if not errors:
        clash = examiner_authors(con, entry_id, clean)
        if clash:
            errors["authors"] = (
                f"{', '.join(clash)} đang được phân công chấm SKKN này nên không thể là "
                "tác giả: bỏ phân công trước."
            )
    if errors:
        raise Invalid(errors)
    con.execute(
        "UPDATE entries SET code = ?, title = ?, field = ?, group_name = ?, "
        "updated_at = current_localtimestamp() WHERE id = ?",
        [code, title, nfc(field or ""), nfc(group_name or ""), entry_id],
    )
    if author_key(before.authors) != author_key(clean):
        _write_authors(con, entry_id, clean)
    after = require_entry(con, entry_id)
    audit.record(con, actor, "update", "entry", f"{r.id}:{after.code}",
                 _entry_snapshot(before), _entry_snapshot(after))  # fmt: skip


def update_entries(con: Connection, round_id: int, actor: str, changes: Sequence[Mapping]) -> None:
    """Store changes already checked as update_entry checks them (id, code, title, authors,
    field, group_name each), as update_entry stores and logs them, a few statements for all."""
    if not changes:
        return
    # Inside the caller's transaction, which checked them: a district's 600 changed entries
    # one update_entry each (its checks again, ~10 statements) took seconds.
    ids = [int(f["id"]) for f in changes]
    before = {e.id: e for e in entries_by_id(con, ids)}
    frame = pd.DataFrame(
        {
            "id": ids,
            "code": [nfc(f["code"] or "") for f in changes],
            "title": [nfc(f["title"] or "") for f in changes],
            "field": [nfc(f["field"] or "") for f in changes],
            "group_name": [nfc(f["group_name"] or "") for f in changes],
        }
    )
    with registered(con, _changes_in=frame):
        con.execute(
            "UPDATE entries SET code = b.code, title = b.title, field = b.field, "
            "group_name = b.group_name, updated_at = current_localtimestamp() "
            "FROM _changes_in b WHERE entries.id = b.id"
        )
    rewritten = [(i, f["authors"]) for i, f in zip(ids, changes, strict=True)
                 if author_key(before[i].authors) != author_key(f["authors"])]  # fmt: skip
    if rewritten:
        con.execute(
            "DELETE FROM entry_authors WHERE list_contains(?, entry_id)",
            [[i for i, _ in rewritten]],
        )
        _insert_authors(con, rewritten)
    after = {e.id: e for e in entries_by_id(con, ids)}
    log = pd.DataFrame(
        {
            "entity_id": [f"{round_id}:{after[i].code}" for i in ids],
            "before": [audit.as_json(_entry_snapshot(before[i])) for i in ids],
            "after": [audit.as_json(_entry_snapshot(after[i])) for i in ids],
        }
    )
    audit.record_rows(con, actor, "update", "entry",
                      "SELECT entity_id, before, after FROM batch", batch=log)  # fmt: skip


def set_document(
    con: Connection, entry_id: int, actor: str, data: bytes | None, filename: str | None
) -> None:
    """Attach (or with no data, remove) the entry's PDF/DOCX document."""
    with transaction(con):
        e = require_entry(con, entry_id)
        require_editable(require_round(con, e.round_id))
        name, mime = check_document(data, filename)
        con.execute(
            "UPDATE entries SET document = ?, document_name = ?, document_mime = ?, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [data if name else None, name, mime, entry_id],
        )
        audit.record(con, actor, "document", "entry", f"{e.round_id}:{e.code}",
                     {"document": e.document_name}, {"document": name})  # fmt: skip


def withdraw_entry(
    con: Connection, entry_id: int, actor: str, reason: str = "", withdrawn: bool = True
) -> None:
    """Mark an entry withdrawn (kept, no longer scored or counted), or take the mark back."""
    with transaction(con):
        e = require_entry(con, entry_id)
        require_editable(require_round(con, e.round_id))
        reason = nfc(reason or "")
        if withdrawn and not reason:
            raise Invalid({"reason": "Hãy ghi lý do rút SKKN."})
        con.execute(
            "UPDATE entries SET withdrawn = ?, withdrawn_reason = ?, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [withdrawn, reason if withdrawn else "", entry_id],
        )
        audit.record(con, actor, "withdraw" if withdrawn else "restore", "entry",
                     f"{e.round_id}:{e.code}", {"withdrawn": e.withdrawn},
                     {"withdrawn": withdrawn, "reason": reason})  # fmt: skip


def authors_of(con: Connection, entry_ids: Sequence[int]) -> dict[int, tuple[Author, ...]]:
    """The authors of each of these entries, in their order on the entry."""
    found: dict[int, list[Author]] = {i: [] for i in entry_ids}
    if not entry_ids:
        return {}
    for entry_id, name, share, person_id in con.execute(
        "SELECT entry_id, name, share, person_id FROM entry_authors "
        "WHERE list_contains(?, entry_id) ORDER BY entry_id, position",
        [list(entry_ids)],
    ).fetchall():
        found[int(entry_id)].append(Author(name, share, person_id))
    return {k: tuple(v) for k, v in found.items()}


_ENTRY_COLUMNS = (
    "id, round_id, code, title, field, group_name, withdrawn, withdrawn_reason, document_name, "
    "document_mime, is_demo"
)


def entry_columns(alias: str) -> str:
    """The entry columns Entry is made of (authors aside), qualified by a table alias."""
    return ", ".join(f"{alias}.{c.strip()}" for c in _ENTRY_COLUMNS.split(","))


def get_entry(con: Connection, entry_id: int) -> Entry | None:
    """Return the entry with its authors, or None."""
    row = con.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?", [entry_id]).fetchone()
    if row is None:
        return None
    return Entry(*row, authors=authors_of(con, [int(row[0])])[int(row[0])])


def require_entry(con: Connection, entry_id: int) -> Entry:
    """Return the entry or raise Invalid."""
    e = get_entry(con, entry_id)
    if e is None:
        raise Invalid({"entry": f"Không có SKKN số {entry_id}."})
    return e


def require_entry_by_code(con: Connection, round_id: int, code: str) -> Entry:
    """The entry of the round with this code (case aside), or raise Invalid."""
    row = con.execute(
        "SELECT id FROM entries WHERE round_id = ? AND lower(code) = lower(?)",
        [round_id, nfc(code)],
    ).fetchone()
    if row is None:
        raise Invalid({"entry": f"Không có SKKN mã '{code}' trong đợt chấm này."})
    return require_entry(con, int(row[0]))


def entry_list(con: Connection, round_id: int) -> list[Entry]:
    """Every entry of the round (withdrawn ones too), by code."""
    rows = con.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE round_id = ? ORDER BY code", [round_id]
    ).fetchall()
    authors = authors_of(con, [int(r[0]) for r in rows])
    return [Entry(*r, authors=authors[int(r[0])]) for r in rows]


def kept_entry_labels(con: Connection, round_id: int) -> dict[int, str]:
    """The round's entries not withdrawn as id -> "code – title", by code: for pickers."""
    # Not entry_list: a picker needs no authors, and reading them for a city round's 5,000
    # entries cost more than the rest of the conflicts tab.
    rows = con.execute(
        "SELECT id, code, title FROM entries WHERE round_id = ? AND NOT withdrawn ORDER BY code",
        [round_id],
    ).fetchall()
    return {int(entry_id): f"{code} – {title}" for entry_id, code, title in rows}


def entry_codes(con: Connection, round_id: int) -> dict[str, int]:
    """Each entry's id by its code (withdrawn ones too), in code order."""
    rows = con.execute(
        "SELECT code, id FROM entries WHERE round_id = ? ORDER BY code", [round_id]
    ).fetchall()
    return {str(code): int(entry_id) for code, entry_id in rows}


def entry_table(con: Connection, round_id: int) -> pd.DataFrame:
    """The round's entries as a table: id, code, title, authors, field, group_name, withdrawn,
    withdrawn_reason, document_name, examiners (names in GK order), n_assigned, is_demo."""
    items = entry_list(con, round_id)
    assigned: dict[int, list[str]] = {}
    for entry_id, name in con.execute(
        "SELECT a.entry_id, p.full_name FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "JOIN users u ON u.username = a.examiner JOIN people p ON p.id = u.person_id "
        "WHERE e.round_id = ? ORDER BY a.entry_id, a.ord",
        [round_id],
    ).fetchall():
        assigned.setdefault(int(entry_id), []).append(name)
    return pd.DataFrame(
        {
            "id": [e.id for e in items],
            "code": [e.code for e in items],
            "title": [e.title for e in items],
            "authors": [e.authors_text for e in items],
            "field": [e.field for e in items],
            "group_name": [e.group_name for e in items],
            "withdrawn": [e.withdrawn for e in items],
            "withdrawn_reason": [e.withdrawn_reason for e in items],
            "document_name": [e.document_name or "" for e in items],
            "examiners": ["; ".join(assigned.get(e.id, [])) for e in items],
            "n_assigned": [len(assigned.get(e.id, [])) for e in items],
            "is_demo": [e.is_demo for e in items],
        }
    )


def entry_document(con: Connection, entry_id: int) -> tuple[bytes, str, str] | None:
    """The entry's document: (bytes, file name, mime type), or None."""
    row = con.execute(
        "SELECT document, document_name, document_mime FROM entries WHERE id = ?", [entry_id]
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1], row[2]
