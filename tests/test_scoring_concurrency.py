"""Twenty examiners saving and submitting at the same moment lose nothing and see no error."""

import threading
from decimal import Decimal

from lib.access import users
from lib.core import db
from lib.scoring import assignment, history, results, rounds, sheets, states
from tests.scoring_helpers import add_entry, add_examiner, make_round, rubric20

N_EXAMINERS = 20
DRAFTS = 3


def test_twenty_examiners_at_once(tmp_path):
    path = tmp_path / "concurrent.duckdb"
    con = db.connect(path)
    names = [f"gk{i:02d}" for i in range(N_EXAMINERS)]
    for name in names:
        add_examiner(con, name, f"Giám khảo {name}")
    rid = make_round(con)
    for i in range(N_EXAMINERS // 2):
        add_entry(con, rid, f"Đề tài {i}", author=f"Tác giả {i}")
    assignment.apply_assignments(
        con, rid, assignment.propose_assignments(con, rid).proposals, "chutich"
    )
    states.open_round(con, rid, "chutich")
    mine = {
        row.examiner: int(row.entry_id) for row in assignment.assignments(con, rid).itertuples()
    }
    assert len(mine) == N_EXAMINERS

    r = rubric20()
    # Each examiner's own, different points: criterion II.3 tells them apart.
    expected = {}
    for i, name in enumerate(names):
        values = {c.code: c.max for c in r.criteria}
        values["II.3"] = Decimal(i % 9)
        expected[name] = values

    barrier = threading.Barrier(N_EXAMINERS)
    errors: list[BaseException] = []

    def examiner(name: str) -> None:
        cur = con.cursor()  # one cursor per session, as the app does
        try:
            me = users.get_user(cur, name)
            values = expected[name]
            barrier.wait()
            for step in range(DRAFTS):
                partial = dict(list(values.items())[: 4 + step])
                sheets.save_draft(cur, me, mine[name], partial, {"I.1": f"lần {step}"}, "nháp")
            barrier.wait()  # everyone submits at the same moment
            sheets.submit_sheet(cur, me, mine[name], values, {"I.1": "cuối"}, f"Của {name}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            cur.close()

    threads = [threading.Thread(target=examiner, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []

    submitted = results.submitted_sheets(con, rid)
    assert len(submitted) == N_EXAMINERS
    for s in submitted:
        assert s.scores == expected[s.examiner], s.examiner
        assert s.overall == f"Của {s.examiner}" and s.comments == {"I.1": "cuối"}
    log = history.round_history(con, rid)
    # Each examiner's drafts are one save burst: one audit entry each, not one per save.
    assert (log["action"] == "save").sum() == N_EXAMINERS
    assert (log["action"] == "submit").sum() == N_EXAMINERS
    assert rounds.require_round(con, rid).rubric_frozen
    assert results.results(con, rid)["n_sheets"].tolist() == [2] * (N_EXAMINERS // 2)
    con.close()
