"""results.results() (one vectorized pass) agrees with the simple per-entry reference
(tests/results_reference.py) on every entry: means, section means, grades, the third-examiner
flag and its reason, statuses, overrides — the numbers the chair settles and the biên bản prints.
"""

from __future__ import annotations

import pandas as pd
import pytest

from bench.generate import generate
from lib.core import db
from lib.scoring import assignment, results, rounds, sheets, states
from tests.results_reference import reference_results
from tests.scoring_helpers import scores_for_total, user


def _same(a: object, b: object) -> bool:
    """Equal and written the same (Decimal('16.00') is not Decimal('16')), lists and dicts too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b and str(a) == str(b)


def assert_agree(con: db.Connection, round_id: int) -> pd.DataFrame:
    """Every cell of the round's results equals the reference's; return the results."""
    fast, slow = results.results(con, round_id), reference_results(con, round_id)
    assert list(fast.columns) == list(slow.columns) == results.RESULT_COLUMNS
    assert dict(fast.dtypes) == dict(slow.dtypes)
    assert len(fast) == len(slow)
    differ = [
        (column, code, a, b)
        for column in fast.columns
        for code, a, b in zip(slow["code"], fast[column], slow[column], strict=True)
        if not _same(a, b)
    ]
    assert differ == []
    return fast


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """A generated district database (5 rounds of 600 entries, 2 or 3 sheets each)."""
    path = tmp_path_factory.mktemp("district") / "district.duckdb"
    generate(path, "district")
    con = db.connect(path)
    yield con
    con.close()


def test_every_entry_of_a_generated_district_agrees(district):
    ids = [int(r[0]) for r in district.execute("SELECT id FROM rounds ORDER BY id").fetchall()]
    flagged = scored = 0
    for round_id in ids:
        df = assert_agree(district, round_id)
        flagged += int(df["needs_third"].sum())
        scored += int((df["n_sheets"] > 0).sum())
    # The comparison covered the cases that matter: flagged entries, 3 sheets, grades A to C.
    assert flagged > 100 and scored > 2500
    assert set(df["grade"].dropna()) >= {"A", "B", "C"}
    assert (df["n_sheets"] == 3).any() and df["status"].str.startswith("Đang chấm").any()


def test_odd_rounds_agree_too(district):
    """Withdrawn entries, overrides (and one taken back), a sheet whose examiner was unassigned,
    empty points, exact halves to round and points off the rubric's step all agree."""
    con = district
    round_id = int(con.execute("SELECT max(id) FROM rounds").fetchone()[0])
    con.execute("UPDATE rounds SET state = 'open' WHERE id = ?", [round_id])
    found = con.execute("SELECT id FROM entries WHERE round_id = ? ORDER BY code", [round_id])
    ids = [int(row[0]) for row in found.fetchall()]
    con.execute("UPDATE entries SET withdrawn = true WHERE list_contains(?, id)", [ids[:15]])
    for i, entry_id in enumerate(ids[15:60]):
        grade = ["A", "B", "C", None][i % 4]  # None: the chair took the decision back
        if grade is None:
            con.execute("INSERT INTO grade_overrides (entry_id, grade, reason, created_by) "
                        "VALUES (?, 'A', 'trước', 'bench_admin')", [entry_id])  # fmt: skip
        con.execute("INSERT INTO grade_overrides (entry_id, grade, reason, created_by) "
                    "VALUES (?, ?, 'Quyết định của Chủ tịch HĐ', 'bench_admin')",
                    [entry_id, grade])  # fmt: skip
    # Examiners unassigned after submitting: their sheets still count, after the GKs.
    con.execute(
        "DELETE FROM assignments WHERE (entry_id, examiner) IN (SELECT s.entry_id, s.examiner "
        "FROM sheets s WHERE s.status = 'submitted' AND list_contains(?, s.entry_id) "
        "AND s.entry_id % 3 = 0 AND s.id % 2 = 0)",
        [ids[60:200]],
    )
    # Empty points: a criterion left empty, and a submitted sheet with none at all.
    sheet_ids = [int(r[0]) for r in con.execute(
        "SELECT s.id FROM sheets s WHERE list_contains(?, s.entry_id) AND s.status = 'submitted' "
        "ORDER BY s.id", [ids[200:300]]).fetchall()]  # fmt: skip
    con.execute("UPDATE scores SET value = NULL WHERE list_contains(?, sheet_id) "
                "AND criterion = 'II.1'", [sheet_ids[::5]])  # fmt: skip
    con.execute("UPDATE scores SET value = NULL WHERE sheet_id = ?", [sheet_ids[1]])
    # 0.01 more on one sheet makes means land exactly on a half (16.005 -> 16.01, not 16.00),
    # and 4-decimal points test the rounding of every section mean.
    con.execute("UPDATE scores SET value = value + 0.01 WHERE list_contains(?, sheet_id) "
                "AND criterion = 'I.1' AND value <= 0.5", [sheet_ids[2::3]])  # fmt: skip
    con.execute("UPDATE scores SET value = value - 0.0025 WHERE list_contains(?, sheet_id) "
                "AND criterion = 'III.1' AND value >= 0.5", [sheet_ids[::7]])  # fmt: skip
    df = assert_agree(con, round_id)
    assert df["withdrawn"].sum() == 15 and df["overridden"].sum() > 20
    assert (df["status"] == results.DECIDED).any()
    # Some means were exactly half a cent before rounding: the half-up rule was exercised.
    halves = [
        sum(totals) for totals, n in zip(df["totals"], df["n_sheets"], strict=True)
        if n == 2 and len(totals) == 2 and None not in totals and sum(totals) * 100 % 2 == 1
    ]  # fmt: skip
    assert halves


def test_the_demo_round_agrees(demo_con):
    """The demo round, assigned and scored through the app's own paths (different totals per
    sheet, so some entries agree and some need a third examiner), agrees at every step."""
    con = demo_con
    round_id = int(rounds.list_rounds(con, counts=False)["id"].iloc[0])
    assert_agree(con, round_id)  # nothing assigned yet
    assignment.apply_assignments(
        con, round_id, assignment.propose_assignments(con, round_id).proposals, "chutich"
    )
    states.open_round(con, round_id, "chutich")
    r = rounds.require_round(con, round_id)
    assert_agree(con, round_id)  # assigned, no sheet
    plan = assignment.assignments(con, round_id)
    totals = ["16.25", "15.75", "19.5", "12", "13.25", "13", "9.75", "11"]
    for i, row in enumerate(plan.itertuples()):
        if i % 6 == 5:
            continue  # a sheet not submitted yet
        sheets.submit_sheet(con, user(con, row.examiner), int(row.entry_id),
                            scores_for_total(r.rubric, totals[i % len(totals)]))  # fmt: skip
    df = assert_agree(con, round_id)
    assert df["needs_third"].any() and (df["n_sheets"] == 2).any()
    assert set(df["grade"].dropna()) >= {"A", "B"}
