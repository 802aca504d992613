"""Editing plans and tasks: status and overdue derivation, checks, conflicts, reorder, copy."""

from datetime import date

import pytest

from lib.access import permissions as p
from lib.core import audit, db
from lib.core.errors import Invalid
from lib.plans import editing, plans

ADMIN = p.User("chutich", "Nguyễn Thị Quyên", frozenset({"admin", "examiner"}), 1)
OTHER_ADMIN = p.User("thuky", "Thư ký", frozenset({"admin"}), 5)
EXAMINER = p.User("giamkhao1", "Lê Thu Hà", frozenset({"examiner"}), 2)
STAFF = p.User("giaovien", "Đỗ Thị Lan", frozenset({"staff"}), 4)
TODAY = date(2024, 10, 15)


@pytest.fixture
def plan_id(demo_con):
    return int(plans.list_plans(demo_con).iloc[0]["id"])


def rows(con, plan_id):
    return plans.tasks(con, plan_id, TODAY)


@pytest.mark.parametrize(
    "status, due, label",
    [
        ("todo", date(2024, 10, 14), "Quá hạn"),
        ("doing", date(2024, 10, 14), "Quá hạn"),
        ("todo", date(2024, 10, 15), "Chưa bắt đầu"),  # due today is not late yet
        ("doing", None, "Đang thực hiện"),
        ("done", date(2024, 1, 1), "Hoàn thành"),
        ("cancelled", date(2024, 1, 1), "Hủy"),
    ],
)
def test_status_label_derives_overdue(demo_con, plan_id, status, due, label):
    task_id = int(rows(demo_con, plan_id).iloc[0]["id"])
    demo_con.execute(
        "UPDATE tasks SET status = ?, due_date = ? WHERE id = ?", [status, due, task_id]
    )
    task = rows(demo_con, plan_id).set_index("id").loc[task_id]
    assert task["status_label"] == label
    assert bool(task["overdue"]) == (label == "Quá hạn")


def test_tasks_carry_the_same_derivation(demo_con, plan_id):
    df = plans.tasks(demo_con, plan_id, date(2024, 12, 1))
    assert list(df["status_label"])[-2:] == ["Quá hạn", "Quá hạn"]
    assert df["overdue"].sum() == 2
    assert all(isinstance(d, date) for d in df["due_date"])


def task(content="Họp sơ kết học kỳ I", label="Tháng 12/2024", **kw):
    return plans.TaskIn(period_label=label, content=content, unit="HĐTĐKT", **kw)


def test_add_task_derives_dates_and_goes_last(demo_con, plan_id):
    tid = editing.add_task(demo_con, plan_id, task(), ADMIN)
    df = rows(demo_con, plan_id)
    new = df[df["id"] == tid].iloc[0]
    assert (new["start_date"], new["due_date"]) == (date(2024, 12, 1), date(2024, 12, 31))
    assert new["position"] == 11 and new["updated_by"] == "chutich"


def test_unreadable_label_keeps_its_text_gets_no_date_and_is_listed(demo_con, plan_id):
    tid = editing.add_task(demo_con, plan_id, task(label="Khi có công văn của Quận"), ADMIN)
    late = plans.needs_dates(rows(demo_con, plan_id))
    assert list(late["id"]) == [tid]
    assert late.iloc[0]["period_label"] == "Khi có công văn của Quận"
    assert late.iloc[0]["start_date"] is None


@pytest.mark.parametrize(
    "bad, field",
    [
        (task(content="   "), "content"),
        (task(content="xây dựng kế hoạch công tác thi đua, khen thưởng năm 2024"), "content"),
        (task(start_date=date(2024, 12, 10), due_date=date(2024, 12, 1)), "due_date"),
        (task(status="late"), "status"),
    ],
)
def test_bad_task_is_refused_and_nothing_is_saved(demo_con, plan_id, bad, field):
    with pytest.raises(Invalid) as exc:
        editing.add_task(demo_con, plan_id, bad, ADMIN)
    assert field in exc.value.errors
    assert len(rows(demo_con, plan_id)) == 10


def test_duplicate_message_names_the_row(demo_con, plan_id):
    with pytest.raises(Invalid, match="dòng 1"):
        editing.add_task(demo_con, plan_id, task(content="Xây dựng kế hoạch công tác thi đua, "
                                                       "khen thưởng năm 2024"), ADMIN)  # fmt: skip


@pytest.mark.parametrize("user", [None, STAFF, EXAMINER])
def test_only_admins_change_anything(demo_con, plan_id, user):
    first = rows(demo_con, plan_id).iloc[-1]
    edited = task(content=first["content"], label=first["period_label"], status="done")
    attempts = [
        lambda: editing.add_task(demo_con, plan_id, task(), user),
        lambda: editing.update_task(demo_con, int(first["id"]), edited, 1, user),
        lambda: editing.move_task(demo_con, int(first["id"]), -1, user),
        lambda: editing.delete_task(demo_con, int(first["id"]), 1, user),
        lambda: editing.copy_plan(demo_con, plan_id, "1/KH-MNAS", user),
    ]
    for attempt in attempts:
        with pytest.raises(Invalid, match="Chỉ quản trị viên"):
            attempt()
    assert rows(demo_con, plan_id).equals(rows(demo_con, plan_id))
    assert list(rows(demo_con, plan_id)["status"]).count("done") == 8
    assert len(plans.list_plans(demo_con)) == 1


def edit_of(row, **changes):
    fields = {
        "period_label": row["period_label"], "content": row["content"], "unit": row["unit"],
        "leader": row["leader"], "note": row["note"], "status": row["status"],
        "start_date": row["start_date"], "due_date": row["due_date"], "done_on": row["done_on"],
        "evidence": row["evidence"],
    }  # fmt: skip
    fields.update(changes)
    return plans.TaskIn(**fields)


def test_marking_done_stamps_the_day_and_who(demo_con, plan_id):
    row = rows(demo_con, plan_id).iloc[-1]
    version = editing.update_task(
        demo_con, int(row["id"]), edit_of(row, status="done", evidence="https://a.vn/bb"),
        int(row["version"]), ADMIN, today=TODAY,
    )  # fmt: skip
    after = editing.get_task(demo_con, int(row["id"]))
    assert version == after["version"] == 2
    assert (after["status"], after["done_on"], after["updated_by"]) == ("done", TODAY, "chutich")
    assert after["evidence"] == "https://a.vn/bb"
    assert plans.summary(demo_con, plan_id, TODAY).done == 9
    assert audit.latest(demo_con, "task").iloc[0]["action"] == "update"


def test_reopening_clears_the_done_date(demo_con, plan_id):
    row = rows(demo_con, plan_id).iloc[0]
    editing.update_task(demo_con, int(row["id"]), edit_of(row, status="doing", done_on=None),
                      1, ADMIN)  # fmt: skip
    assert editing.get_task(demo_con, int(row["id"]))["done_on"] is None


def test_changed_label_moves_the_dates_unless_they_were_edited(demo_con, plan_id):
    row = rows(demo_con, plan_id).iloc[-1]
    editing.update_task(demo_con, int(row["id"]), edit_of(row, period_label="Quý I/2025"), 1, ADMIN)
    moved = editing.get_task(demo_con, int(row["id"]))
    assert (moved["start_date"], moved["due_date"]) == (date(2025, 1, 1), date(2025, 3, 31))
    own = edit_of(rows(demo_con, plan_id).iloc[-1], period_label="Tháng 4/2025",
                  due_date=date(2025, 4, 20))  # fmt: skip
    editing.update_task(demo_con, int(row["id"]), own, 2, ADMIN)
    kept = editing.get_task(demo_con, int(row["id"]))
    assert (kept["start_date"], kept["due_date"]) == (date(2025, 4, 1), date(2025, 4, 20))


def test_edit_of_a_task_changed_meanwhile_is_refused_with_who_and_nothing_lost(demo_con, plan_id):
    row = rows(demo_con, plan_id).iloc[-1]
    editing.update_task(demo_con, int(row["id"]), edit_of(row, note="Thư ký ghi"), 1, OTHER_ADMIN)
    with pytest.raises(Invalid, match="thuky sửa lúc") as exc:
        editing.update_task(demo_con, int(row["id"]), edit_of(row, status="done"), 1, ADMIN)
    assert "conflict" in exc.value.errors
    now = editing.get_task(demo_con, int(row["id"]))
    assert (now["note"], now["status"], now["version"]) == ("Thư ký ghi", "todo", 2)


def test_delete_needs_the_seen_version_and_removes_only_that_task(demo_con, plan_id):
    row = rows(demo_con, plan_id).iloc[2]
    with pytest.raises(Invalid, match="chưa bị xóa"):
        editing.delete_task(demo_con, int(row["id"]), 7, ADMIN)
    editing.delete_task(demo_con, int(row["id"]), 1, ADMIN)
    left = rows(demo_con, plan_id)
    assert len(left) == 9 and int(row["id"]) not in set(left["id"])
    with pytest.raises(Invalid, match="vừa bị người khác xóa"):
        editing.update_task(demo_con, int(row["id"]), edit_of(row), 1, ADMIN)


def test_reorder_moves_a_task_and_keeps_positions_dense(demo_con, plan_id):
    ids = list(rows(demo_con, plan_id)["id"])
    editing.delete_task(demo_con, ids[1], 1, ADMIN)
    editing.move_task(demo_con, ids[3], -1, ADMIN)
    df = rows(demo_con, plan_id)
    assert list(df["id"]) == [ids[0], ids[3], ids[2], *ids[4:]]
    assert list(df["position"]) == list(range(1, 10))
    editing.move_task(demo_con, ids[0], -1, ADMIN)  # already first: nothing moves
    assert list(rows(demo_con, plan_id)["id"])[0] == ids[0]


def test_copy_plan_to_next_year(demo_con, plan_id):
    new_id = editing.copy_plan(demo_con, plan_id, "5/KH-MNAS", ADMIN)
    new = plans.get_plan(demo_con, new_id)
    assert (new["code"], new["year"], new["school_year"]) == ("5/KH-MNAS", 2025, "2024-2025")
    assert new["title"] == "Kế hoạch công tác thi đua, khen thưởng năm 2025"
    old, copied = rows(demo_con, plan_id), rows(demo_con, new_id)
    assert list(copied["content"]) == list(old["content"])
    assert list(copied["period_label"])[:1] == ["Tháng 03/2025"]
    assert copied.iloc[-1]["due_date"] == date(2025, 11, 30)
    assert set(copied["status"]) == {"todo"} and set(copied["done_on"]) == {None}
    assert list(old["status"]).count("done") == 8  # the original is untouched


def test_copy_refuses_a_code_in_use(demo_con, plan_id):
    with pytest.raises(Invalid, match="Đã có kế hoạch số 13/KH-MNAS"):
        editing.copy_plan(demo_con, plan_id, "13/KH-MNAS", ADMIN)
    assert len(plans.list_plans(demo_con)) == 1


def test_new_and_updated_plan(demo_con):
    pid = editing.new_plan(demo_con, plans.PlanIn(code="2/KH", title="Kế hoạch SKKN",
                                                school_year="2024-2025"), ADMIN)  # fmt: skip
    editing.update_plan(demo_con, pid, plans.PlanIn(code="2/KH-MNAS", title="Kế hoạch SKKN",
                                                  year=2025), ADMIN)  # fmt: skip
    assert plans.get_plan(demo_con, pid)["code"] == "2/KH-MNAS"
    with pytest.raises(Invalid) as exc:
        editing.update_plan(
            demo_con, pid, plans.PlanIn(code="13/KH-MNAS", title="", year=99), ADMIN
        )
    assert set(exc.value.errors) == {"code", "title", "year"}


def test_body_markdown_keeps_sections_and_bullets_and_escapes_markup():
    md = editing.body_markdown("I. MỤC ĐÍCH\n1. Mục đích\n- Phát động *thi đua*\n+ Tham gia $5")
    assert "##### I. MỤC ĐÍCH" in md
    assert "**1\\. Mục đích**" in md
    assert "- Phát động \\*thi đua\\*" in md and "- Tham gia \\$5" in md


def test_a_plan_inserted_with_evidence_keeps_it(demo_con):
    task = plans.TaskIn("Tháng 5/2025", "Nộp hồ sơ", evidence="https://truong.edu.vn/hs")
    plan = plans.PlanIn(code="1/KH-MC", title="Có minh chứng", year=2025)
    with db.transaction(demo_con):
        new_id = plans.insert_plan(demo_con, plan, [task], "chutich")
    assert plans.tasks(demo_con, new_id)["evidence"].tolist() == ["https://truong.edu.vn/hs"]
