"""Every edit of a row that has children (plan with tasks, round with entries, entry with sheets,
sheet with scores, account with sheets) saves: DuckDB refuses an update touching a UNIQUE
column of a referenced row, so such columns are kept unique in lib instead."""

import pytest

from lib.access import users
from lib.plans import editing, plans
from lib.scoring import assignment, council, entries, rounds, sheets, states
from tests.apptest import app, login, open_page, open_tab, texts
from tests.scoring_helpers import add_entry, full_marks, make_round, rubric20, user


@pytest.fixture
def scored(demo_con):
    """A round with one entry scored (submitted) by giamkhao1 and drafted by giamkhao2."""
    rid = make_round(demo_con, deadline=None)
    eid = add_entry(demo_con, rid)
    assignment.assign(demo_con, eid, "giamkhao1", "chutich")
    assignment.assign(demo_con, eid, "giamkhao2", "chutich")
    states.open_round(demo_con, rid, "chutich")
    sheets.submit_sheet(demo_con, user(demo_con, "giamkhao1"), eid, full_marks(rubric20()))
    sheets.save_draft(demo_con, user(demo_con, "giamkhao2"), eid, {"I.1": "0,5"})
    return demo_con, rid, eid


def demo_plan(con) -> int:
    plan_id = con.execute("SELECT id FROM plans WHERE code = '13/KH-MNAS'").fetchone()[0]
    assert con.execute("SELECT count(*) FROM tasks WHERE plan_id = ?", [plan_id]).fetchone()[0]
    return plan_id


def test_the_demo_plan_saves_unchanged_and_with_every_field_changed(demo_con):
    admin = user(demo_con, "chutich")
    plan_id = demo_plan(demo_con)
    same = editing._plan_in(plans.get_plan(demo_con, plan_id))
    editing.update_plan(demo_con, plan_id, same, admin)
    changed = same.__class__(**{**same.__dict__, "code": "14/KH-MNAS", "title": "Kế hoạch mới"})
    editing.update_plan(demo_con, plan_id, changed, admin)
    assert plans.get_plan(demo_con, plan_id)["code"] == "14/KH-MNAS"
    tasks = demo_con.execute("SELECT count(*) FROM tasks WHERE plan_id = ?", [plan_id]).fetchone()
    assert tasks[0] > 0


def test_a_plan_number_stays_unique_without_the_constraint(demo_con):
    admin = user(demo_con, "chutich")
    plan_id = demo_plan(demo_con)
    copy = editing.copy_plan(demo_con, plan_id, "99/KH-MNAS", admin)
    taken = editing._plan_in(plans.get_plan(demo_con, copy))
    with pytest.raises(Exception, match="Đã có kế hoạch số 13/KH-MNAS"):
        editing.update_plan(
            demo_con, copy, taken.__class__(**{**taken.__dict__, "code": "13/KH-MNAS"}), admin
        )


def test_tasks_of_the_demo_plan_edit_move_and_delete(demo_con):
    admin = user(demo_con, "chutich")
    plan_id = demo_plan(demo_con)
    task_id = int(plans.tasks(demo_con, plan_id).iloc[1]["id"])
    row = editing.get_task(demo_con, task_id)
    task = plans.TaskIn(**{k: row[k] for k in plans.TaskIn.__dataclass_fields__ if k in row})
    editing.update_task(demo_con, task_id, task, row["version"], admin)
    editing.move_task(demo_con, task_id, -1, admin)
    editing.delete_task(demo_con, task_id, editing.get_task(demo_con, task_id)["version"], admin)
    assert editing.get_task(demo_con, task_id) is None


def test_a_round_with_scored_entries_edits(scored):
    con, rid, eid = scored
    r = rounds.require_round(con, rid)
    rounds.update_round(con, rid, "chutich", name="Đợt đổi tên", level=r.level,
                        school_year=r.school_year, examiners_per_entry=3, max_gap=r.max_gap,
                        blind=True)  # fmt: skip
    council.set_council_member(con, rid, "giamkhao1", "chutich", duty="Thư ký", fields="Mẫu giáo")
    states.close_round(con, rid, "chutich")
    states.reopen_scoring(con, rid, "chutich", "cần GK3")
    assert rounds.require_round(con, rid).name == "Đợt đổi tên"


def test_an_entry_with_sheets_edits_gets_a_document_and_is_withdrawn(scored):
    con, _, eid = scored
    e = entries.require_entry(con, eid)
    authors = [{"name": a.name, "share": a.share} for a in e.authors]
    entries.update_entry(con, eid, "chutich", title="Tên mới", code="MOI-01", authors=authors)
    entries.set_document(con, eid, "chutich", b"%PDF-1.4\n%%EOF\n", "skkn.pdf")
    entries.withdraw_entry(con, eid, "chutich", "tác giả rút")
    entries.withdraw_entry(con, eid, "chutich", withdrawn=False)
    assert entries.require_entry(con, eid).code == "MOI-01"


def test_a_sheet_with_scores_saves_again_and_reopens(scored):
    con, _, eid = scored
    sheets.save_draft(con, user(con, "giamkhao2"), eid, {"I.1": "0,75"}, overall="Sửa")
    submitted = con.execute(
        "SELECT id FROM sheets WHERE examiner = 'giamkhao1' AND entry_id = ?", [eid]
    ).fetchone()[0]
    sheets.reopen_sheet(con, user(con, "chutich"), submitted, "chấm lại mục II")
    sheets.save_draft(con, user(con, "giamkhao1"), eid, full_marks(rubric20()), overall="Lại")


def test_an_examiner_with_sheets_changes_password_roles_and_state(scored):
    con, _, _ = scored
    users.set_password(con, "giamkhao1", "mat-khau-moi-1", "chutich")
    users.set_roles(con, "giamkhao1", ["examiner", "staff"], "chutich")
    users.set_active(con, "giamkhao1", False, "chutich")
    users.set_active(con, "giamkhao1", True, "chutich")
    assert user(con, "giamkhao1").roles == {"examiner", "staff"}


def test_sua_ke_hoach_saves_the_demo_plan_in_the_page(tmp_path, monkeypatch):
    at = app(tmp_path / "app.duckdb", monkeypatch)
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    open_tab(at, "plans_tab", "Sửa kế hoạch")
    next(b for b in at.button if b.label == "Lưu kế hoạch").click().run()
    assert not at.exception
    number = next(t for t in at.text_input if t.label.startswith("Số kế hoạch"))
    number.input("14/KH-MNAS")
    next(b for b in at.button if b.label == "Lưu kế hoạch").click().run()
    assert not at.exception
    assert "14/KH-MNAS" in texts(at)
