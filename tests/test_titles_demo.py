"""The demo school year: registrations and evaluations consistent with the demo SKKN round."""

from lib.scoring import rounds, states
from lib.scoring.results import results, set_override
from lib.titles import eligibility as el
from lib.titles import registrations as reg

YEAR = "2023-2024"


def test_demo_registrations_point_at_the_demo_rounds_entries(demo_con):
    table = reg.registrations_table(demo_con, YEAR)
    rid = int(rounds.list_rounds(demo_con)["id"].iloc[0])
    entries = dict(zip(results(demo_con, rid)["entry_id"], results(demo_con, rid)["title"],
                       strict=True))  # fmt: skip
    linked = table[table["entry_id"].notna()]
    assert len(linked) == 7  # six entries, one of them co-authored by two people
    for row in linked.itertuples():
        assert entries[int(row.entry_id)] == row.skkn_title
    assert reg.pending_entries(demo_con, YEAR)["full_name"].tolist() == ["Phạm Minh Châu"]
    assert reg.unregistered(demo_con, YEAR)["full_name"].tolist() == ["Đỗ Thị Lan"]  # giaovien
    assert all(table["person_id"].isin(demo_con.execute(
        "SELECT id FROM people WHERE is_demo").df()["id"]))  # fmt: skip


def test_demo_cycle_publishing_the_round_makes_cstdcs_and_the_quota_bite(demo_con):
    df = el.eligibility(demo_con, YEAR)
    phuong = df[(df["ho_ten"] == "Ngô Thị Phương") & (df["danh_hieu"] == "LDTT")].iloc[0]
    assert phuong["ly_do"] == "Nghỉ 45 ngày làm việc (≥ 40)"
    assert not df[df["danh_hieu"] == "CSTDCS"]["du_dieu_kien"].any()  # round not published yet
    rid = int(rounds.list_rounds(demo_con)["id"].iloc[0])
    for row in results(demo_con, rid).itertuples():
        set_override(demo_con, int(row.entry_id), "A", "Thử chu trình", "chutich")
    states.open_round(demo_con, rid, "chutich")
    states.close_round(demo_con, rid, "chutich")
    states.finalize_round(demo_con, rid, "chutich")
    fl = el.final_list(demo_con, YEAR)
    names = dict(demo_con.execute("SELECT id, full_name FROM people").fetchall())
    assert len(fl.ldtt) == 7 and fl.quota == 1
    assert {names[p] for p in fl.candidates} == {"Lê Thu Hà", "Vũ Thị Hồng Nhung", "Bùi Thanh Tâm"}
    assert fl.message.startswith("3 người đủ điều kiện CSTĐCS nhưng chỉ tiêu là 1")


def test_demo_meeting_has_a_phone_ballot_in_progress(demo_con):
    from lib.titles import ballots

    ballot = ballots.open_now(demo_con)
    assert ballot.school_year == YEAR and ballot.present == 3
    assert ballots.n_voted(demo_con, ballot.id) == 1
    assert ballots.has_voted(demo_con, ballot.id, "giamkhao2")
    assert not ballots.has_voted(demo_con, ballot.id, "giamkhao1")
    names = ballots.ballot_candidates(demo_con, ballot.id)["name"].tolist()
    assert "Ngô Thị Phương" not in names and "Ban giám hiệu" in names  # only the eligible
