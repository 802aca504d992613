"""Đăng ký thi đua: own registration while open, admins on anyone's behalf, SKKN to a round."""

import pytest

from lib.core.errors import Invalid
from lib.scoring import entries, rounds
from lib.titles import registrations as reg
from tests.titles_helpers import YEAR, published_round, school, user


@pytest.fixture
def ids(con):
    return school(con)


def test_staff_registers_themselves_and_nobody_else(con, ids):
    an = user(con, "an")
    saved = reg.save_registration(con, an, YEAR, an.person_id, "CSTDCS", "Dạy trẻ kể chuyện",
                                  "Mẫu giáo")  # fmt: skip
    assert (saved.title, saved.skkn_title, saved.skkn_field) == (
        "CSTDCS", "Dạy trẻ kể chuyện", "Mẫu giáo")  # fmt: skip
    with pytest.raises(Invalid, match="chỉ đăng ký thi đua được cho chính mình"):
        reg.save_registration(con, an, YEAR, ids["Lê Thị Bình"], "LDTT")
    assert reg.get_registration(con, YEAR, ids["Lê Thị Bình"]) is None


def test_closed_registration_refuses_staff_but_not_admins(con, ids):
    admin, an = user(con, "chutich"), user(con, "an")
    with pytest.raises(Invalid, match="Chỉ Chủ tịch"):
        reg.set_registration_open(con, an, YEAR, False)
    reg.set_registration_open(con, admin, YEAR, False)
    assert not reg.registration_open(con, YEAR)
    with pytest.raises(Invalid, match="Đã hết hạn đăng ký"):
        reg.save_registration(con, an, YEAR, an.person_id, "LDTT")
    with pytest.raises(Invalid, match="Đã hết hạn đăng ký"):
        reg.withdraw_registration(con, an, YEAR, an.person_id)
    reg.save_registration(con, admin, YEAR, an.person_id, "LDTT")  # on An's behalf
    assert reg.get_registration(con, YEAR, an.person_id).title == "LDTT"
    assert reg.registration_open(con, "2024-2025")  # another year is still open


def test_admin_sees_who_has_not_registered(con, ids):
    admin = user(con, "chutich")
    for name in ("Lê Thị Bình", "Phạm Thu Cúc"):
        reg.save_registration(con, admin, YEAR, ids[name], "LDTT")
    missing = reg.unregistered(con, YEAR)["full_name"].tolist()
    assert "Lê Thị Bình" not in missing and "Phạm Thu Cúc" not in missing
    assert {"Trần Văn An", "Đỗ Mai Dung", "Vũ Thu Hà", "Hoàng Khoa"} <= set(missing)


def test_bad_registration_lists_every_problem(con, ids):
    an = user(con, "an")
    with pytest.raises(Invalid) as refused:
        reg.save_registration(con, an, YEAR, an.person_id, "TTLDTT", "", "Mẫu giáo")
    assert set(refused.value.errors) == {"title", "skkn_title"}


def test_collective_registration_is_for_admins_and_known_groups(con, ids):
    admin, an = user(con, "chutich"), user(con, "an")
    with pytest.raises(Invalid, match="Chỉ Chủ tịch"):
        reg.save_group_registration(con, an, YEAR, "Tổ A", "TTLDTT")
    with pytest.raises(Invalid, match="Không có tổ"):
        reg.save_group_registration(con, admin, YEAR, "Tổ Z", "TTLDTT")
    reg.save_group_registration(con, admin, YEAR, "Tổ A", "TTLDXS")
    assert reg.group_registrations(con, YEAR) == {"Tổ A": "TTLDXS"}
    reg.save_group_registration(con, admin, YEAR, "Tổ A", None)
    assert reg.group_registrations(con, YEAR) == {}


def test_registered_skkn_becomes_an_entry_without_retyping(con, ids):
    admin, an = user(con, "chutich"), user(con, "an")
    reg.save_registration(con, an, YEAR, an.person_id, "CSTDCS", "Dạy trẻ kể chuyện", "Mẫu giáo")
    rid = rounds.create_round(con, "chutich", "Đợt 2023-2024", rounds.load_rubric_file(
        rounds.TEMPLATE_DIR / "mau-20-diem.yaml"), school_year=YEAR)  # fmt: skip
    assert reg.pending_entries(con, YEAR)["full_name"].tolist() == ["Trần Văn An"]
    with pytest.raises(Invalid, match="Chỉ Chủ tịch"):
        reg.make_entry(con, an, YEAR, an.person_id, rid)
    entry_id = reg.make_entry(con, admin, YEAR, an.person_id, rid)
    entry = entries.require_entry(con, entry_id)
    assert (entry.title, entry.field, entry.group_name) == ("Dạy trẻ kể chuyện", "Mẫu giáo", "Tổ A")
    assert [(a.person_id, a.share) for a in entry.authors] == [(an.person_id, 100)]
    assert reg.pending_entries(con, YEAR).empty
    with pytest.raises(Invalid, match="đã có trong đợt chấm"):
        reg.make_entry(con, admin, YEAR, an.person_id, rid)
    with pytest.raises(Invalid, match="đã được đưa vào đợt chấm"):
        reg.save_registration(con, an, YEAR, an.person_id, "CSTDCS", "Tên khác")


def test_entry_goes_only_to_a_round_of_the_same_year(con, ids):
    admin = user(con, "chutich")
    reg.save_registration(con, admin, YEAR, ids["Lê Thị Bình"], "CSTDCS", "Đề tài", "Nhà trẻ")
    other = published_round(con, [], year="2024-2025", publish=False)
    with pytest.raises(Invalid, match="không thuộc năm học 2023-2024"):
        reg.make_entry(con, admin, YEAR, ids["Lê Thị Bình"], other)
    with pytest.raises(Invalid, match="chưa đăng ký SKKN"):
        reg.make_entry(con, admin, YEAR, ids["Vũ Thu Hà"], other)
