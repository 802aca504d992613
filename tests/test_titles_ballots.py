"""The council's vote: phone ballot kept anonymous, tallies after closing, thresholds, paper."""

from dataclasses import replace

import pytest

from lib.access import users
from lib.access.users import NewUser
from lib.core.errors import Invalid
from lib.titles import ballots as B
from lib.titles import registrations as reg
from lib.titles.rules import default_yaml, is_locked, set_rules
from tests.titles_helpers import YEAR, evaluate, published_round, school, user


@pytest.fixture
def world(con):
    ids = school(con)
    for name, full in (("gk1", "Thành viên Một"), ("gk2", "Thành viên Hai"), ("gk3", "Ba")):
        users.add_user(con, NewUser(name, full, ("examiner",)), "test")
    admin = user(con, "chutich")
    for name in ("Lê Thị Bình", "Phạm Thu Cúc"):
        evaluate(con, ids[name])
        reg.save_registration(con, admin, YEAR, ids[name], "LDTT")
    return ids


def _all_agree(con, ballot_id, agree=True):
    return {(r.subject, r.title): agree for r in B.ballot_candidates(con, ballot_id).itertuples()}


def test_three_members_vote_and_tallies_show_only_after_closing(con, world):
    admin = user(con, "chutich")
    bid = B.open_ballot(con, admin, YEAR, "3")
    assert is_locked(con, YEAR)  # the quy chế is frozen once a vote is under way
    with pytest.raises(Invalid, match="quy chế đã khóa"):
        set_rules(con, YEAR, default_yaml(), "chutich")
    binh = f"p:{world['Lê Thị Bình']}"
    for name, binh_vote in (("gk1", True), ("gk2", True), ("gk3", False)):
        choices = _all_agree(con, bid)
        choices[(binh, "LDTT")] = binh_vote
        B.cast_vote(con, user(con, name), bid, choices)
        assert B.has_voted(con, bid, name)
    with pytest.raises(Invalid, match="đã bỏ phiếu"):
        B.cast_vote(con, user(con, "gk1"), bid, _all_agree(con, bid))
    with pytest.raises(Invalid, match="Chỉ thành viên Hội đồng"):
        B.cast_vote(con, user(con, "an"), bid, _all_agree(con, bid))
    with pytest.raises(Invalid, match="chỉ hiện khi Chủ tịch HĐ đóng"):
        B.tallies(con, bid)
    B.close_ballot(con, admin, bid)
    t = B.tallies(con, bid).set_index("name")
    assert (t.loc["Lê Thị Bình", "dong_y"], t.loc["Lê Thị Bình", "khong_dong_y"]) == (2, 1)
    assert (t.loc["Phạm Thu Cúc", "dong_y"], t.loc["Phạm Thu Cúc", "co_mat"]) == (3, 3)
    with pytest.raises(Invalid, match="Chưa có cuộc bỏ phiếu nào đang mở"):
        B.cast_vote(con, admin, bid, _all_agree(con, bid))


def test_no_table_or_log_links_a_ballot_to_its_voter(con, world):
    admin = user(con, "chutich")
    bid = B.open_ballot(con, admin, YEAR, 3)
    logged = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    B.cast_vote(con, user(con, "gk1"), bid, _all_agree(con, bid, True))
    B.cast_vote(con, user(con, "gk2"), bid, _all_agree(con, bid, False))
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == logged  # no log line
    columns = {
        table: {c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
        ).fetchall()}
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }  # fmt: skip
    assert columns["ballot_votes"] == {"ballot_id", "subject", "title", "agree"}
    assert columns["ballot_voters"] == {"ballot_id", "username"}
    # Besides the accounts (and the log of their creation, before the vote), only ballot_voters
    # names a voter, and it holds no choice.
    accounts = ("users", "user_roles", "audit_log", "ballot_voters")
    for table, cols in columns.items():
        for col in cols:
            hits = con.execute(
                f'SELECT count(*) FROM "{table}" WHERE CAST("{col}" AS VARCHAR) LIKE \'%gk%\''
            ).fetchone()[0]
            assert hits == 0 or table in accounts, (table, col)


def test_a_title_is_granted_when_eligible_and_the_share_reaches_the_threshold(con, world):
    admin = user(con, "chutich")
    binh, cuc = f"p:{world['Lê Thị Bình']}", f"p:{world['Phạm Thu Cúc']}"
    B.save_paper_tally(con, admin, YEAR, binh, "LDTT", "2", "2", "4")  # exactly 50%
    B.save_paper_tally(con, admin, YEAR, cuc, "LDTT", "1", "3", "4")
    res = B.results(con, YEAR).set_index("ho_ten")
    assert res.loc["Lê Thị Bình", "ket_qua"] == "dat"
    assert res.loc["Phạm Thu Cúc", "ly_do"] == "1/4 đồng ý (25%, cần từ 50%)"
    # Eligibility is read again: a late evaluation that fails LĐTT undoes the vote.
    evaluate(con, world["Lê Thị Bình"], days="40")
    res = B.results(con, YEAR).set_index("ho_ten")
    assert res.loc["Lê Thị Bình", "ket_qua"] == "khong_dat"
    assert res.loc["Lê Thị Bình", "ly_do"] == "Không còn đủ điều kiện"


def test_cstdcs_needs_seventy_percent(con, world):
    admin = user(con, "chutich")
    pid = world["Lê Thị Bình"]
    reg.save_registration(con, admin, YEAR, pid, "CSTDCS")
    for name in ("Trần Văn An", "Đỗ Mai Dung", "Vũ Thu Hà", "Hoàng Khoa", "Nguyễn Thị Quyên"):
        evaluate(con, world[name])
        reg.save_registration(con, admin, YEAR, world[name], "LDTT")
    published_round(con, [([(pid, "Lê Thị Bình", 100)], "A")])  # 7 LĐTT → quota 1
    B.save_paper_tally(con, admin, YEAR, f"p:{pid}", "CSTDCS", "7", "3", "10")
    assert B.results(con, YEAR).set_index("danh_hieu").loc["CSTDCS", "ket_qua"] == "dat"
    B.save_paper_tally(con, admin, YEAR, f"p:{pid}", "CSTDCS", "6", "4", "10")
    assert B.results(con, YEAR).set_index("danh_hieu").loc["CSTDCS", "ly_do"] == (
        "6/10 đồng ý (60%, cần từ 70%)")  # fmt: skip


def test_paper_tallies_are_checked(con, world):
    admin = user(con, "chutich")
    binh = f"p:{world['Lê Thị Bình']}"
    with pytest.raises(Invalid) as refused:
        B.save_paper_tally(con, admin, YEAR, binh, "LDTT", "3", "2", "4")
    assert "nhiều hơn số có mặt" in refused.value.messages[0]
    with pytest.raises(Invalid) as refused:
        B.save_paper_tally(con, admin, YEAR, binh, "LDTT", "-1", "x", "0")
    assert len(refused.value.errors) == 3
    with pytest.raises(Invalid, match="không có trong danh sách đề nghị"):
        B.save_paper_tally(con, admin, YEAR, f"p:{world['Vũ Thu Hà']}", "LDTT", "1", "0", "1")


def test_every_ballot_rewrites_all_vote_rows_through_the_shuffle(con, world, monkeypatch):
    class Reverse:
        def shuffle(self, rows):
            rows.reverse()

    monkeypatch.setattr(B, "_SHUFFLE", Reverse())
    bid = B.open_ballot(con, user(con, "chutich"), YEAR, 3)
    B.cast_vote(con, user(con, "gk1"), bid, _all_agree(con, bid, True))
    B.cast_vote(con, user(con, "gk2"), bid, _all_agree(con, bid, False))
    # The first member's rows were moved behind the second's: storage order is not arrival order.
    stored = [a for (a,) in con.execute("SELECT agree FROM ballot_votes").fetchall()]
    assert stored == [False, False, True, True]


def test_three_members_voting_at_the_same_moment_are_all_counted(tmp_path):
    import threading

    from lib.core import db

    con = db.connect(tmp_path / "t.duckdb")
    ids = school(con)
    for name, full in (("gk1", "Thành viên Một"), ("gk2", "Thành viên Hai"), ("gk3", "Ba")):
        users.add_user(con, NewUser(name, full, ("examiner",)), "test")
    admin = user(con, "chutich")
    for name in ("Lê Thị Bình", "Phạm Thu Cúc"):
        evaluate(con, ids[name])
        reg.save_registration(con, admin, YEAR, ids[name], "LDTT")
    bid = B.open_ballot(con, admin, YEAR, 3)
    choices = _all_agree(con, bid)
    start, failures = threading.Barrier(3), []

    def vote(name):
        cursor = con.cursor()  # one cursor per session, as the app does
        try:
            start.wait()
            B.cast_vote(cursor, user(cursor, name), bid, choices)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=vote, args=(n,)) for n in ("gk1", "gk2", "gk3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    B.close_ballot(con, admin, bid)
    assert set(B.tallies(con, bid)["dong_y"]) == {3}
    con.close()


def test_a_ballot_must_answer_every_candidate_and_nothing_is_counted_otherwise(con, world):
    bid = B.open_ballot(con, user(con, "chutich"), YEAR, 3)
    choices = _all_agree(con, bid)
    choices.pop(next(iter(choices)))
    with pytest.raises(Invalid, match="cho mọi người trong phiếu"):
        B.cast_vote(con, user(con, "gk1"), bid, choices)
    assert not B.has_voted(con, bid, "gk1") and B.n_voted(con, bid) == 0
    extra = {**_all_agree(con, bid), ("p:999", "LDTT"): True}
    with pytest.raises(Invalid, match="cho mọi người trong phiếu"):
        B.cast_vote(con, user(con, "gk1"), bid, extra)


def test_the_meeting_record_sets_who_is_present_and_who_may_vote(con, world):
    from datetime import date

    from lib.titles import meeting as M

    admin = user(con, "chutich")
    with pytest.raises(Invalid, match="Chưa ghi thông tin cuộc họp bình xét"):
        B.open_ballot(con, admin, YEAR)  # no number by hand and no meeting: refused
    members = [a if a.username != "gk3" else replace(a, present=False, reason="Ốm")
               for a in M.council_members(con, "Nguyễn Thị Quyên")]  # fmt: skip
    assert [a.username for a in members] == ["chutich", "gk3", "gk2", "gk1"]  # chair first
    with pytest.raises(Invalid) as refused:
        M.save_meeting(
            con,
            admin,
            YEAR,
            held_on=None,
            starts_at="9h",
            ends_at="8h",
            place="",
            chaired_by="",
            secretary="",
            attendance=[replace(members[1], reason="")],
        )
    assert set(refused.value.errors) == {
        "held_on",
        "ends_at",
        "place",
        "chaired_by",
        "secretary",
        "attendance.1",
    }  # every field at once, nothing written
    assert M.get_meeting(con, YEAR) is None
    M.save_meeting(con, admin, YEAR, held_on=date(2024, 5, 24), starts_at="14:00",
                   ends_at="16:00", place="Phòng họp", chaired_by="Nguyễn Thị Quyên",
                   secretary="Thành viên Hai", attendance=members)  # fmt: skip
    with pytest.raises(Invalid, match="ghi 3 thành viên có mặt, không phải 4"):
        B.open_ballot(con, admin, YEAR, "4")
    bid = B.open_ballot(con, admin, YEAR)
    assert B.require_ballot(con, bid).present == 3
    with pytest.raises(Invalid, match="không ghi bạn có mặt"):
        B.cast_vote(con, user(con, "gk3"), bid, _all_agree(con, bid))
    assert B.why_not_voting(con, user(con, "gk3"), B.require_ballot(con, bid)) == B.NOT_PRESENT
    with pytest.raises(Invalid, match="Cuộc bỏ phiếu đang mở với 3 thành viên có mặt"):
        M.save_meeting(con, admin, YEAR, held_on=date(2024, 5, 24), starts_at="14:00",
                       ends_at="16:00", place="Phòng họp", chaired_by="Nguyễn Thị Quyên",
                       secretary="Thành viên Hai", attendance=M.council_members(con))  # fmt: skip
    B.cast_vote(con, user(con, "gk1"), bid, _all_agree(con, bid))
    B.close_ballot(con, admin, bid)
    # A paper tally cannot count more members than the meeting had.
    binh = f"p:{world['Lê Thị Bình']}"
    with pytest.raises(
        Invalid, match="nhiều hơn số thành viên có mặt ghi trong thông tin cuộc họp"
    ):
        B.save_paper_tally(con, admin, YEAR, binh, "LDTT", "4", "0", "4")
