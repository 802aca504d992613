"""Tiến độ counted in SQL: the same numbers as the task rows, filters, capped lists, the CSV."""

import io
from datetime import date, timedelta

import pandas as pd
import pytest

from lib.access import permissions as p
from lib.plans import charts, editing, plans, reports

TODAY = date(2024, 10, 15)
ADMIN = p.User("chutich", "Nguyễn Thị Quyên", frozenset({"admin"}), 1)
UNITS = ["HĐTĐKT, HĐSKKN", "Tổ Mẫu giáo lớn", "HĐSKKN và Công đoàn", ""]
LEADERS = ["Đ/c Quyên", "Đ/c Dương", "Đ/c Ánh", ""]
STATUS = ["todo", "doing", "done", "cancelled", "todo"]


def make_tasks(n: int, first_due: date) -> list[plans.TaskIn]:
    tasks = []
    for i in range(n):
        due = None if i == 3 else first_due + timedelta(days=9 * i)
        status = STATUS[i % 5]
        tasks.append(plans.TaskIn(
            period_label="" if due is None else f"Tháng {due.month}/{due.year}",
            content=f"Việc {i + 1}: =SUM(A1) tổ chức" if i == 0 else f"Việc {i + 1}",
            unit=UNITS[i % 4], leader=LEADERS[i % 3 if i % 7 else 3], status=status,
            done_on=due if status == "done" else None, start_date=None, due_date=due,
        ))  # fmt: skip
    return tasks


@pytest.fixture
def con(con):
    plans.create_plan(con, plans.PlanIn("01/KH", "Năm 2024", year=2024),
                      make_tasks(30, date(2024, 8, 1)), "test")  # fmt: skip
    plans.create_plan(con, plans.PlanIn("02/KH", "Năm 2023", year=2023),
                      make_tasks(12, date(2023, 9, 1)), "test")  # fmt: skip
    plans.create_plan(con, plans.PlanIn("03/KH", "Chưa có việc", year=2025), [], "test")
    return con


def expected(df: pd.DataFrame, f: plans.TaskFilter) -> pd.DataFrame:
    """The filters applied to the task rows one by one, as the page did before SQL did it."""
    keep = pd.Series(True, index=df.index)
    if f.plan_ids:
        keep &= df["plan_id"].isin(f.plan_ids)
    if f.years:
        keep &= df["plan_year"].isin(f.years)
    if f.units:
        keep &= df["unit"].map(lambda u: bool(set(f.units) & set(plans.split_units(u))))
    if f.leaders:
        keep &= df["leader"].isin(f.leaders)
    if f.statuses:
        keep &= df["status_label"].isin(f.statuses)
    return df[keep]


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    def tidy(frame):
        frame = frame.rename(columns={"size": "n"})
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    return tidy(a).astype(str).equals(tidy(b).astype(str))


FILTERS = [
    plans.TaskFilter(),
    plans.TaskFilter(statuses=("Quá hạn",)),
    plans.TaskFilter(statuses=("Hoàn thành", "Hủy")),
    plans.TaskFilter(units=("HĐSKKN",)),
    plans.TaskFilter(units=("(chưa ghi)",)),
    plans.TaskFilter(units=("Công đoàn",), leaders=("Đ/c Ánh",)),
    plans.TaskFilter(years=(2023,)),
    plans.TaskFilter(plan_ids=(1,), statuses=("Chưa bắt đầu", "Quá hạn")),
    plans.TaskFilter(leaders=("Không ai",)),
]


@pytest.mark.parametrize("wanted", FILTERS)
def test_counts_in_sql_match_the_task_rows(con, wanted):
    rows = expected(plans.tasks(con, None, TODAY), wanted)
    s = plans.progress(con, wanted, TODAY)
    reference = plans.summarize(rows, TODAY)
    assert (s.total, s.done, s.overdue, s.cancelled, s.upcoming) == (
        reference.total, reference.done, reference.overdue, reference.cancelled,
        len(reference.upcoming),
    )  # fmt: skip
    assert s.all_tasks == 42 and s.percent_done == reference.percent_done
    dated = rows[rows["due_date"].notna()]
    assert s.dated == len(dated) and s.span == charts._span(dated)
    assert same(s.by_month, charts.month_counts(rows))
    for by in ("plan_code", "unit", "leader"):
        assert same(s.by_group[by], charts.group_counts(rows, by)), by


def test_filters_follow_status_labels_units_and_leaders(con):
    late = plans.task_list(con, plans.TaskFilter(statuses=("Quá hạn",)), TODAY)
    assert len(late) and set(late["status_label"]) == {"Quá hạn"}
    # "HĐTĐKT, HĐSKKN" and "HĐSKKN và Công đoàn" both carry HĐSKKN.
    units = plans.task_list(con, plans.TaskFilter(units=("HĐSKKN",)), TODAY)
    assert set(units["unit"]) == {"HĐTĐKT, HĐSKKN", "HĐSKKN và Công đoàn"}
    assert len(plans.task_list(con, plans.TaskFilter(), TODAY)) == 42


def test_lists_come_earliest_due_first_and_stop_at_the_limit(con):
    everything = plans.TaskFilter()
    late = plans.task_list(con, everything, TODAY, "late")
    first = plans.task_list(con, everything, TODAY, "late", limit=3)
    assert len(late) == plans.progress(con, everything, TODAY).overdue > 3
    assert list(first["id"]) == list(late["id"])[:3]
    assert list(late["due_date"]) == sorted(late["due_date"])
    soon = plans.task_list(con, everything, TODAY, "soon")
    assert all(TODAY <= d <= TODAY + timedelta(days=30) for d in soon["due_date"])
    assert set(soon["status"]) <= {"todo", "doing"}


def test_nearest_tasks_are_those_due_closest_to_today_in_schedule_order(con):
    near = plans.nearest_tasks(con, plans.TaskFilter(), TODAY, 5)
    dated = plans.tasks(con, None, TODAY).dropna(subset=["due_date"])
    distance = sorted(abs((d - TODAY).days) for d in dated["due_date"])
    assert sorted(abs((d - TODAY).days) for d in near["due_date"]) == distance[:5]
    assert list(near["id"]) == sorted(near["id"])  # plan, then position: ids here
    chart = charts.timeline(near, TODAY, of=40)
    assert "5 trong 40 việc có hạn gần hôm nay nhất" in chart["title"]["subtitle"]


def test_a_saved_change_counts_at_once(con):
    wanted = plans.TaskFilter(plan_ids=(1,))
    before = plans.progress(con, wanted, TODAY)
    row = plans.task_list(con, wanted, TODAY, "late").iloc[0]
    edit = plans.TaskIn(period_label=row["period_label"], content=row["content"],
                        unit=row["unit"], leader=row["leader"], status="done",
                        due_date=row["due_date"])  # fmt: skip
    editing.update_task(con, int(row["id"]), edit, int(row["version"]), ADMIN, TODAY)
    after = plans.progress(con, wanted, TODAY)
    assert (after.done, after.overdue) == (before.done + 1, before.overdue - 1)


def test_filter_choices_offer_what_the_tasks_have(con):
    choices = plans.filter_choices(con)
    assert choices.plans == {1: "01/KH", 2: "02/KH"}  # 03/KH has no task yet
    assert choices.years == [2024, 2023]
    assert choices.units == ["Công đoàn", "HĐSKKN", "HĐTĐKT", "Tổ Mẫu giáo lớn", "(chưa ghi)"]
    assert choices.leaders == ["Đ/c Ánh", "Đ/c Dương", "Đ/c Quyên"]


def test_whole_list_downloads_as_csv_for_excel(con):
    rows = plans.task_list(con, plans.TaskFilter(plan_ids=(1,)), TODAY)
    data = reports.tasks_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == 30
    assert list(table.columns[:6]) == ["Kế hoạch", "STT", "Thời gian", "Bắt đầu",
                                       "Hạn hoàn thành", "Nội dung công việc"]  # fmt: skip
    assert table.loc[0, "Nội dung công việc"] == "Việc 1: =SUM(A1) tổ chức"
    assert table.loc[0, "Hạn hoàn thành"] == "01/08/2024"
    assert table.loc[3, "Hạn hoàn thành"] == ""
    assert table.loc[0, "Trạng thái"] == "Quá hạn"
    formula = plans.task_list(con, plans.TaskFilter(), TODAY).assign(note="=1+1")
    assert "'=1+1" in reports.tasks_csv(formula).decode("utf-8-sig")
