"""The demo SKKN round: ready to set up and assign, no invented scores."""

from lib.scoring import assignment, entries, results, rounds


def test_demo_round_waits_in_preparation_with_demo_entries(demo_con):
    listed = rounds.list_rounds(demo_con)
    assert len(listed) == 1
    r = rounds.require_round(demo_con, int(listed.loc[0, "id"]))
    assert (r.state, r.is_demo, r.rubric.scale) == ("draft", True, 20)
    assert r.rubric.name == "Phiếu chấm SKKN – thang 20 điểm"
    table = entries.entry_table(demo_con, r.id)
    assert len(table) == 6 and table["is_demo"].all()
    assert demo_con.execute("SELECT count(*) FROM sheets").fetchone() == (0,)
    assert demo_con.execute("SELECT count(*) FROM assignments").fetchone() == (0,)
    assert results.results(demo_con, r.id)["grade"].isna().all()


def test_demo_entries_can_all_be_assigned_with_the_author_rule_kept(demo_con):
    plan = assignment.propose_assignments(demo_con, 1)
    assert plan.problems == [] and len(plan.proposals) == 12
    assert set(plan.loads.values()) == {4}
    own = entries.require_entry_by_code(demo_con, 1, "SKKN-006")  # written by giamkhao1's person
    assert "giamkhao1" not in {p.examiner for p in plan.proposals if p.entry_id == own.id}
