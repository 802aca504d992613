"""The demo database: plan 13/KH-MNAS with every schedule row, people and demo accounts."""

from datetime import date

import pytest

from lib import demo
from lib.access import users
from lib.core.errors import Invalid
from lib.plans import plans

SEED_PERIODS = [
    "Tháng 03/2024", "Tháng 03/2024", "Tháng 03/2024", "Tháng 03/2024", "Tháng 03/2024",
    "Tháng 5/2024", "Tháng 5/2024", "Trước tháng 6/2024", "Tháng 10/ 2024", "Tháng 11/ 2024",
]  # fmt: skip


def test_demo_plan_has_every_schedule_row_with_its_month(demo_con):
    plan = plans.list_plans(demo_con).iloc[0]
    assert plan["code"] == "13/KH-MNAS"
    assert plan["issued_on"].date() == date(2024, 3, 27) if hasattr(plan["issued_on"], "date") \
        else plan["issued_on"] == date(2024, 3, 27)  # fmt: skip
    df = plans.tasks(demo_con, int(plan["id"]), today=date(2024, 4, 1))
    assert list(df["period_label"]) == SEED_PERIODS
    due = [d.strftime("%d/%m/%Y") for d in df["due_date"]]
    assert due[:5] == ["31/03/2024"] * 5
    assert due[5:] == ["31/05/2024", "31/05/2024", "31/05/2024", "31/10/2024", "30/11/2024"]
    assert df.loc[0, "content"] == "Xây dựng kế hoạch công tác thi đua, khen thưởng năm 2024"


def test_demo_has_done_and_open_tasks(demo_con):
    s = plans.summary(demo_con, today=date(2024, 10, 15))
    assert (s.total, s.done, s.overdue) == (10, 8, 0)
    assert list(s.upcoming["period_label"]) == ["Tháng 10/ 2024"]
    later = plans.summary(demo_con, today=date(2024, 12, 1))
    assert later.overdue == 2


def test_demo_accounts_log_in_with_the_documented_password(demo_con):
    creds = users.credentials(demo_con)["usernames"]
    assert set(creds) == {"chutich", "giamkhao1", "giamkhao2", "giaovien"}
    assert users.verify_password(demo.DEMO_PASSWORD, creds["chutich"]["password"])
    assert users.get_user(demo_con, "chutich").roles == {"admin", "examiner"}
    assert users.get_user(demo_con, "giaovien").roles == {"staff"}


def test_demo_accounts_are_listed_only_while_they_keep_the_demo_password(demo_con):
    assert [a[0] for a in demo.demo_accounts(demo_con)] == [
        "chutich", "giamkhao1", "giamkhao2", "giaovien"
    ]  # fmt: skip
    users.set_password(demo_con, "chutich", "mat-khau-that", "chutich")
    assert "chutich" not in [a[0] for a in demo.demo_accounts(demo_con)]


def test_demo_is_never_loaded_over_data(demo_con):
    with pytest.raises(Invalid):
        demo.load_demo(demo_con)
    assert not demo.should_autoload(demo_con)


def test_demo_that_fails_half_way_leaves_the_database_empty(con, monkeypatch):
    from lib import demo_scoring

    def broken_round(con):
        raise RuntimeError("the demo round file is damaged")

    monkeypatch.setattr(demo_scoring, "load_demo_round", broken_round)
    with pytest.raises(RuntimeError):
        demo.load_demo(con)
    assert demo.is_empty(con)
    assert demo.should_autoload(con)  # the next start tries again


def test_empty_database_made_on_purpose_is_not_filled(con):
    assert demo.should_autoload(con)
    from lib.core.db import set_setting

    set_setting(con, "no_demo", "1")
    assert not demo.should_autoload(con)
