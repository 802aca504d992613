"""The bình xét lib (one read per table, plain lists, kept sort orders) agrees with the simple
reference (tests/titles_reference.py) on a generated town with a whole titles year: every
table cell, dtype and row order, every reason, the final list, the vote and the documents' notes.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest

from bench.generate import SCALES, generate
from lib.access.users import get_user
from lib.core import db
from lib.core.errors import Invalid
from lib.titles import ballots, meeting, skkn
from lib.titles import documents as docs
from lib.titles import eligibility as el
from lib.titles import evaluations as ev
from lib.titles import registrations as reg
from lib.titles import rules as R
from tests import titles_reference as ref
from tests.titles_helpers import stricter

YEAR = "2023-2024"  # the generated round 4: published, cấp trường


def _same(a: object, b: object) -> bool:
    """Equal and of one type, or both missing the same way (None, NaN, NaT, NA)."""
    if type(a) is not type(b):
        return False
    if a is None or a is pd.NA or a is pd.NaT or (isinstance(a, float) and a != a):
        return b is a or (isinstance(b, float) and b != b)
    return bool(a == b)


def assert_same_frame(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    """Same columns, dtypes, index and cells (missing where missing), in the same order."""
    assert list(fast.columns) == list(slow.columns)
    assert dict(fast.dtypes) == dict(slow.dtypes)
    assert list(fast.index) == list(slow.index)
    for column in fast.columns:
        a, b = fast[column].tolist(), slow[column].tolist()
        differ = [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=True))
                  if not _same(x, y)]  # fmt: skip
        assert differ == [], column


def _titles_year(con: db.Connection, rng: random.Random) -> None:
    """Registrations, evaluations (ratings, leave, days off, disciplines with and without end
    dates), start dates, medals, tổ registrations; co-authors, withdrawn entries and the chair's
    grades in the round; an unpublished round and a district-level one in the same year."""
    admin = get_user(con, "bench.admin")
    R.ensure_year(con, YEAR, "bench.admin")
    people = [int(r[0]) for r in con.execute("SELECT id FROM people ORDER BY id").fetchall()]
    for pid in people:
        if rng.random() < 0.95:
            start = date(1985, 1, 1) + timedelta(days=rng.randint(0, 38 * 365))
            con.execute("UPDATE people SET start_date = ? WHERE id = ?", [start, pid])
    rid = int(con.execute("SELECT id FROM rounds WHERE school_year = ?", [YEAR]).fetchone()[0])
    entries = [int(r[0]) for r in con.execute(
        "SELECT id FROM entries WHERE round_id = ? ORDER BY id", [rid]).fetchall()]  # fmt: skip
    # Co-authors (a share under 100%), withdrawn entries and the chair's grades (one taken back).
    for i, entry in enumerate(entries[:40]):
        con.execute("UPDATE entry_authors SET share = 60 WHERE entry_id = ?", [entry])
        con.execute("INSERT INTO entry_authors VALUES (?, 2, ?, 'Đồng tác giả', 40)",
                    [entry, people[(i * 37) % len(people)]])  # fmt: skip
    con.execute("UPDATE entries SET withdrawn = true WHERE list_contains(?, id)", [entries[40:55]])
    for i, entry in enumerate(entries[55:100]):
        for grade in (["C", "A"], ["B"], ["C"], ["A", None])[i % 4]:
            con.execute("INSERT INTO grade_overrides (entry_id, grade, reason, created_by) "
                        "VALUES (?, ?, 'Quyết định của Chủ tịch HĐ', 'bench.admin')",
                        [entry, grade])  # fmt: skip
    # The previous year's round, moved into this year at district level (a second level), and
    # the next year's open round moved too (unpublished: never counted).
    con.execute("UPDATE rounds SET school_year = ?, level = 'cấp quận' WHERE school_year = "
                "'2022-2023'", [YEAR])  # fmt: skip
    con.execute("UPDATE rounds SET school_year = ? WHERE school_year = '2024-2025'", [YEAR])
    authored = {int(p): (int(e), t, f) for e, p, t, f in con.execute(
        "SELECT a.entry_id, a.person_id, e.title, e.field FROM entry_authors a "
        "JOIN entries e ON e.id = a.entry_id WHERE e.round_id = ? AND a.position = 1",
        [rid]).fetchall()}  # fmt: skip
    regs, evs = [], []
    for pid in people:
        if rng.random() < 0.9:
            if pid in authored:
                e, t, f = authored[pid]
                title = "CSTDCS" if rng.random() < 0.6 else "LDTT"
                regs.append((pid, title, t, f or "", e))
            else:
                regs.append((pid, rng.choice(["LDTT", "LDTT", "CSTDCS"]), "", "", None))
        if rng.random() < 0.95:
            months = rng.choice([12, 12, 12, 11.5, 10, 9.5, 8])
            counted = rng.choice([0, 0, 0, 1.5, 2]) if months < 12 else 0
            disc, since, until = "", None, None
            if rng.random() < 0.05:
                disc = rng.choice(["Khiển trách", "Cảnh cáo", "Cách chức"])
                since = rng.choice([None, date(2023, rng.randint(1, 12), 1)])
                until = rng.choice([None, date(2023, 8, 31), date(2023, 9, 1), date(2024, 3, 1)])
            evs.append((pid, rng.choices(["HTXS", "HTT", "HT", "KHT"], [30, 55, 10, 5])[0],
                        months, counted, rng.choice([0, 0, 2, 12, 39, 40, 55]), disc, since,
                        until))  # fmt: skip
    frame = pd.DataFrame(regs, columns=["p", "t", "st", "sf", "e"]).astype({"e": "Int64"})
    con.register("r_in", frame)
    con.execute("INSERT INTO title_registrations (school_year, person_id, title, skkn_title, "
                "skkn_field, entry_id) SELECT ?, p, t, st, sf, e FROM r_in", [YEAR])  # fmt: skip
    frame = pd.DataFrame(evs, columns=["p", "r", "m", "c", "d", "k", "f", "u"])
    con.register("e_in", frame)
    con.execute("INSERT INTO evaluations (school_year, person_id, rating, months_worked, "
                "counted_months, days_off, discipline, discipline_from, discipline_until) "
                "SELECT ?, p, r, m, c, d, k, f::DATE, u::DATE FROM e_in", [YEAR])  # fmt: skip
    for pid in rng.sample(people, 40):  # earlier disciplines: the medal looks back 5 years
        con.execute("INSERT INTO evaluations (school_year, person_id, rating, months_worked, "
                    "discipline, discipline_from) VALUES (?, ?, 'HT', 12, 'Khiển trách', ?) "
                    "ON CONFLICT DO NOTHING",
                    [rng.choice(["2017-2018", "2020-2021"]), pid,
                     rng.choice([date(2018, 1, 10), date(2021, 1, 10)])])  # fmt: skip
    for pid in rng.sample(people, 90):
        con.execute("INSERT INTO medal_awards (person_id, school_year) VALUES (?, ?)",
                    [pid, rng.choice(["2019-2020", "2021-2022"])])  # fmt: skip
    # A person in no tổ, and a tổ of one without an evaluation.
    con.execute("UPDATE people SET group_name = '' WHERE id = ?", [people[3]])
    con.execute("UPDATE people SET group_name = 'Tổ Bếp' WHERE id = ?", [people[5]])
    con.execute("DELETE FROM evaluations WHERE person_id = ? AND school_year = ?",
                [people[5], YEAR])  # fmt: skip
    # A tổ of four who all do well, each with a recognised SKKN: both collective titles.
    best = [r.person_id for r in skkn.recognitions(con, YEAR, ("cấp trường",))
            if r.grade in ("A", "B") and r.share >= 100][:4]  # fmt: skip
    for pid in best:
        con.execute("UPDATE people SET group_name = 'Tổ Y tế' WHERE id = ?", [pid])
        con.execute("DELETE FROM evaluations WHERE person_id = ? AND school_year = ?", [pid, YEAR])
        con.execute("INSERT INTO evaluations (school_year, person_id, rating, months_worked) "
                    "VALUES (?, ?, 'HTXS', 12)", [YEAR, pid])  # fmt: skip
    for i, group in enumerate(reg.group_names(con)):
        reg.save_group_registration(con, admin, YEAR, group, ["TTLDTT", "TTLDXS", None][i % 3])
    reg.save_group_registration(con, admin, YEAR, "Tổ Y tế", "TTLDXS")


def _vote(con: db.Connection, rng: random.Random) -> None:
    """The council meets and votes on the phone (a few members), then paper tallies."""
    admin = get_user(con, "bench.admin")
    fl = el.final_list(con, YEAR)
    if fl.message:
        el.choose_cstdcs(con, admin, YEAR, list(fl.candidates)[: fl.quota])
    members = meeting.council_members(con, "")
    meeting.save_meeting(con, admin, YEAR, held_on=date(2024, 5, 20), starts_at="14:00",
                         ends_at="16:30", place="Phòng họp", chaired_by=members[0].name,
                         secretary=members[-1].name, attendance=members)  # fmt: skip
    ballot = ballots.open_ballot(con, admin, YEAR)
    candidates = ballots.ballot_candidates(con, ballot)
    for m in members[:4]:
        choices = {(r.subject, r.title): rng.random() < 0.7 for r in candidates.itertuples()}
        ballots.cast_vote(con, get_user(con, m.username), ballot, choices)
    ballots.close_ballot(con, admin, ballot)
    present = len(members)
    for r in list(candidates.itertuples())[:: max(1, len(candidates) // 20)]:
        yes = rng.randint(0, present)
        ballots.save_paper_tally(con, admin, YEAR, r.subject, r.title, yes,
                                 rng.randint(0, present - yes), present)  # fmt: skip


# A quarter of the district scale (482 people, 150 SKKN a year): every case the district has,
# at a size the simple reference checks in seconds rather than minutes.
TOWN = replace(SCALES["district"], schools=15, plans_per_year=15, tasks_per_plan=10,
               entries_per_year=150, examiners=12)  # fmt: skip


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A generated town (a quarter of the district scale) with a whole titles year."""
    path = tmp_path_factory.mktemp("titles") / "town.duckdb"
    generate(path, TOWN)
    con = db.connect(path)
    _titles_year(con, random.Random(2024))
    yield con
    con.close()


def assert_year_agrees(con: db.Connection, year: str, rules: R.Rules | None = None) -> None:
    """Every bình xét table of the year equals the reference's."""
    levels = (rules or R.get_rules(con, year)).skkn_levels
    assert skkn.recognitions(con, year, levels) == ref.recognitions(con, year, levels)
    assert_same_frame(reg.registrations_table(con, year), ref.registrations_table(con, year))
    assert_same_frame(ev.evaluations_table(con, year), ref.evaluations_table(con, year))
    assert el.verdicts(con, year, rules) == ref.verdicts(con, year, rules)
    fast = el.eligibility(con, year, rules)
    assert_same_frame(fast, ref.eligibility(con, year, rules))
    assert_same_frame(el.medal_list(con, year, rules), ref.medal_list(con, year, rules))
    fl = el.final_list(con, year, rules)
    assert fl == ref.final_list(con, year, rules)
    assert el.final_list(con, year, rules, fast) == fl  # the page's table handed in
    if rules is None:  # the rest reads the year's stored rules
        assert_same_frame(el.final_table(con, year), ref.final_table(con, year))
        assert_same_frame(el.final_table(con, year, fl), ref.final_table(con, year))
        try:
            candidates = ref.candidates_of(con, year)
        except Invalid as exc:
            with pytest.raises(Invalid) as raised:
                ballots.candidates_of(con, year, fl)
            assert raised.value.errors == exc.errors
        else:
            assert ballots.candidates_of(con, year) == candidates
            assert ballots.candidates_of(con, year, fl) == candidates
            known: dict[str, object] = {}
            for kind in docs.DOCUMENTS:
                assert docs.why_not(con, kind, year) == ref.why_not(con, kind, year)
                assert docs.why_not(con, kind, year, known) == ref.why_not(con, kind, year)
        votes = ballots.vote_counts(con, year)
        assert votes == ref.vote_counts(con, year)
        assert list(votes) == list(ref.vote_counts(con, year))
        slow = ref.results(con, year)
        assert_same_frame(ballots.results(con, year), slow)
        assert_same_frame(ballots.results(con, year, fast, votes), slow)


def test_a_generated_titles_year_agrees_at_every_step(town):
    con = town
    assert_year_agrees(con, YEAR)
    df = el.eligibility(con, YEAR)
    # The comparison covered what matters: both verdicts of each title, co-authors, a person
    # in no tổ, the chair's grades, disciplines and days off as reasons.
    assert df.groupby("danh_hieu")["du_dieu_kien"].nunique().eq(2).all()
    reasons = " ".join(df["ly_do"])
    assert "đồng tác giả" in reasons and "Bị kỷ luật" in reasons and "ngày làm việc (≥" in reasons
    assert "xếp loại C" in reasons and "chưa có đánh giá" in reasons
    assert (el.medal_list(con, YEAR)["du_dieu_kien"]).nunique() == 2
    assert_year_agrees(con, YEAR, stricter())
    # A 5% quota: more candidates than it allows, refused and explained until the council
    # chooses (in _vote, which then locks this quy chế).
    R.set_rules(con, YEAR, R.default_yaml().replace("value: 15\n", "value: 5\n", 1), "test")
    fl = el.final_list(con, YEAR)
    assert len(fl.candidates) > fl.quota and fl.message
    assert_year_agrees(con, YEAR)
    _vote(con, random.Random(7))
    fl = el.final_list(con, YEAR)
    assert fl.cstdcs and not fl.message  # the council chose within the quota
    assert_year_agrees(con, YEAR)
    res = ballots.results(con, YEAR)
    assert set(res["ket_qua"]) == {"dat", "khong_dat"} and len(res) > 150


def test_years_with_less_agree_too(town):
    """A year with rounds but no titles data, one with nothing at all, and the demo school."""
    for year in ("2021-2022", "2026-2027"):
        assert_year_agrees(town, year)


def test_the_demo_year_agrees(demo_con):
    year = R.default_year(demo_con, date.today())
    assert not el.eligibility(demo_con, year).empty
    assert_year_agrees(demo_con, year)


def test_rules_read_again_are_the_same_rules():
    """The parsed quy chế is kept per text: the same text gives equal rules, an edited one not."""
    text = R.default_yaml()
    first = R.rules_from_text(text)
    assert R.rules_from_text(text) == R.load_rules_yaml(text)[0] == first
    assert R.rules_from_text(text.replace("value: 10\n", "value: 11\n", 1)) != first
    with pytest.raises(Invalid) as raised:
        R.rules_from_text("name: [")
    with pytest.raises(Invalid) as again:
        R.rules_from_text("name: [")
    assert raised.value.errors == again.value.errors
