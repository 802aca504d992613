"""Who wrote an SKKN: authors as typed and as checked (shares adding to 100, matched to the
people list), their text, and the assigned examiners who are among them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lib.access.identity import AuthorMatcher, name_key
from lib.core.db import Connection
from lib.core.text import nfc
from lib.scoring.rubric import format_number, parse_number


@dataclass(frozen=True)
class AuthorIn:
    """An author as typed: name as written, share in % (text or number), optional person."""

    name: str
    share: object = None
    person_id: int | None = None


@dataclass(frozen=True)
class Author:
    """A checked author of an entry."""

    name: str
    share: Decimal
    person_id: int | None


def authors_text(authors: Iterable[Author]) -> str:
    """Join authors as "A (60%); B (40%)" (a sole author without a share)."""
    items = list(authors)
    if len(items) == 1 and items[0].share == 100:
        return items[0].name
    return "; ".join(f"{a.name} ({format_number(a.share)}%)" for a in items)


_AUTHOR_SHARE = re.compile(
    r"^(?P<name>.*?)\s*(?:[(\[]\s*(?P<a>[\d.,]+)\s*%?\s*[)\]]"
    r"|[-|:,–]\s*(?P<b>[\d.,]+)\s*%?|\s(?P<c>[\d.,]+)\s*%)\s*$"
)


def parse_authors_text(text: str) -> list[AuthorIn]:
    """Authors typed one per line or separated by ';', each with an optional share:
    "Nguyễn Thị A (60%)", "Nguyễn Thị A - 60", "Nguyễn Thị A 60%"."""
    found = []
    for part in re.split(r"[;\n]", text or ""):
        item = nfc(part)
        if not item:
            continue
        m = _AUTHOR_SHARE.match(item)
        if m and m.group("name"):
            found.append(
                AuthorIn(nfc(m.group("name")), m.group("a") or m.group("b") or m.group("c"))
            )
        else:
            found.append(AuthorIn(item))
    return found


@dataclass(frozen=True)
class PeopleBook:
    """Everyone, read once, as check_authors matches names: an import checks hundreds of rows."""

    by_name: dict[str, list[tuple[int, str]]]
    names_of: dict[int, str]


def people_book(con: Connection) -> PeopleBook:
    """Read everyone for check_authors (one read of the people table)."""
    by_name: dict[str, list[tuple[int, str]]] = {}
    names_of: dict[int, str] = {}
    for pid, name, group in con.execute("SELECT id, full_name, group_name FROM people").fetchall():
        by_name.setdefault(name_key(name), []).append((int(pid), group))
        names_of[pid] = name
    return PeopleBook(by_name, names_of)


def check_authors(
    con: Connection,
    authors: Sequence[AuthorIn | Mapping[str, Any]],
    people: PeopleBook | None = None,
) -> tuple[list[Author], dict[str, str]]:
    """Check authors and shares (adding to 100); match names to people. Return (authors, errors)."""
    errors: dict[str, str] = {}
    people = people or people_book(con)
    by_name, names_of = people.by_name, people.names_of
    rows = [a if isinstance(a, AuthorIn) else AuthorIn(**a) for a in authors]
    rows = [a for a in rows if nfc(a.name or "") or a.person_id is not None or a.share]
    if not rows:
        return [], {"authors": "Hãy nhập ít nhất một tác giả."}
    clean: list[Author] = []
    for i, a in enumerate(rows, start=1):
        person_id = a.person_id
        name = nfc(a.name or "")
        if person_id is not None and person_id not in names_of:
            errors[f"author{i}"] = f"Tác giả thứ {i}: không có người số {person_id}."
            continue
        if not name and person_id is not None:
            name = names_of[person_id]
        if not name:
            errors[f"author{i}"] = f"Tác giả thứ {i}: thiếu họ tên."
            continue
        if person_id is None and len(by_name.get(name_key(name), [])) == 1:
            person_id = by_name[name_key(name)][0][0]
        try:
            share = parse_number(a.share)
        except ValueError:
            errors[f"share{i}"] = f"Tác giả {name}: tỉ lệ đóng góp “{a.share}” không phải là số."
            continue
        if share is None:
            if len(rows) > 1:
                errors[f"share{i}"] = f"Tác giả {name}: hãy nhập tỉ lệ đóng góp (%)."
                continue
            share = Decimal(100)
        if share <= 0 or share > 100 or share != share.quantize(Decimal("0.01")):
            errors[f"share{i}"] = (
                f"Tác giả {name}: tỉ lệ đóng góp {format_number(share)}% phải lớn hơn 0, "
                "không quá 100 và có tối đa 2 chữ số thập phân."
            )
            continue
        clean.append(Author(name, share, person_id))
    keys = [a.person_id if a.person_id is not None else name_key(a.name) for a in clean]
    if len(set(keys)) != len(keys):
        errors["authors"] = "Một tác giả được nhập hai lần."
    if not errors:
        total = sum((a.share for a in clean), Decimal(0))
        if total != 100:
            errors["shares"] = f"Tổng tỉ lệ đóng góp của các tác giả là {format_number(total)}%, "
            errors["shares"] += "phải bằng 100%."
    return clean, errors


def author_key(authors: Iterable[Author | AuthorIn]) -> list[tuple]:
    """What tells two author lists apart: each author's name, share and person, in order."""
    return [(a.name, a.share, a.person_id) for a in authors]


_EXAMINERS = (
    "SELECT a.entry_id, a.examiner, u.person_id, p.full_name FROM assignments a "
    "JOIN users u ON u.username = a.examiner JOIN people p ON p.id = u.person_id "
)


def examiner_authors(
    con: Connection,
    entry_id: int,
    authors: Sequence[Author],
    examiners: Mapping[int, list[tuple[str, int, str]]] | None = None,
) -> list[str]:
    """Assigned examiners of the entry who are among these authors; `examiners`: a round's,
    read once by examiners_by_entry for a caller checking many entries."""
    if examiners is None:
        examiners = examiners_by_entry(con, entry_id=entry_id)
    return AuthorMatcher(examiners.get(entry_id, [])).writers(authors)


def examiners_by_entry(
    con: Connection, round_id: int | None = None, entry_id: int | None = None
) -> dict[int, list[tuple[str, int, str]]]:
    """The assigned examiners (username, person id, full name) of a round's entries, or of one
    entry, in assignment order, by entry id."""
    if entry_id is not None:
        where, key = "WHERE a.entry_id = ?", entry_id
    else:
        where, key = "WHERE a.entry_id IN (SELECT id FROM entries WHERE round_id = ?)", round_id
    out: dict[int, list[tuple[str, int, str]]] = {}
    for entry, username, person_id, full_name in con.execute(
        _EXAMINERS + where + " ORDER BY a.entry_id, a.ord", [key]
    ).fetchall():
        out.setdefault(int(entry), []).append((str(username), int(person_id), full_name))
    return out
