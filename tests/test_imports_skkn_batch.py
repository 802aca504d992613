"""The SKKN import's batched insert stores and logs each entry as add_entry does, row by row."""

from __future__ import annotations

import random

import pytest

from lib import demo
from lib.core import db
from lib.core.db import transaction
from lib.core.errors import Invalid
from lib.io.imports import Refused, run_import
from lib.scoring import assignment, entries
from lib.scoring.authors import AuthorIn, check_authors, parse_authors_text
from tests.scoring_helpers import make_round
from tests.test_imports import csv_bytes

SKKN_HEADER = ["Mã SKKN", "Tên SKKN", "Tác giả", "Lĩnh vực", "Tổ"]


def _demo_round() -> tuple[db.Connection, int]:
    """The demo school in memory and a new round of it, in preparation."""
    con = db.connect(":memory:")
    demo.load_demo(con)
    return con, make_round(con, deadline=None)


def _reference(con, round_id: int, actor: str, new: list[dict]) -> None:
    """The per-row writer the batch replaced: add_entry (its checks, its audit) a row."""
    for f in new:
        entries.add_entry(
            con, round_id, actor, title=f["title"], code=f["code"], field=f["field"],
            group_name=f["group_name"],
            authors=[AuthorIn(a.name, a.share, a.person_id) for a in f["authors"]],
        )  # fmt: skip


def _generated(con, rng: random.Random) -> list[dict]:
    """Entries as the import checks them: matched and unknown authors, one to three with
    shares, group given or left to the first author's, codes with "_" and odd spacing."""
    names = [n for (n,) in con.execute("SELECT full_name FROM people ORDER BY id").fetchall()]
    out = []
    for n in range(40):
        count = rng.choice([1, 1, 2, 3])
        picked = rng.sample(names, count) if rng.random() < 0.8 else ["Người Ngoài Trường"]
        shares = {1: ["100"], 2: ["60", "40"], 3: ["50", "25,5", "24,5"]}[len(picked)]
        text = "; ".join(f"{a} ({s}%)" for a, s in zip(picked, shares, strict=True))
        authors, errors = check_authors(con, parse_authors_text(text))
        assert not errors, errors
        out.append({
            "code": f"K_{n:03d}" if n % 5 else f"SKKN-{n + 1:03d}",
            "title": f"Sáng kiến  số {n} – “dạy_trẻ”", "authors": authors,
            "field": rng.choice(["", "Toán", "Ngôn ngữ"]),
            "group_name": rng.choice(["", "Tổ Nhà trẻ"]),
        })  # fmt: skip
    return out


def _state(con) -> tuple:
    stored = con.execute(
        "SELECT * EXCLUDE (created_at, updated_at) FROM entries ORDER BY id"
    ).fetchall()
    authors = con.execute("SELECT * FROM entry_authors ORDER BY entry_id, position").fetchall()
    logged = con.execute(
        "SELECT actor, action, entity, entity_id, before, after FROM audit_log ORDER BY id"
    ).fetchall()
    return stored, authors, logged


def _state_after_each(writers, write) -> tuple[list, int]:
    """_state of a fresh demo round after write(con, round id, writer), for each writer; and
    the round's id (the same each time)."""
    results = []
    for writer in writers:
        con, rid = _demo_round()
        write(con, rid, writer)
        results.append(_state(con))
        con.close()
    return results, rid


def test_inserted_entries_are_stored_and_logged_as_add_entry_stores_them():
    def insert(con, rid, writer):
        new = _generated(con, random.Random(16))
        with transaction(con):
            writer(con, rid, "thuky", new)

    results, rid = _state_after_each((_reference, entries.insert_entries), insert)
    assert results[0] == results[1]
    stored, authors, logged = results[1]
    assert len([e for e in stored if e[1] == rid]) == 40 and len(authors) > 40
    assert any(a[2] is None for a in authors)  # an author outside the people list kept as written


def _update_reference(con, round_id: int, actor: str, changes: list[dict]) -> None:
    """The per-row writer the batch replaced: update_entry (its checks, its audit) a row."""
    for f in changes:
        entries.update_entry(
            con, f["id"], actor, title=f["title"], code=f["code"], field=f["field"],
            group_name=f["group_name"],
            authors=[AuthorIn(a.name, a.share, a.person_id) for a in f["authors"]],
        )  # fmt: skip


def _changed(con, rid: int, rng: random.Random) -> list[dict]:
    """A change for each entry of the round: a new title, field or group; authors kept, swapped
    or replaced; a code kept, recased or new."""
    out = []
    for e, other in zip(entries.entry_list(con, rid), _generated(con, rng), strict=False):
        authors = rng.choice([e.authors, other["authors"], tuple(reversed(e.authors))])
        code = rng.choice([e.code, e.code.lower(), f"M{e.id}"])
        out.append({
            "id": e.id, "code": code, "title": rng.choice([e.title, f"Tên mới {e.id}  ‘x_y’"]),
            "authors": list(authors), "field": rng.choice(["", e.field, "Âm nhạc"]),
            "group_name": rng.choice([e.group_name, "Tổ Mẫu giáo"]),
        })  # fmt: skip
    return out


def test_updated_entries_are_stored_and_logged_as_update_entry_stores_them():
    def update(con, rid, writer):
        with transaction(con):
            entries.insert_entries(con, rid, "thuky", _generated(con, random.Random(16)))
        changes = _changed(con, rid, random.Random(17))
        with transaction(con):
            writer(con, rid, "chutich", changes)

    results, _ = _state_after_each((_update_reference, entries.update_entries), update)
    assert results[0] == results[1]
    stored, _, logged = results[1]
    assert sum(1 for row in logged if row[1:3] == ("update", "entry")) == 40
    assert any(row[3].startswith("M") for row in stored)  # some codes did change


def test_reimporting_a_list_cannot_make_an_assigned_examiner_an_author():
    con, rid = _demo_round()
    (person,) = con.execute(
        "SELECT p.full_name FROM users u JOIN people p ON p.id = u.person_id "
        "WHERE u.username = 'giamkhao1'"
    ).fetchone()
    first = entries.add_entry(con, rid, "thuky", title="Một", code="A1",
                              authors=[AuthorIn("Vũ Thị Hồng Nhung")])  # fmt: skip
    assignment.assign(con, first, "giamkhao1", "chutich")
    data = csv_bytes([SKKN_HEADER, ["A1", "Một", f"{person} (100%)", "", ""]])
    with pytest.raises(Refused) as refused:
        run_import(con, "skkn", data, "s.csv", "thuky", str(rid))
    assert "giamkhao1 đang được phân công chấm SKKN A1" in str(refused.value.problems[0])
    assert entries.require_entry(con, first).authors_text == "Vũ Thị Hồng Nhung"
    con.close()


def test_a_district_sized_skkn_list_imports_in_one_go():
    """600 entries (a district's year) in one import: every one stored with its authors."""
    con, rid = _demo_round()
    names = [n for (n,) in con.execute("SELECT full_name FROM people").fetchall()]
    rows = [["" if i % 2 else f"Q-{i:04d}", f"Đề tài {i}", f"{names[i % len(names)]}", "", ""]
            for i in range(600)]  # fmt: skip
    summary = run_import(con, "skkn", csv_bytes([SKKN_HEADER, *rows]), "s.csv", "thuky", str(rid))
    assert summary.added == 600
    ((count, authors),) = con.execute(
        "SELECT count(DISTINCT e.id), count(*) FROM entries e JOIN entry_authors a "
        "ON a.entry_id = e.id WHERE e.round_id = ?", [rid]
    ).fetchall()  # fmt: skip
    assert (count, authors) == (600, 600)
    con.close()


def test_a_code_another_entry_of_the_round_has_is_refused_case_aside():
    con, rid = _demo_round()
    other = make_round(con, "Đợt khác", deadline=None)
    author = [AuthorIn("Vũ Thị Hồng Nhung")]
    first = entries.add_entry(con, rid, "thuky", title="Một", authors=author, code="A1")
    second = entries.add_entry(con, rid, "thuky", title="Hai", authors=author, code="B2")
    entries.add_entry(con, other, "thuky", title="Ba", authors=author, code="C3")
    with pytest.raises(Invalid) as refused:
        entries.add_entry(con, rid, "thuky", title="Bốn", authors=author, code="a1")
    assert refused.value.errors["code"] == "Mã SKKN 'a1' đã có trong đợt chấm này."
    with pytest.raises(Invalid):
        entries.update_entry(con, second, "thuky", title="Hai", authors=author, code="A1")
    # Its own code (any case) and a code of another round are free.
    entries.update_entry(con, first, "thuky", title="Một", authors=author, code="a1")
    assert entries.check_code(con, rid, "C3", None) is None
    assert entries.code_clashes(con, rid, [("x9", None), ("B2", None), ("b2", second),
                                           ("A1", second)]) == {1, 3}  # fmt: skip
    con.close()
