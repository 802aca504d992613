"""Conflicts of interest: who may not score an entry (its authors, recorded conflicts) and the
same-group suggestions."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pandas as pd

from lib.access import users
from lib.access.identity import AuthorMatcher
from lib.access.identity import is_author as person_is_author
from lib.core import audit
from lib.core.db import Connection, registered, transaction
from lib.core.errors import Invalid
from lib.core.text import fold, nfc, vn_key
from lib.scoring.authors import Author
from lib.scoring.council import require_examiner
from lib.scoring.entries import authors_of, require_entry
from lib.scoring.rounds import require_editable, require_round

CONFLICT_KINDS: dict[str, str] = {
    "same_group": "Cùng tổ",
    "relative": "Người thân",
    "other": "Lý do khác",
}
AUTHOR = "Là tác giả"
# More conflicts than this (authors too): pages show conflict_summary and a file, not the list.
LIST_INLINE = 200


def _user_person(con: Connection, username: str) -> tuple[int, str] | None:
    row = con.execute(
        "SELECT u.person_id, p.full_name FROM users u JOIN people p ON p.id = u.person_id "
        "WHERE u.username = ?",
        [username],
    ).fetchone()
    return (int(row[0]), row[1]) if row else None


def is_author(con: Connection, entry_id: int, username: str) -> bool:
    """Tell whether the account's person wrote the entry (lib.access.identity's rule)."""
    person = _user_person(con, username)
    if person is None:
        return False
    return person_is_author(authors_of(con, [entry_id])[entry_id], *person)


def conflict_reason(con: Connection, entry_id: int, examiner: str) -> str | None:
    """Why this examiner may not score this entry (author, or a recorded conflict), or None."""
    if is_author(con, entry_id, examiner):
        return AUTHOR_REASON
    row = con.execute(
        "SELECT kind, note FROM conflicts WHERE entry_id = ? AND examiner = ?",
        [entry_id, examiner],
    ).fetchone()
    return recorded_reason(row[0], row[1]) if row else None


AUTHOR_REASON = "là tác giả của SKKN"


def recorded_reason(kind: str, note: str) -> str:
    """conflict_reason's words for a recorded conflict of this kind and note."""
    return f"có xung đột lợi ích ({CONFLICT_KINDS[kind].lower()}{f': {note}' if note else ''})"


def conflicted_examiners(con: Connection, entry_id: int, usernames: Sequence[str]) -> set[str]:
    """Those of these accounts that may not score the entry: its authors and recorded conflicts
    (conflict_reason for many examiners at once, in two queries instead of two each)."""
    wanted = list(usernames)
    found = {
        str(row[0])
        for row in con.execute(
            "SELECT examiner FROM conflicts WHERE entry_id = ? AND list_contains(?, examiner)",
            [entry_id, wanted],
        ).fetchall()
    }
    matcher = AuthorMatcher(
        (str(username), int(person_id), full_name)
        for username, person_id, full_name in con.execute(
            "SELECT u.username, u.person_id, p.full_name FROM users u "
            "JOIN people p ON p.id = u.person_id WHERE list_contains(?, u.username)",
            [wanted],
        ).fetchall()
    )
    return found | set(matcher.writers(authors_of(con, [entry_id]).get(entry_id, ())))


def add_conflict(
    con: Connection, entry_id: int, examiner: str, kind: str, actor: str, note: str = ""
) -> None:
    """Record that an examiner must not score an entry (same group, relative, other)."""
    with transaction(con):
        e = require_entry(con, entry_id)
        require_editable(require_round(con, e.round_id))
        errors: dict[str, str] = {}
        if kind not in CONFLICT_KINDS:
            errors["kind"] = f"Loại xung đột không hợp lệ: {kind}."
        try:
            require_examiner(con, examiner)
        except Invalid as exc:
            errors.update(exc.errors)
        if con.execute(
            "SELECT 1 FROM conflicts WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        ).fetchone():
            errors["examiner"] = f"Đã ghi xung đột của {examiner} với {e.code}."
        elif con.execute(
            "SELECT 1 FROM assignments WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        ).fetchone():
            errors["examiner"] = (
                f"{examiner} đang được phân công chấm {e.code}: hãy bỏ phân công trước."
            )
        if errors:
            raise Invalid(errors)
        con.execute(
            "INSERT INTO conflicts (round_id, examiner, entry_id, kind, note, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [e.round_id, examiner, entry_id, kind, nfc(note or ""), actor],
        )
        audit.record(con, actor, "conflict", "conflict", f"{e.round_id}:{e.code}:{examiner}",
                     None, {"kind": kind, "note": nfc(note or "")})  # fmt: skip


def remove_conflict(con: Connection, conflict_id: int, actor: str) -> None:
    """Delete a recorded conflict."""
    with transaction(con):
        row = con.execute(
            "SELECT c.round_id, e.code, c.examiner, c.kind, c.note FROM conflicts c "
            "JOIN entries e ON e.id = c.entry_id WHERE c.id = ?",
            [conflict_id],
        ).fetchone()
        if row is None:
            raise Invalid({"conflict": "Không có xung đột này."})
        require_editable(require_round(con, row[0]))
        con.execute("DELETE FROM conflicts WHERE id = ?", [conflict_id])
        audit.record(con, actor, "conflict_remove", "conflict", f"{row[0]}:{row[1]}:{row[2]}",
                     {"kind": row[3], "note": row[4]}, None)  # fmt: skip


COLUMNS = ["id", "entry_id", "code", "examiner", "full_name", "kind", "kind_label", "note"]


def conflicts(
    con: Connection,
    round_id: int,
    include_authors: bool = True,
    authors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Conflicts of the round: id (None for authorship), entry_id, code, examiner, full_name,
    kind, kind_label, note. Authorship of council members is listed as kind 'author' (authors:
    the round's council_authors when the caller has them)."""
    # Read as a frame, not row by row: a city round records ~200,000 same-group conflicts.
    recorded = con.execute(
        "SELECT c.id, c.entry_id, e.code, c.examiner, p.full_name, c.kind, c.note "
        "FROM conflicts c JOIN entries e ON e.id = c.entry_id "
        "JOIN users u ON u.username = c.examiner JOIN people p ON p.id = u.person_id "
        "WHERE c.round_id = ? ORDER BY e.code, c.examiner",
        [round_id],
    ).df()
    recorded["kind_label"] = recorded["kind"].map(CONFLICT_KINDS)
    recorded = recorded.astype({"id": object})[COLUMNS]
    if not include_authors:
        return recorded
    authors = council_authors(con, round_id) if authors is None else authors
    if authors.empty:
        return recorded
    if recorded.empty:
        return authors
    return pd.concat([recorded, authors], ignore_index=True)


def council_authors(con: Connection, round_id: int) -> pd.DataFrame:
    """The council members who wrote an entry of the round, as conflicts() lists them (kind
    'author', id None), by code then council order."""
    return pd.DataFrame(
        [
            {"id": None, "entry_id": entry_id, "code": code, "examiner": username,
             "full_name": name, "kind": "author", "kind_label": AUTHOR, "note": ""}
            for entry_id, code, username, name in _council_authors(con, round_id)
        ],
        columns=COLUMNS,
    )  # fmt: skip


def conflict_count(con: Connection, round_id: int) -> int:
    """How many conflicts are recorded for the round (authorship not counted)."""
    return int(
        con.execute("SELECT count(*) FROM conflicts WHERE round_id = ?", [round_id]).fetchone()[0]
    )


def conflict_summary(con: Connection, round_id: int, authors: pd.DataFrame) -> pd.DataFrame:
    """The round's conflicts (recorded, and authors: council_authors) counted per tổ of the
    entry: group_name (as the first entry by code spells it, "" for none), n_entries, one
    column per kind (same_group, relative, other, author) and total; in Vietnamese order."""
    kinds = [*CONFLICT_KINDS, "author"]
    counts = ", ".join(f"count(*) FILTER (WHERE kind = '{k}') AS {k}" for k in kinds)
    sums = ", ".join(f"sum({k})::BIGINT AS {k}" for k in kinds)
    # Counted per entry, then per spelling of the tổ; the few spellings are folded in Python.
    out = con.execute(
        "WITH c AS (SELECT entry_id, kind FROM conflicts WHERE round_id = ? "
        "    UNION ALL SELECT unnest(?::INTEGER[]), 'author'), "
        f"per AS (SELECT entry_id, {counts}, count(*) AS total FROM c GROUP BY entry_id) "
        f"SELECT e.group_name, min(e.code) AS first_code, count(*) AS n_entries, {sums}, "
        "sum(total)::BIGINT AS total FROM per JOIN entries e ON e.id = per.entry_id "
        "GROUP BY e.group_name ORDER BY first_code",
        [round_id, authors["entry_id"].astype(int).tolist()],
    ).df()
    columns = ["n_entries", *kinds, "total"]
    if out.empty:
        return pd.DataFrame(columns=["group_name", *columns])
    out["key"] = out["group_name"].map(fold)
    out = out.groupby("key", sort=False).agg(
        group_name=("group_name", "first"), **{c: (c, "sum") for c in columns}
    )
    key = out["group_name"].map(lambda n: (n == "", vn_key(n)))  # entries without a tổ last
    return out.iloc[key.argsort(kind="stable")].reset_index(drop=True)


def withdrawn_conflict_entries(con: Connection, round_id: int) -> dict[int, str]:
    """The round's withdrawn entries that still have a recorded conflict, as id -> "code –
    title (đã rút)", by code: the conflicts picker lists them after the kept ones."""
    rows = con.execute(
        "SELECT id, code, title FROM entries e WHERE round_id = ? AND withdrawn "
        "AND EXISTS (SELECT 1 FROM conflicts c WHERE c.entry_id = e.id) ORDER BY code",
        [round_id],
    ).fetchall()
    return {int(i): f"{code} – {title} (đã rút)" for i, code, title in rows}


def entry_conflicts(con: Connection, entry_id: int) -> pd.DataFrame:
    """The conflicts recorded for one entry, by examiner: conflicts()'s columns."""
    found = con.execute(
        "SELECT c.id, c.entry_id, e.code, c.examiner, p.full_name, c.kind, c.note "
        "FROM conflicts c JOIN entries e ON e.id = c.entry_id "
        "JOIN users u ON u.username = c.examiner JOIN people p ON p.id = u.person_id "
        "WHERE c.entry_id = ? ORDER BY c.examiner",
        [entry_id],
    ).df()
    found["kind_label"] = found["kind"].map(CONFLICT_KINDS)
    return found[COLUMNS]


def conflict_table(con: Connection, round_id: int) -> pd.DataFrame:
    """The round's conflicts (authors too) as a file to download: Vietnamese headers."""
    found = conflicts(con, round_id)
    groups = dict(
        con.execute("SELECT id, group_name FROM entries WHERE round_id = ?", [round_id]).fetchall()
    )
    return pd.DataFrame(
        {
            "Mã SKKN": found["code"],
            "Tổ": found["entry_id"].map(groups),
            "Giám khảo": found["full_name"],
            "Tên đăng nhập": found["examiner"],
            "Loại": found["kind_label"],
            "Ghi chú": found["note"],
        }
    )


def _council_authors(con: Connection, round_id: int) -> list[tuple[int, str, str, str]]:
    """(entry_id, code, examiner, full_name) for each council member who wrote an entry of the
    round, by code then council order: linked by person, or by name when the author is not.

    Members are indexed once (lib.access.identity): checking every entry against every member
    took seconds for a city round (thousands of entries, hundreds of examiners)."""
    members = con.execute(
        "SELECT x.examiner, u.person_id, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    rank = {username: i for i, (username, _, _) in enumerate(members)}
    names = {username: name for username, _, name in members}
    matcher = AuthorMatcher((u, int(pid), name) for u, pid, name in members)
    # Authors read by round (not entries.authors_of over a list of thousands of ids, which cost
    # more than the rest of the tab), grouped by entry in code order. An author linked to a
    # person outside the council can match no member: only the others reach Python (a city
    # round has 5,000 entries, a few written by members).
    rows = con.execute(
        "SELECT e.id, e.code, ea.name, ea.share, ea.person_id FROM entries e "
        "JOIN entry_authors ea ON ea.entry_id = e.id WHERE e.round_id = ? "
        "AND (ea.person_id IS NULL OR ea.person_id IN (SELECT u.person_id FROM round_examiners x "
        "    JOIN users u ON u.username = x.examiner WHERE x.round_id = ?)) "
        "ORDER BY e.code, e.id, ea.position",
        [round_id, round_id],
    ).fetchall()
    found = []
    for (entry_id, code), group in itertools.groupby(rows, key=lambda row: (row[0], row[1])):
        authors = [Author(name, share, person_id) for _, _, name, share, person_id in group]
        for username in sorted(matcher.writers(authors), key=rank.__getitem__):
            found.append((int(entry_id), code, username, names[username]))
    return found


_SAME_GROUP = audit.as_json({"kind": "same_group", "note": ""})  # what add_conflict logs


def _group_keys(con: Connection, round_id: int) -> tuple[list[str], list[str]]:
    """Every tổ name of the round's kept entries and council, with its folded form."""
    # fold is Python (Vietnamese rules): the few distinct names are folded here and joined in
    # SQL, instead of folding one name per entry and pairing entries with members in a loop.
    names = [
        str(row[0])
        for row in con.execute(
            "SELECT group_name FROM entries WHERE round_id = ? AND NOT withdrawn "
            "AND group_name <> '' UNION SELECT p.group_name FROM round_examiners x "
            "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
            "WHERE x.round_id = ? AND p.group_name <> ''",
            [round_id, round_id],
        ).fetchall()
    ]
    return names, [fold(n) for n in names]


def _suggestions_sql(
    con: Connection, round_id: int, recorded: pd.DataFrame | None
) -> tuple[str, list[object]]:
    """The query of the round's same-group suggestions (entry_id, code, examiner, full_name,
    group_name, group_key; unordered) and its parameters."""
    if recorded is None:
        authors = [(entry_id, user) for entry_id, _, user, _ in _council_authors(con, round_id)]
    else:
        # Recorded conflicts are read from their table; only authorship needs Python.
        mine = recorded[recorded["kind"] == "author"]
        authors = list(zip(mine["entry_id"].astype(int).tolist(), mine["examiner"], strict=True))
    names, keys = _group_keys(con, round_id)
    sql = (
        "WITH g AS (SELECT unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS group_key), "
        "authors AS (SELECT unnest(?::INTEGER[]) AS entry_id, unnest(?::VARCHAR[]) AS examiner), "
        "members AS (SELECT x.examiner, p.full_name, g.group_key FROM round_examiners x "
        "    JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "    JOIN g ON g.name = p.group_name WHERE x.round_id = ?), "
        "kept AS (SELECT e.id AS entry_id, e.code, e.group_name, g.group_key FROM entries e "
        "    JOIN g ON g.name = e.group_name WHERE e.round_id = ? AND NOT e.withdrawn) "
        "SELECT k.entry_id, k.code, m.examiner, m.full_name, k.group_name, k.group_key "
        "FROM kept k JOIN members m USING (group_key) "
        "WHERE NOT EXISTS (SELECT 1 FROM assignments a "
        "    WHERE a.entry_id = k.entry_id AND a.examiner = m.examiner) "
        "AND NOT EXISTS (SELECT 1 FROM conflicts c "
        "    WHERE c.entry_id = k.entry_id AND c.examiner = m.examiner) "
        "AND NOT EXISTS (SELECT 1 FROM authors t "
        "    WHERE t.entry_id = k.entry_id AND t.examiner = m.examiner)"
    )
    params = [names, keys, [a for a, _ in authors], [b for _, b in authors], round_id, round_id]
    return sql, params


def same_group_conflicts(
    con: Connection, round_id: int, recorded: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Suggested same-group conflicts not yet recorded, by code then username: entry_id, code,
    examiner, full_name, group_name (the entry's tổ), group_key (the tổ folded).

    Each kept entry with a tổ is paired with the council members of the same tổ (folded), except
    pairs already assigned, recorded as a conflict, or where the member wrote the entry.
    recorded is the round's conflicts() (with authors) when the caller already has them.
    A city round suggests about 200,000: pages show same_group_summary unless there are few."""
    sql, params = _suggestions_sql(con, round_id, recorded)
    return con.execute(f"{sql} ORDER BY code, examiner", params).df()


def same_group_summary(
    con: Connection, round_id: int, recorded: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The suggestions counted per tổ: group_name (as the first entry by code spells it),
    n_entries, n_examiners, n_suggestions; in Vietnamese order of the tổ."""
    sql, params = _suggestions_sql(con, round_id, recorded)
    out = con.execute(
        f"SELECT arg_min(group_name, code) AS group_name, count(DISTINCT entry_id) AS n_entries, "
        f"count(DISTINCT examiner) AS n_examiners, count(*) AS n_suggestions FROM ({sql}) "
        "GROUP BY group_key",
        params,
    ).df()
    return out.sort_values("group_name", key=lambda s: s.map(vn_key)).reset_index(drop=True)


def same_group_table(con: Connection, round_id: int) -> pd.DataFrame:
    """The suggestions as a file to download: Vietnamese headers, one row a suggestion."""
    found = same_group_conflicts(con, round_id)
    return pd.DataFrame(
        {
            "Mã SKKN": found["code"],
            "Tổ": found["group_name"],
            "Giám khảo": found["full_name"],
            "Tên đăng nhập": found["examiner"],
        }
    )


def add_same_group_conflicts(con: Connection, round_id: int, actor: str) -> int:
    """Record every same-group suggestion of the round as a conflict, all or none, in one
    transaction (add_conflict's checks and audit entries, written as batches); return how many."""
    with transaction(con):
        require_editable(require_round(con, round_id))
        # Read inside the transaction: never assigned, recorded or authored, by construction.
        sql, params = _suggestions_sql(con, round_id, None)
        found = con.execute(
            f"SELECT row_number() OVER (ORDER BY code, examiner) AS pos, entry_id, code, "
            f"examiner FROM ({sql}) ORDER BY pos",
            params,
        ).df()
        if found.empty:
            return 0
        active = set(users.examiner_accounts(con)["username"])
        refused = sorted(set(found["examiner"]) - active)
        if refused:
            listed = ", ".join(f"'{u}'" for u in refused)
            raise Invalid({"examiner": f"{listed} không phải tài khoản giám khảo đang hoạt động."})
        with registered(con, _conflicts_in=found):
            con.execute(
                "INSERT INTO conflicts (round_id, examiner, entry_id, kind, note, created_by) "
                "SELECT ?, examiner, entry_id, 'same_group', '', ? FROM _conflicts_in ORDER BY pos",
                [round_id, actor],
            )
        # One entry a conflict, as add_conflict writes it, in the order recorded.
        audit.record_rows(
            con, actor, "conflict", "conflict",
            "SELECT concat(?, ':', code, ':', examiner) AS entity_id, NULL AS before, "
            "? AS after FROM batch ORDER BY pos",
            [round_id, _SAME_GROUP], batch=found,
        )  # fmt: skip
        return len(found)
