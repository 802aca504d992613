"""Eligibility: every rule and boundary, the quota, collective titles, the medal, two quy chế."""

from datetime import date

import pytest

from lib.access.people import add_person
from lib.core.errors import Invalid
from lib.titles import eligibility as el
from lib.titles.rules import get_rules
from tests.titles_helpers import (
    YEAR,
    evaluate,
    over_quota,
    published_round,
    school,
    set_start,
    stricter,
    user,
)


@pytest.fixture
def ids(con):
    return school(con)


def verdict(con, name, title, rules=None):
    df = el.eligibility(con, YEAR, rules)
    row = df[(df["ho_ten"] == name) & (df["danh_hieu"] == title)].iloc[0]
    return bool(row["du_dieu_kien"]), row["ly_do"]


def test_no_evaluation_means_not_eligible(con, ids):
    assert verdict(con, "Lê Thị Bình", "LDTT") == (False, "Chưa có đánh giá, xếp loại cuối năm học")


@pytest.mark.parametrize(
    ("months", "counted", "ok"),
    [("10", "", True), ("9,9", "", False), ("8", "2", True), ("8", "1,9", False)],
)
def test_exactly_ten_months_counts_and_counted_leave_adds(con, ids, months, counted, ok):
    evaluate(con, ids["Lê Thị Bình"], months=months, counted_months=counted)
    eligible, why = verdict(con, "Lê Thị Bình", "LDTT")
    assert eligible is ok
    if not ok:
        assert "(cần từ 10)" in why and why.startswith("Công tác 9,9 tháng")


@pytest.mark.parametrize(("days", "ok"), [("39", True), ("40", False), ("45", False)])
def test_forty_working_days_off_is_too_many(con, ids, days, ok):
    evaluate(con, ids["Lê Thị Bình"], days=days)
    eligible, why = verdict(con, "Lê Thị Bình", "LDTT")
    assert eligible is ok
    if not ok:
        assert why == f"Nghỉ {days} ngày làm việc (≥ 40)"


@pytest.mark.parametrize(("rating", "ok"), [("HTXS", True), ("HTT", True), ("HT", False)])
def test_rating_must_be_at_least_good(con, ids, rating, ok):
    evaluate(con, ids["Lê Thị Bình"], rating)
    eligible, why = verdict(con, "Lê Thị Bình", "LDTT")
    assert eligible is ok
    if not ok:
        assert why == "Xếp loại Hoàn thành nhiệm vụ (cần từ Hoàn thành tốt nhiệm vụ)"


@pytest.mark.parametrize(
    ("start", "until", "ok"),
    [
        (None, "31/08/2023", True),  # ended the day before the school year began
        (None, "01/09/2023", False),  # still in effect on its first day
        ("01/09/2024", None, True),  # starts after the school year ended
        ("15/03/2024", None, False),  # no end date: still in effect
    ],
)
def test_discipline_end_dates(con, ids, start, until, ok):
    evaluate(con, ids["Lê Thị Bình"], discipline="Khiển trách", discipline_from=start or "",
             discipline_until=until or "")  # fmt: skip
    eligible, why = verdict(con, "Lê Thị Bình", "LDTT")
    assert eligible is ok
    if not ok:
        assert why.startswith("Bị kỷ luật Khiển trách trong năm học")


def test_cstdcs_needs_a_recognised_skkn_of_a_published_round(con, ids):
    binh, cuc, dung = ids["Lê Thị Bình"], ids["Phạm Thu Cúc"], ids["Đỗ Mai Dung"]
    for pid in (binh, cuc, dung, ids["Trần Văn An"]):
        evaluate(con, pid)
    published_round(con, [([(binh, "Lê Thị Bình", 60), (cuc, "Phạm Thu Cúc", 40)], "B"),
                          ([(dung, "Đỗ Mai Dung", 100)], "C")])  # fmt: skip
    # An's grade A is in a round still being scored: it does not count yet.
    published_round(con, [([(ids["Trần Văn An"], "Trần Văn An", 100)], "A")], publish=False)
    assert verdict(con, "Lê Thị Bình", "CSTDCS") == (True, "Đạt LĐTT; SKKN-001 xếp loại B, "
                                                            "đồng tác giả 60%")  # fmt: skip
    assert verdict(con, "Phạm Thu Cúc", "CSTDCS")[0]  # the co-author counts too
    assert verdict(con, "Đỗ Mai Dung", "CSTDCS") == (
        False,
        "Chưa có sáng kiến được công nhận trong năm học (SKKN-002 xếp loại C; cần A, B)",
    )
    assert verdict(con, "Trần Văn An", "CSTDCS") == (
        False,
        "Chưa có sáng kiến được công nhận trong năm học",
    )


def test_cstdcs_needs_ldtt_first(con, ids):
    binh = ids["Lê Thị Bình"]
    evaluate(con, binh, days="40")
    published_round(con, [([(binh, "Lê Thị Bình", 100)], "A")])
    assert verdict(con, "Lê Thị Bình", "CSTDCS") == (False, "Chưa đủ điều kiện LĐTT")


@pytest.mark.parametrize(("n_ldtt", "expected"), [(6, 0), (7, 1), (13, 1), (14, 2), (20, 3)])
def test_quota_is_fifteen_percent_rounded_down(con, n_ldtt, expected):
    assert el.quota(get_rules(con, YEAR), n_ldtt) == expected


def test_final_list_enforces_the_quota_with_a_message(con, ids):
    admin = user(con, "chutich")
    binh, cuc = over_quota(con, ids)
    fl = el.final_list(con, YEAR)
    assert len(fl.ldtt) == 7 and fl.quota == 1 and set(fl.candidates) == {binh, cuc}
    assert fl.cstdcs == ()
    assert fl.message.startswith("2 người đủ điều kiện CSTĐCS nhưng chỉ tiêu là 1 (15% của 7 LĐTT")
    with pytest.raises(Invalid, match="vượt chỉ tiêu CSTĐCS"):
        el.choose_cstdcs(con, admin, YEAR, [binh, cuc])
    with pytest.raises(Invalid, match="đủ điều kiện CSTĐCS"):
        el.choose_cstdcs(con, admin, YEAR, [ids["Vũ Thu Hà"]])
    el.choose_cstdcs(con, admin, YEAR, [cuc])
    fl = el.final_list(con, YEAR)
    assert fl.cstdcs == (cuc,) and fl.message == ""
    table = el.final_table(con, YEAR)
    assert table[table["danh_hieu"] == "CSTĐCS"]["ho_ten"].tolist() == ["Phạm Thu Cúc"]


def _group(con, ids, ratings):
    """Give Tổ A's four members these ratings (HTT etc.; 'X' = 45 days off)."""
    for name, rating in zip(["Trần Văn An", "Lê Thị Bình", "Phạm Thu Cúc", "Đỗ Mai Dung"],
                            ratings, strict=True):  # fmt: skip
        if rating == "X":
            evaluate(con, ids[name], "HTT", days="45")
        else:
            evaluate(con, ids[name], rating)


def test_ttldtt_needs_more_than_half_of_members_ldtt(con, ids):
    _group(con, ids, ["HTT", "HTT", "HT", "HT"])  # exactly 50%
    assert verdict(con, "Tổ A", "TTLDTT") == (False, "2/4 thành viên đạt LĐTT (50%, cần trên 50%)")
    evaluate(con, ids["Phạm Thu Cúc"], "HTT")  # 75%
    assert verdict(con, "Tổ A", "TTLDTT")[0]


def test_collective_titles_refuse_a_member_disciplined_at_warning_or_above(con, ids):
    _group(con, ids, ["HTT", "HTT", "HTT", "HTT"])
    evaluate(con, ids["Đỗ Mai Dung"], "HT", discipline="Khiển trách")
    assert verdict(con, "Tổ A", "TTLDTT")[0]  # a reprimand does not block the tổ
    evaluate(con, ids["Đỗ Mai Dung"], "HT", discipline="Cảnh cáo")
    eligible, why = verdict(con, "Tổ A", "TTLDTT")
    assert not eligible and why == "Đỗ Mai Dung bị kỷ luật Cảnh cáo"


def test_ttldxs_needs_seventy_percent_a_cstdcs_and_everyone_completing(con, ids):
    names = [f"Thành viên {i}" for i in range(10)]
    members = [add_person(con, n, "", "Tổ C") for n in names]
    for pid in members[:7]:  # exactly 70% LĐTT
        evaluate(con, pid)
    for pid in members[7:]:
        evaluate(con, pid, "HT")
    eligible, why = verdict(con, "Tổ C", "TTLDXS")
    assert not eligible and why == "Có 0 thành viên đủ điều kiện CSTĐCS (cần từ 1)"
    published_round(con, [([(members[0], names[0], 100)], "A")])
    assert verdict(con, "Tổ C", "TTLDXS")[0]
    evaluate(con, members[9], "KHT")
    eligible, why = verdict(con, "Tổ C", "TTLDXS")
    assert why == "Thành viên 9 xếp loại Không hoàn thành nhiệm vụ (cần từ Hoàn thành nhiệm vụ)"
    evaluate(con, members[9], "HT")
    evaluate(con, members[6], "HT")  # 60%
    eligible, why = verdict(con, "Tổ C", "TTLDXS")
    assert why.startswith("6/10 thành viên đạt LĐTT (60%, cần từ 70%)")


def test_a_stricter_quy_che_gives_different_results_from_the_same_people(con, ids):
    evaluate(con, ids["Lê Thị Bình"], months="10")
    evaluate(con, ids["Phạm Thu Cúc"], days="35")
    evaluate(con, ids["Đỗ Mai Dung"])
    evaluate(con, ids["Trần Văn An"])
    published_round(con, [([(ids["Đỗ Mai Dung"], "Đỗ Mai Dung", 100)], "B")])
    default = el.eligibility(con, YEAR)
    strict = el.eligibility(con, YEAR, stricter())

    def yes(df, title):
        return set(df[(df["danh_hieu"] == title) & df["du_dieu_kien"]]["ho_ten"])

    assert yes(default, "LDTT") == {"Lê Thị Bình", "Phạm Thu Cúc", "Đỗ Mai Dung", "Trần Văn An"}
    assert yes(strict, "LDTT") == {"Đỗ Mai Dung", "Trần Văn An"}
    assert yes(default, "CSTDCS") == {"Đỗ Mai Dung"} and yes(strict, "CSTDCS") == set()
    assert "Tổ A" in yes(default, "TTLDTT") and "Tổ A" not in yes(strict, "TTLDTT")
    assert verdict(con, "Lê Thị Bình", "LDTT", stricter())[1] == "Công tác 10 tháng (cần từ 11)"
    assert el.quota(stricter(), 20) == 2


def test_medal_years_once_and_discipline(con, ids):
    binh, cuc, dung, ha = (
        ids["Lê Thị Bình"],
        ids["Phạm Thu Cúc"],
        ids["Đỗ Mai Dung"],
        ids["Vũ Thu Hà"],
    )
    set_start(con, binh, date(2004, 8, 31))  # 20 years exactly on 31/08/2024
    set_start(con, cuc, date(2004, 9, 1))  # one day short
    set_start(con, dung, date(2000, 1, 1))
    set_start(con, ha, date(1999, 1, 1))
    evaluate(con, dung, "HT", year="2022-2023", discipline="Khiển trách",
             discipline_until="30/11/2022")  # fmt: skip
    el.record_medal(con, user(con, "chutich"), ha, "2021-2022")
    df = el.medal_list(con, YEAR).set_index("ho_ten")
    assert df.loc["Lê Thị Bình", "du_dieu_kien"] and df.loc["Lê Thị Bình", "so_nam"] == 20
    assert df.loc["Phạm Thu Cúc", "ly_do"] == "Mới 19 năm trong ngành (cần 20)"
    assert not df.loc["Đỗ Mai Dung", "du_dieu_kien"]
    assert "Bị kỷ luật trong 2 năm gần nhất: Khiển trách" in df.loc["Đỗ Mai Dung", "ly_do"]
    assert df.loc["Vũ Thu Hà", "ly_do"] == "Đã nhận Kỷ niệm chương (năm học 2021-2022)"
    assert df.loc["Hoàng Khoa", "ly_do"] == "Chưa có ngày vào ngành"
    # Three years on, the reprimand no longer blocks her.
    assert el.medal_list(con, "2025-2026").set_index("ho_ten").loc["Đỗ Mai Dung", "du_dieu_kien"]
