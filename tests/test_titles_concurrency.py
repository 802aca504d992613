"""Two sessions of one council member voting at the same moment: one ballot counted, a clear
message for the other, never a database error."""

import threading

from lib.access import users
from lib.access.users import NewUser
from lib.core import db
from lib.core.errors import Invalid
from lib.titles import ballots as B
from lib.titles import registrations as reg
from tests.titles_helpers import YEAR, evaluate, school, user

TRIES = 40  # the race is timing-dependent: run it many times, each on a fresh ballot


def _world(con) -> None:
    ids = school(con)
    users.add_user(con, NewUser("gk1", "Thành viên Một", ("examiner",)), "test")
    admin = user(con, "chutich")
    for name in ("Lê Thị Bình", "Phạm Thu Cúc", "Đỗ Mai Dung"):
        evaluate(con, ids[name])
        reg.save_registration(con, admin, YEAR, ids[name], "LDTT")


def _two_tabs(con, ballot_id: int, choices: dict) -> list[object]:
    """gk1 presses "Gửi phiếu" in two tabs at once: each tab's outcome ("ok" or the error)."""
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def tab() -> None:
        cur = con.cursor()  # each browser tab is its own session and cursor
        try:
            me = user(cur, "gk1")
            barrier.wait()
            B.cast_vote(cur, me, ballot_id, choices)
            outcomes.append("ok")
        except BaseException as exc:  # the test reports every kind
            outcomes.append(exc)
        finally:
            cur.close()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_a_double_vote_from_two_tabs_counts_once_and_says_so(tmp_path):
    con = db.connect(tmp_path / "double.duckdb")
    _world(con)
    admin = user(con, "chutich")
    for _ in range(TRIES):
        bid = B.open_ballot(con, admin, YEAR, "3")
        choices = {(r.subject, r.title): True for r in B.ballot_candidates(con, bid).itertuples()}
        outcomes = _two_tabs(con, bid, choices)
        refused = [o for o in outcomes if o != "ok"]
        assert outcomes.count("ok") == 1, outcomes
        assert len(refused) == 1 and isinstance(refused[0], Invalid), refused
        assert "Bạn đã bỏ phiếu: phiếu của bạn đã được tính." in str(refused[0])
        assert B.n_voted(con, bid) == 1
        B.close_ballot(con, admin, bid)
        assert B.tallies(con, bid)["dong_y"].tolist() == [1, 1, 1]  # one ballot in the box
    con.close()
