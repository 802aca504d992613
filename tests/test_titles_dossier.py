"""Hồ sơ thi đua: each year's titles and SKKN recognitions; staff see only their own."""

from __future__ import annotations

import pytest

from lib.access.permissions import can_view_dossier
from lib.documents import recognition
from lib.titles import dossier as D
from tests.test_titles_documents import _setup
from tests.titles_helpers import YEAR, published_round, user


def test_a_dossier_has_the_years_titles_and_recognized_skkn(con):
    ids = _setup(con)
    binh = ids["Lê Thị Bình"]
    authors = [(binh, "Lê Thị Bình", 60), (ids["Phạm Thu Cúc"], "Phạm Thu Cúc", 40)]
    rid = published_round(con, [(authors, "B")])
    recognition.record_recognitions(con, rid, "test")
    record = D.dossier(con, binh)
    assert record.titles.values.tolist() == [
        [YEAR, "Lao động tiên tiến (LĐTT)", "Đạt", "4/5 đồng ý (80%)"]
    ]
    assert record.skkn[["Năm học", "Tỉ lệ", "Xếp loại"]].values.tolist() == [[YEAR, "60%", "B"]]
    cuc = D.dossier(con, ids["Phạm Thu Cúc"])
    assert cuc.titles["Kết quả"].tolist() == ["Không đạt"]
    assert cuc.skkn["Tỉ lệ"].tolist() == ["40%"]
    assert D.dossier(con, ids["Vũ Thu Hà"]).titles.empty
    assert D.dossier(con, binh).medal == ""


def test_staff_see_only_their_own_dossier_admins_everyone(con):
    ids = _setup(con)
    staff, admin = user(con, "an"), user(con, "chutich")
    assert can_view_dossier(staff, ids["Trần Văn An"])
    assert not can_view_dossier(staff, ids["Lê Thị Bình"])
    assert can_view_dossier(admin, ids["Lê Thị Bình"])
    assert not can_view_dossier(None)


@pytest.mark.parametrize("username", ["chutich", "giamkhao1", "giaovien"])
def test_dossier_page_as_each_role(tmp_path, monkeypatch, username):
    from tests.apptest import app, login, open_page, texts

    at = app(tmp_path / "app.duckdb", monkeypatch)
    login(at, username)
    open_page(at, "pages/ho-so-thi-dua.py")
    assert not at.exception
    assert at.title[0].value == "Hồ sơ thi đua"
    shown = texts(at)
    assert "Sáng kiến kinh nghiệm được công nhận" in shown
    pickers = [s for s in at.selectbox if s.key == "hstd_nguoi"]
    if username == "chutich":
        assert len(pickers) == 1 and len(pickers[0].options) > 5
    else:
        assert not pickers  # only their own record, no way to ask for another's


def test_collective_titles_are_in_the_members_dossier_and_the_tos_own(con):
    from lib.titles import ballots as B
    from lib.titles import registrations as reg

    ids = _setup(con)
    admin = user(con, "chutich")
    reg.save_group_registration(con, admin, YEAR, "Tổ A", "TTLDTT")
    # Tổ A: An (no evaluation), Bình, Cúc, Dung: 3 of 4 LĐTT-eligible is over 50 %.
    B.save_paper_tally(con, admin, YEAR, "g:Tổ A", "TTLDTT", "4", "1", "5")
    expected = [[YEAR, "Tổ A", "Tập thể lao động tiên tiến (TTLĐTT)", "Đạt", "4/5 đồng ý (80%)"]]
    assert D.group_titles(con, "Tổ A").values.tolist() == expected
    assert D.dossier(con, ids["Lê Thị Bình"]).groups.values.tolist() == expected
    assert D.dossier(con, ids["Vũ Thu Hà"]).groups.empty  # Tổ B was not voted on
    assert "Tổ A" in D.group_choices(con) and "Tổ B" in D.group_choices(con)


def test_admin_opens_a_tos_record_on_the_dossier_page(tmp_path, monkeypatch):
    from tests.apptest import app, login, open_page, texts

    at = app(tmp_path / "app.duckdb", monkeypatch)
    login(at, "chutich")
    open_page(at, "pages/ho-so-thi-dua.py")
    assert "Danh hiệu tập thể của tổ" in texts(at)
    at.radio(key="hstd_loai").set_value("Tập thể (tổ)").run()
    assert not at.exception
    at.selectbox(key="hstd_to").set_value("Tổ Mẫu giáo lớn").run()
    assert "Tổ này chưa có danh hiệu tập thể nào được biểu quyết." in texts(at)  # vote still open
