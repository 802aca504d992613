"""Same-group conflict suggestions in SQL against the Python loop they replace, and recording
them all at once; the assignment grid and entry pickers of pages/skkn.py."""

from __future__ import annotations

import itertools
import json
import random

import pandas as pd
import pytest

from lib import demo
from lib.access.identity import AuthorMatcher
from lib.core import db
from lib.core.errors import Invalid
from lib.core.text import fold, vn_key
from lib.io import exports
from lib.scoring import assignment, conflicts, entries
from lib.scoring.authors import Author
from tests.apptest import app, login, open_page, open_tab, texts
from tests.scoring_helpers import add_examiner, make_round

# --- the reference: lib/scoring/conflicts.py before the suggestions moved to SQL -------------


def reference_council_authors(con, round_id):
    """_council_authors as it was (every author of the round through the matcher)."""
    members = con.execute(
        "SELECT x.examiner, u.person_id, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    rank = {username: i for i, (username, _, _) in enumerate(members)}
    names = {username: name for username, _, name in members}
    matcher = AuthorMatcher((u, int(pid), name) for u, pid, name in members)
    rows = con.execute(
        "SELECT e.id, e.code, ea.name, ea.share, ea.person_id FROM entries e "
        "JOIN entry_authors ea ON ea.entry_id = e.id WHERE e.round_id = ? "
        "ORDER BY e.code, e.id, ea.position",
        [round_id],
    ).fetchall()
    found = []
    for (entry_id, code), group in itertools.groupby(rows, key=lambda row: (row[0], row[1])):
        authors = [Author(name, share, person_id) for _, _, name, share, person_id in group]
        for username in sorted(matcher.writers(authors), key=rank.__getitem__):
            found.append((int(entry_id), code, username, names[username]))
    return found


def reference_conflicts(con, round_id):
    """conflicts() as it was: recorded ones read row by row, then the council's authors."""
    rows = con.execute(
        "SELECT c.id, c.entry_id, e.code, c.examiner, p.full_name, c.kind, c.note "
        "FROM conflicts c JOIN entries e ON e.id = c.entry_id "
        "JOIN users u ON u.username = c.examiner JOIN people p ON p.id = u.person_id "
        "WHERE c.round_id = ? ORDER BY e.code, c.examiner",
        [round_id],
    ).fetchall()
    records = [(r[0], r[1], r[2], r[3], r[4], r[5], conflicts.CONFLICT_KINDS[r[5]], r[6])
               for r in rows]  # fmt: skip
    records += [(None, e, code, u, name, "author", conflicts.AUTHOR, "")
                for e, code, u, name in reference_council_authors(con, round_id)]  # fmt: skip
    return records


def reference_same_group(con, round_id):
    """same_group_conflicts as it was: (entry_id, code, examiner), a Python loop over pairs.

    Its member query had no ORDER BY and returned the council in username order; the ORDER BY
    here makes that order certain."""
    recorded = conflicts.conflicts(con, round_id)
    found = []
    members = con.execute(
        "SELECT x.examiner, p.group_name, u.person_id, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? AND p.group_name <> '' ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    taken = {
        (int(e), x)
        for e, x in con.execute(
            "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e "
            "ON e.id = a.entry_id WHERE e.round_id = ?",
            [round_id],
        ).fetchall()
    }
    taken.update(zip(recorded["entry_id"].astype(int).tolist(), recorded["examiner"], strict=True))
    by_group: dict[str, list[str]] = {}
    for username, group, _, _ in members:
        by_group.setdefault(fold(group), []).append(username)
    for entry_id, code, group_name in con.execute(
        "SELECT id, code, group_name FROM entries WHERE round_id = ? AND NOT withdrawn "
        "AND group_name <> '' ORDER BY code",
        [round_id],
    ).fetchall():
        for username in by_group.get(fold(group_name), []):
            pair = (int(entry_id), username)
            if pair not in taken:
                found.append((int(entry_id), code, username))
    return found


def reference_summary(con, round_id, found):
    """Per folded tổ, from the reference list: the tổ as its first entry spells it, counts."""
    group_of = dict(
        con.execute("SELECT id, group_name FROM entries WHERE round_id = ?", [round_id]).fetchall()
    )
    rows = {}
    for entry_id, _, username in found:
        name = group_of[entry_id]
        row = rows.setdefault(fold(name), {"group_name": name, "e": set(), "x": set(), "n": 0})
        row["e"].add(entry_id)
        row["x"].add(username)
        row["n"] += 1
    out = [(r["group_name"], len(r["e"]), len(r["x"]), r["n"]) for r in rows.values()]
    return sorted(out, key=lambda row: vn_key(row[0]))


# --- generated rounds -------------------------------------------------------------------------

# Spellings of the same tổ (case, spacing, accents, Đ) and tổ that only one side has.
GROUPS = [
    "Tổ Nhà trẻ", "tổ nhà  trẻ", "TO NHA TRE", "Tổ Mẫu giáo bé", "Tổ mẫu giáo bé", "Tổ Đồi",
    "Tổ Doi", "Tổ Văn phòng", "Tổ chỉ có SKKN",
]  # fmt: skip
MEMBER_GROUPS = [*GROUPS[:-1], "Tổ chỉ có giám khảo", ""]


def generated_round(con, n_entries: int, n_members: int, seed: int) -> int:
    """A round with members of many tổ, entries (some withdrawn, some without a tổ) written by
    members (linked, or by name only) and by others, assignments and recorded conflicts."""
    rng = random.Random(seed)
    members = [f"gk{seed}x{i:03d}" for i in range(n_members)]
    for i, username in enumerate(members):
        add_examiner(con, username, f"Giám Khảo {seed} Số {i}", rng.choice(MEMBER_GROUPS))
    rid = make_round(con, name=f"Đợt sinh {seed}")  # every active examiner joins its council
    person = dict(
        con.execute(
            "SELECT u.username, u.person_id FROM users u JOIN round_examiners x "
            "ON x.examiner = u.username WHERE x.round_id = ?",
            [rid],
        ).fetchall()
    )
    council = sorted(person)
    name_of = dict(con.execute("SELECT u.username, p.full_name FROM users u "
                               "JOIN people p ON p.id = u.person_id").fetchall())  # fmt: skip
    outsider = int(con.execute("SELECT min(id) FROM people").fetchone()[0])
    numbers = list(range(n_entries))
    rng.shuffle(numbers)  # ids in another order than codes
    for n in numbers:
        group = rng.choice([*GROUPS, ""]) if rng.random() < 0.9 else ""
        entry_id = con.execute(
            "INSERT INTO entries (round_id, code, title, group_name, withdrawn) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            [rid, f"SK-{n:04d}" if n % 7 else f"A{n}", f"Đề tài {n}", group, rng.random() < 0.1],
        ).fetchone()[0]
        who = rng.random()
        if who < 0.15:  # written by a member, linked
            authors = [(person[rng.choice(council)], "x")]
        elif who < 0.25:  # by a member, by name only (spacing and case aside)
            authors = [(None, "  " + name_of[rng.choice(council)].upper())]
        elif who < 0.35:  # two authors: a member and someone else
            authors = [(outsider, "Người Ngoài"), (person[rng.choice(council)], "y")]
        else:
            authors = [(outsider if rng.random() < 0.5 else None, f"Tác Giả {n}")]
        for pos, (pid, name) in enumerate(authors, start=1):
            con.execute(
                "INSERT INTO entry_authors (entry_id, position, person_id, name, share) "
                "VALUES (?, ?, ?, ?, ?)",
                [entry_id, pos, pid, name, 100 / len(authors)],
            )
        picked = rng.sample(council, k=min(len(council), rng.choice([0, 0, 1, 2, 3])))
        for ord_, username in enumerate(picked[:2], start=1):
            con.execute(
                "INSERT INTO assignments (entry_id, examiner, ord) VALUES (?, ?, ?)",
                [entry_id, username, ord_],
            )
        for username in picked[2:]:
            con.execute(
                "INSERT INTO conflicts (round_id, examiner, entry_id, kind) VALUES (?, ?, ?, ?)",
                [rid, username, entry_id, rng.choice(list(conflicts.CONFLICT_KINDS))],
            )
    return rid


def rows_of(found: pd.DataFrame) -> list[tuple[int, str, str]]:
    return list(zip(found["entry_id"].astype(int).tolist(), found["code"], found["examiner"],
                    strict=True))  # fmt: skip


@pytest.mark.parametrize(("n_entries", "n_members", "seed"), [(12, 6, 1), (40, 9, 2), (200, 30, 3)])
def test_suggestions_match_the_python_loop(demo_con, n_entries, n_members, seed):
    rid = generated_round(demo_con, n_entries, n_members, seed)
    authors = conflicts.conflicts(demo_con, rid).query("kind == 'author'")
    expected_authors = reference_council_authors(demo_con, rid)
    assert len(expected_authors) > 0
    assert list(zip(authors["entry_id"], authors["code"], authors["examiner"],
                    authors["full_name"], strict=True)) == expected_authors  # fmt: skip
    expected = reference_same_group(demo_con, rid)
    assert len(expected) >= {1: 5, 2: 30, 3: 600}[seed]  # the data has something to compare
    found = conflicts.same_group_conflicts(demo_con, rid)
    assert rows_of(found) == expected
    assert found.equals(
        conflicts.same_group_conflicts(demo_con, rid, conflicts.conflicts(demo_con, rid))
    )
    assert list(found.columns) == ["entry_id", "code", "examiner", "full_name", "group_name",
                                   "group_key"]  # fmt: skip
    summary = conflicts.same_group_summary(demo_con, rid)
    assert list(summary.itertuples(index=False, name=None)) == reference_summary(
        demo_con, rid, expected
    )
    assert int(summary["n_suggestions"].sum()) == len(expected)


def test_a_round_without_suggestions(demo_con):
    rid = make_round(demo_con)
    assert conflicts.same_group_conflicts(demo_con, rid).empty
    assert conflicts.same_group_summary(demo_con, rid).empty
    assert conflicts.add_same_group_conflicts(demo_con, rid, "chutich") == 0


def test_recording_all_writes_each_suggestion_once_with_its_audit(demo_con):
    rid = generated_round(demo_con, 200, 20, 4)
    expected = reference_same_group(demo_con, rid)
    before = demo_con.execute("SELECT count(*) FROM conflicts").fetchone()[0]
    audit_from = demo_con.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
    assert conflicts.add_same_group_conflicts(demo_con, rid, "chutich") == len(expected)
    added = demo_con.execute(
        "SELECT c.entry_id, e.code, c.examiner, c.kind, c.note, c.created_by FROM conflicts c "
        "JOIN entries e ON e.id = c.entry_id WHERE c.kind = 'same_group' AND c.created_by = "
        "'chutich' ORDER BY c.id"
    ).fetchall()
    assert [row[:3] for row in added] == expected  # in suggestion order, each once
    assert {row[3:] for row in added} == {("same_group", "", "chutich")}
    assert demo_con.execute("SELECT count(*) FROM conflicts").fetchone()[0] == before + len(added)
    logged = demo_con.execute(
        "SELECT actor, action, entity, entity_id, before, after FROM audit_log WHERE id > ? "
        "ORDER BY id",
        [audit_from],
    ).fetchall()
    assert [row[3] for row in logged] == [f"{rid}:{code}:{x}" for _, code, x in expected]
    assert {(a, act, ent, b) for a, act, ent, _, b, _ in logged} == {
        ("chutich", "conflict", "conflict", None)
    }
    # The after value is exactly what add_conflict logs for one.
    one = make_round(demo_con, name="Đợt một")
    eid = entries.add_entry(demo_con, one, "chutich", title="T", group_name="x",
                            authors=[{"name": "Ai Đó", "share": 100}])  # fmt: skip
    conflicts.add_conflict(demo_con, eid, "giamkhao1", "same_group", "chutich")
    single = demo_con.execute("SELECT after FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert {row[5] for row in logged} == {single}
    assert json.loads(single) == {"kind": "same_group", "note": ""}
    # A second click has nothing left to record.
    assert conflicts.same_group_conflicts(demo_con, rid).empty
    assert conflicts.add_same_group_conflicts(demo_con, rid, "chutich") == 0
    assert (
        demo_con.execute("SELECT count(*) FROM conflicts").fetchone()[0] == before + len(added) + 1
    )


def _counts(con) -> tuple[int, int]:
    return con.execute(
        "SELECT (SELECT count(*) FROM conflicts), (SELECT count(*) FROM audit_log)"
    ).fetchone()


def test_recording_all_is_refused_whole_for_a_published_round(demo_con):
    rid = generated_round(demo_con, 30, 6, 5)
    demo_con.execute("UPDATE rounds SET state = 'final' WHERE id = ?", [rid])
    before = _counts(demo_con)
    with pytest.raises(Invalid, match="đã công bố"):
        conflicts.add_same_group_conflicts(demo_con, rid, "chutich")
    assert _counts(demo_con) == before


def test_recording_all_is_refused_whole_when_a_member_cannot_examine(demo_con):
    rid = generated_round(demo_con, 60, 8, 6)
    found = conflicts.same_group_conflicts(demo_con, rid)
    assert not found.empty
    gone = found["examiner"].iloc[len(found) // 2]
    demo_con.execute("UPDATE users SET active = false WHERE username = ?", [gone])
    before = _counts(demo_con)
    with pytest.raises(Invalid, match=f"'{gone}' không phải tài khoản giám khảo"):
        conflicts.add_same_group_conflicts(demo_con, rid, "chutich")
    assert _counts(demo_con) == before


def test_the_download_holds_every_suggestion(demo_con):
    rid = generated_round(demo_con, 80, 10, 7)
    expected = reference_same_group(demo_con, rid)
    table = conflicts.same_group_table(demo_con, rid)
    assert list(table.columns) == ["Mã SKKN", "Tổ", "Giám khảo", "Tên đăng nhập"]
    assert list(zip(table["Mã SKKN"], table["Tên đăng nhập"], strict=True)) == [
        (code, x) for _, code, x in expected
    ]
    text = exports.to_csv(table).decode("utf-8-sig")
    assert text.count("\r\n") == len(expected) + 1 and "Mã SKKN,Tổ,Giám khảo" in text


# --- the assignment tab: grid and pickers ----------------------------------------------------


def reference_grid(current: pd.DataFrame) -> list[dict]:
    """The table pages/skkn.py built cell by cell before assignment_grid."""
    status_word = {"none": "chưa chấm", "draft": "đang chấm", "submitted": "đã nộp"}
    matrix: dict = {}
    for code, title, gk, name, status, scored in zip(
        *(current[c].tolist() for c in ("code", "title", "gk", "full_name", "sheet_status",
                                         "has_scores")), strict=True):  # fmt: skip
        cell = f"{name} ({status_word[status if scored else 'none']})"
        matrix.setdefault(code, {"Mã": code, "Tên SKKN": title})[gk] = cell
    gks = [assignment.gk_label(int(o)) for o in sorted(set(current["ord"]))]
    columns = ["Mã", "Tên SKKN", *gks]
    return [{k: cells.get(k, "") for k in columns} for cells in matrix.values()]


def test_assignment_grid_matches_the_cell_by_cell_table(demo_con):
    rid = generated_round(demo_con, 150, 12, 8)
    # Sheets in every state: a draft without scores, one with a comment, submitted ones.
    sample = demo_con.execute(
        "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "WHERE e.round_id = ? ORDER BY a.entry_id, a.ord LIMIT 60",
        [rid],
    ).fetchall()
    for i, (entry_id, examiner) in enumerate(sample):
        status, comment = [("draft", ""), ("draft", "nhận xét"), ("submitted", "")][i % 3]
        demo_con.execute(
            "INSERT INTO sheets (entry_id, examiner, status, comment) VALUES (?, ?, ?, ?)",
            [entry_id, examiner, status, comment],
        )
    demo_con.execute(  # a third examiner for a few entries: the others get an empty cell
        "INSERT INTO assignments (entry_id, examiner, ord) SELECT a.entry_id, "
        "min(x.examiner), 3 FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "JOIN round_examiners x ON x.round_id = e.round_id AND x.examiner NOT IN "
        "(SELECT examiner FROM assignments b WHERE b.entry_id = a.entry_id) "
        "WHERE e.round_id = ? AND a.ord = 2 AND a.entry_id % 5 = 0 GROUP BY a.entry_id",
        [rid],
    )
    current = assignment.assignments(demo_con, rid)
    assert set(current["ord"]) == {1, 2, 3}
    grid = assignment.assignment_grid(current)
    assert grid.to_dict("records") == reference_grid(current)
    assert {"đang chấm", "chưa chấm", "đã nộp"} <= {c.split("(")[-1][:-1] for c in grid["GK1"]}
    empty = assignment.assignment_grid(current.iloc[0:0])
    assert empty.empty and list(empty.columns) == ["Mã", "Tên SKKN"]


def test_kept_entry_labels_are_the_pickers_of_entry_list(demo_con):
    rid = generated_round(demo_con, 50, 5, 9)
    expected = {e.id: f"{e.code} – {e.title}" for e in entries.entry_list(demo_con, rid)
                if not e.withdrawn}  # fmt: skip
    assert list(entries.kept_entry_labels(demo_con, rid).items()) == list(expected.items())


# --- the page ---------------------------------------------------------------------------------


def test_page_summarises_many_suggestions_and_records_them_all(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    rid = generated_round(con, 120, 12, 10)
    expected = reference_same_group(con, rid)
    con.close()
    at = app(path, monkeypatch)
    at.session_state["chosen_round"] = rid  # the round picker follows it
    open_page(login(at, "chutich"), "pages/skkn.py")
    open_tab(at, "sk_the", "Xung đột")
    assert not at.exception
    shown = texts(at)
    assert f"{len(expected):,}".replace(",", ".") + " gợi ý" in shown
    summary = next(f.value for f in at.dataframe if "Số gợi ý" in f.value.columns)
    assert sum(int(n.replace(".", "")) for n in summary["Số gợi ý"]) == len(expected)
    assert [b.label for b in at.get("download_button")] == ["Tải danh sách gợi ý (CSV)"]
    next(b for b in at.button if b.label == "Ghi tất cả là xung đột cùng tổ").click().run()
    assert not at.exception
    assert f"Đã ghi {len(expected):,} xung đột cùng tổ.".replace(",", ".") in texts(at)
    assert "Ghi tất cả là xung đột cùng tổ" not in [b.label for b in at.button]
    con = db.connect(path)
    try:
        assert conflicts.same_group_conflicts(con, rid).empty
        assert con.execute(
            "SELECT count(*) FROM conflicts WHERE round_id = ? AND kind = 'same_group' "
            "AND created_by = 'chutich'",
            [rid],
        ).fetchone()[0] == len(expected)
    finally:
        con.close()


def test_page_lists_a_few_suggestions_inline(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    eid = entries.add_entry(con, 1, "chutich", title="T", authors=[{"name": "Bùi Thanh Tâm",
                                                                    "share": 100}])  # fmt: skip
    code = entries.require_entry(con, eid).code
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/skkn.py")
    open_tab(at, "sk_the", "Xung đột")
    assert f"{code} – Phạm Minh Châu" in texts(at)
    assert not at.get("download_button")


# --- many recorded conflicts: counts per tổ and kind, a file, removal per SKKN --------------


def record_many(con, round_id: int) -> None:
    """Record every pair of the round's entries and council not assigned, recorded or written
    by the member as a conflict, the kinds in turn (a note on every fifth)."""
    authors = reference_council_authors(con, round_id)
    con.execute(
        "INSERT INTO conflicts (round_id, examiner, entry_id, kind, note) "
        "SELECT ?, examiner, entry_id, ['same_group', 'relative', 'other'][1 + n % 3], "
        "CASE WHEN n % 5 = 0 THEN 'ghi chú ' || n ELSE '' END FROM ("
        "SELECT e.id AS entry_id, x.examiner, row_number() OVER (ORDER BY e.id, x.examiner) AS n "
        "FROM entries e JOIN round_examiners x ON x.round_id = e.round_id WHERE e.round_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.entry_id = e.id "
        "AND a.examiner = x.examiner) AND NOT EXISTS (SELECT 1 FROM conflicts c "
        "WHERE c.entry_id = e.id AND c.examiner = x.examiner) AND NOT list_contains(?, "
        "e.id::VARCHAR || ':' || x.examiner))",
        [round_id, round_id, [f"{e}:{u}" for e, _, u, _ in authors]],
    )


def reference_conflict_summary(con, round_id):
    """Per folded tổ of the entry, from the reference list: the tổ as its first entry by code
    spells it, entries, counts per kind, total; Vietnamese order, entries without a tổ last."""
    group_of = dict(
        con.execute("SELECT id, group_name FROM entries WHERE round_id = ?", [round_id]).fetchall()
    )
    kinds = [*conflicts.CONFLICT_KINDS, "author"]
    rows: dict = {}
    for _, entry_id, code, _, _, kind, _, _ in reference_conflicts(con, round_id):
        name = group_of[entry_id]
        row = rows.setdefault(
            fold(name), {"first": (code, name), "e": set(), **dict.fromkeys(kinds, 0)}
        )
        row["first"] = min(row["first"], (code, name))
        row["e"].add(entry_id)
        row[kind] += 1
    out = [(r["first"][1], len(r["e"]), *(r[k] for k in kinds), sum(r[k] for k in kinds))
           for r in rows.values()]  # fmt: skip
    return sorted(out, key=lambda row: (row[0] == "", vn_key(row[0])))


@pytest.mark.parametrize("seed", [11, 12])
def test_conflicts_and_their_summary_match_the_row_by_row_reading(demo_con, seed):
    rid = generated_round(demo_con, 120, 12, seed)
    record_many(demo_con, rid)
    found = conflicts.conflicts(demo_con, rid)
    expected = reference_conflicts(demo_con, rid)
    assert len(expected) > 1000 and {r[5] for r in expected} == {"same_group", "relative",
                                                                  "other", "author"}  # fmt: skip
    assert list(found.columns) == conflicts.COLUMNS
    assert [tuple(None if pd.isna(v) else v for v in row)
            for row in found.itertuples(index=False, name=None)] == expected  # fmt: skip
    assert list(found.query("kind != 'author'")["id"].map(type).unique()) == [int]
    authors = conflicts.council_authors(demo_con, rid)
    assert found.equals(conflicts.conflicts(demo_con, rid, authors=authors))
    summary = conflicts.conflict_summary(demo_con, rid, authors)
    assert list(summary.itertuples(index=False, name=None)) == reference_conflict_summary(
        demo_con, rid
    )
    assert int(summary["total"].sum()) == len(expected)
    assert conflicts.conflict_count(demo_con, rid) == len(expected) - len(authors)


def test_the_conflicts_download_holds_every_conflict(demo_con):
    rid = generated_round(demo_con, 80, 10, 13)
    record_many(demo_con, rid)
    expected = reference_conflicts(demo_con, rid)
    table = conflicts.conflict_table(demo_con, rid)
    assert list(table.columns) == ["Mã SKKN", "Tổ", "Giám khảo", "Tên đăng nhập", "Loại",
                                   "Ghi chú"]  # fmt: skip
    assert list(zip(table["Mã SKKN"], table["Tên đăng nhập"], table["Loại"], strict=True)) == [
        (r[2], r[3], r[6]) for r in expected
    ]
    text = exports.to_csv(table).decode("utf-8-sig")
    assert text.count("\r\n") == len(expected) + 1


def test_a_round_without_conflicts_has_an_empty_summary(demo_con):
    rid = make_round(demo_con)
    authors = conflicts.council_authors(demo_con, rid)
    assert authors.empty and conflicts.conflict_count(demo_con, rid) == 0
    summary = conflicts.conflict_summary(demo_con, rid, authors)
    assert summary.empty and "total" in summary.columns


def test_page_summarises_many_conflicts_and_removes_one_per_skkn(tmp_path, monkeypatch):
    monkeypatch.setattr(conflicts, "LIST_INLINE", 50)
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    rid = generated_round(con, 200, 40, 14)
    record_many(con, rid)
    n = conflicts.conflict_count(con, rid)
    authors = len(conflicts.council_authors(con, rid))
    entry_id, code = con.execute(
        "SELECT e.id, e.code FROM entries e WHERE e.round_id = ? AND NOT e.withdrawn AND "
        "(SELECT count(*) FROM conflicts c WHERE c.entry_id = e.id) >= 3 ORDER BY e.code DESC "
        "LIMIT 1",
        [rid],
    ).fetchone()
    theirs = dict(con.execute(
        "SELECT examiner, id FROM conflicts WHERE entry_id = ? ORDER BY examiner", [entry_id]
    ).fetchall())  # fmt: skip
    con.close()
    assert n > 1000
    at = app(path, monkeypatch)
    at.session_state["chosen_round"] = rid
    open_page(login(at, "chutich"), "pages/skkn.py")
    open_tab(at, "sk_the", "Xung đột")
    assert not at.exception
    shown = texts(at)
    # Counts the Vietnamese way (1.234), per tổ and kind; the list itself only as a file.
    assert f"{n:,}".replace(",", ".") + " xung đột đã ghi" in shown
    summary = next(f.value for f in at.dataframe if "Tổng" in f.value.columns)
    assert list(summary.columns) == ["Tổ", "Số SKKN", "Cùng tổ", "Người thân", "Lý do khác",
                                     "Là tác giả", "Tổng"]  # fmt: skip
    assert sum(int(v.replace(".", "")) for v in summary["Tổng"]) == n + authors
    assert any("." in v for v in summary["Tổng"])  # a tổ with over a thousand conflicts
    assert "Tải danh sách xung đột (CSV)" in [b.label for b in at.get("download_button")]
    assert "Xóa xung đột" not in [s.label for s in at.selectbox]  # no picker of every conflict
    assert all(len(s.options) <= 200 for s in at.selectbox if s.label != "SKKN")
    # One SKKN, then one of its examiners.
    next(s for s in at.selectbox if s.label == "SKKN").set_value(entry_id).run()
    assert not at.exception
    listed = next(f.value for f in at.dataframe if "Tên đăng nhập" in f.value.columns)
    assert set(theirs) <= set(listed["Tên đăng nhập"])
    remove = next(s for s in at.selectbox if s.label == "Xóa xung đột với giám khảo")
    assert len(remove.options) == len(theirs)
    gone = sorted(theirs)[1]
    remove.set_value(theirs[gone])
    next(b for b in at.button if b.label == "Xóa xung đột").click().run()
    assert not at.exception
    assert "Đã xóa xung đột." in texts(at)
    con = db.connect(path)
    try:
        rows = con.execute("SELECT examiner FROM conflicts WHERE entry_id = ?", [entry_id])
        left = {u for (u,) in rows.fetchall()}
        assert left == set(theirs) - {gone}
        assert conflicts.conflict_count(con, rid) == n - 1
    finally:
        con.close()
    # The form records a conflict for the SKKN picked above.
    next(s for s in at.selectbox if s.label == "SKKN").set_value(entry_id).run()
    next(s for s in at.selectbox if s.label == "Giám khảo").set_value(gone)
    next(s for s in at.selectbox if s.label == "Loại xung đột").set_value("relative")
    next(b for b in at.button if b.label == "Ghi xung đột").click().run()
    assert not at.exception and "Đã ghi xung đột." in texts(at)
    con = db.connect(path)
    try:
        assert con.execute(
            "SELECT kind FROM conflicts WHERE entry_id = ? AND examiner = ?", [entry_id, gone]
        ).fetchone() == ("relative",)
    finally:
        con.close()
