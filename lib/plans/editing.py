"""Editing plans and their tasks (admins only): check, add, update, move, delete, copy."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pandas as pd

from lib.access.permissions import User, can_edit_plans
from lib.core import audit
from lib.core.db import Connection, retrying, transaction
from lib.core.errors import Invalid
from lib.core.text import fold, nfc
from lib.plans.periods import derive_dates
from lib.plans.plans import (
    STATUSES,
    PlanIn,
    TaskIn,
    as_date,
    create_plan,
    get_plan,
    insert_plan,
    school_year_start,
    task_values,
    tasks,
)

REFUSED = "Chỉ quản trị viên (Chủ tịch, Thư ký HĐ) được thay đổi kế hoạch và công việc."


def _require_editor(user: User | None) -> str:
    if not can_edit_plans(user):
        raise Invalid({"permission": REFUSED})
    assert user is not None
    return user.username


def _plan_row(con: Connection, plan_id: int) -> dict:
    plan = get_plan(con, plan_id)
    if plan is None:
        raise Invalid({"plan": "Không tìm thấy kế hoạch (có thể vừa bị xóa)."})
    return plan


def _plan_in(plan: dict) -> PlanIn:
    return PlanIn(
        code=plan["code"],
        title=plan["title"],
        year=None if pd.isna(plan["year"]) else int(plan["year"]),
        school_year=plan["school_year"],
        issued_on=as_date(plan["issued_on"]),
    )


def _check_plan(con: Connection, plan: PlanIn, plan_id: int | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    code = nfc(plan.code)
    if not code:
        errors["code"] = "Hãy nhập số kế hoạch (ví dụ 13/KH-MNAS)."
    elif con.execute(
        "SELECT 1 FROM plans WHERE code = ? AND id IS DISTINCT FROM ?", [code, plan_id]
    ).fetchall():
        errors["code"] = f"Đã có kế hoạch số {code}."
    if not nfc(plan.title):
        errors["title"] = "Hãy nhập tên kế hoạch."
    if plan.year is not None and not 2000 <= plan.year <= 2100:
        errors["year"] = f"Năm {plan.year} không hợp lệ."
    if plan.school_year and school_year_start(plan.school_year) is None:
        errors["school_year"] = "Năm học ghi dạng 2024-2025."
    return errors


def new_plan(con: Connection, plan: PlanIn, user: User | None) -> int:
    """Create an empty plan (tasks are added afterwards) and return its id."""
    actor = _require_editor(user)
    if errors := _check_plan(con, plan):
        raise Invalid(errors)
    return create_plan(con, plan, [], actor)


def update_plan(con: Connection, plan_id: int, plan: PlanIn, user: User | None) -> None:
    """Change a plan's own fields (its tasks keep their dates)."""
    actor = _require_editor(user)
    before = _plan_row(con, plan_id)
    if errors := _check_plan(con, plan, plan_id):
        raise Invalid(errors)
    fields = {
        "code": nfc(plan.code),
        "title": nfc(plan.title),
        "unit": nfc(plan.unit),
        "parent_unit": nfc(plan.parent_unit),
        "place": nfc(plan.place),
        "issued_on": plan.issued_on,
        "signer": nfc(plan.signer),
        "signer_title": nfc(plan.signer_title),
        "year": plan.year,
        "school_year": nfc(plan.school_year),
        "body": plan.body.strip(),
    }
    sets = ", ".join(f"{name} = ?" for name in fields)
    with transaction(con):
        con.execute(
            f"UPDATE plans SET {sets}, updated_at = current_localtimestamp() WHERE id = ?",
            [*fields.values(), plan_id],
        )
        audit.record(
            con, actor, "update", "plan", plan_id,
            before={k: before[k] for k in fields}, after=fields,
        )  # fmt: skip


def check_task(
    con: Connection, plan_id: int, task: TaskIn, task_id: int | None = None
) -> dict[str, str]:
    """Every problem with a task before it is saved: empty or repeated content, dates, status."""
    errors: dict[str, str] = {}
    content = nfc(task.content)
    if not content:
        errors["content"] = "Nội dung công việc đang trống."
    else:
        rows = con.execute(
            "SELECT position, content FROM tasks WHERE plan_id = ? AND id IS DISTINCT FROM ?",
            [plan_id, task_id],
        ).fetchall()
        for position, other in rows:
            if fold(other) == fold(content):
                errors["content"] = f"Kế hoạch đã có việc này (dòng {position}): “{other}”."
                break
    if task.status not in STATUSES:
        errors["status"] = f"Trạng thái '{task.status}' không hợp lệ."
    if task.start_date and task.due_date and task.due_date < task.start_date:
        errors["due_date"] = (
            f"Hạn hoàn thành ({task.due_date:%d/%m/%Y}) trước ngày bắt đầu "
            f"({task.start_date:%d/%m/%Y})."
        )
    if task.done_on and task.done_on > date.today():
        errors["done_on"] = f"Ngày hoàn thành ({task.done_on:%d/%m/%Y}) chưa tới."
    return errors


def _dated(plan: PlanIn, task: TaskIn, today: date) -> TaskIn:
    """Fill dates the user left empty from the period label, and the done date when done."""
    start, due = derive_dates(
        task.period_label,
        year=plan.year,
        school_year=school_year_start(plan.school_year),
        fallback_start=plan.issued_on,
    )
    done_on = task.done_on or (today if task.status == "done" else None)
    return replace(
        task,
        start_date=task.start_date or start,
        due_date=task.due_date or due,
        done_on=done_on if task.status == "done" else None,
    )


def add_task(
    con: Connection, plan_id: int, task: TaskIn, user: User | None, today: date | None = None
) -> int:
    """Append a task to a plan, its dates derived from the label unless given; return its id."""
    actor = _require_editor(user)
    plan = _plan_in(_plan_row(con, plan_id))
    task = _dated(plan, task, today or date.today())
    if errors := check_task(con, plan_id, task):
        raise Invalid(errors)
    values = task_values(task)

    def work(c: Connection) -> int:
        ((position,),) = c.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM tasks WHERE plan_id = ?", [plan_id]
        ).fetchall()
        ((task_id,),) = c.execute(
            f"INSERT INTO tasks (plan_id, position, {', '.join(values)}, updated_by) "
            f"VALUES (?, ?, {', '.join('?' for _ in values)}, ?) RETURNING id",
            [plan_id, position, *values.values(), actor],
        ).fetchall()
        audit.record(c, actor, "create", "task", task_id, after=values)
        return int(task_id)

    return retrying(con, work)


def get_task(con: Connection, task_id: int) -> dict | None:
    """One task's stored fields as a dict with plain dates, or None."""
    df = con.execute("SELECT * FROM tasks WHERE id = ?", [task_id]).df()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    for column in ("start_date", "due_date", "done_on"):
        row[column] = as_date(row[column])
    return row


def _changed_meanwhile(current: dict | None, what: str) -> Invalid:
    if current is None:
        return Invalid({"conflict": f"Không lưu được: việc này vừa bị người khác xóa. {what}"})
    when = pd.Timestamp(current["updated_at"]).strftime("%H:%M ngày %d/%m/%Y")
    return Invalid(
        {
            "conflict": f"Không lưu được: việc “{current['content']}” vừa được "
            f"{current['updated_by'] or 'người khác'} sửa lúc {when}, sau khi bạn mở nó. {what}"
        }
    )


def update_task(
    con: Connection,
    task_id: int,
    task: TaskIn,
    version: int,
    user: User | None,
    today: date | None = None,
) -> int:
    """Save a task edited from `version`; refuse if someone changed it since. Return new version.

    A changed period label re-derives the dates the user left as they were.
    """
    actor = _require_editor(user)
    old = get_task(con, task_id)
    keep = "Những gì bạn nhập vẫn còn trên màn hình: hãy xem bản mới rồi lưu lại."
    if old is None or int(old["version"]) != version:
        raise _changed_meanwhile(old, keep)
    plan = _plan_in(_plan_row(con, int(old["plan_id"])))
    if nfc(task.period_label) != old["period_label"]:
        task = replace(
            task,
            start_date=None if task.start_date == old["start_date"] else task.start_date,
            due_date=None if task.due_date == old["due_date"] else task.due_date,
        )
    task = _dated(plan, task, today or date.today())
    if errors := check_task(con, int(old["plan_id"]), task, task_id):
        raise Invalid(errors)
    values = task_values(task)
    sets = ", ".join(f"{name} = ?" for name in values)

    def work(c: Connection) -> int:
        rows = c.execute(
            f"UPDATE tasks SET {sets}, version = version + 1, updated_by = ?, "
            "updated_at = current_localtimestamp() WHERE id = ? AND version = ? "
            "RETURNING version",
            [*values.values(), actor, task_id, version],
        ).fetchall()
        if not rows:
            raise _changed_meanwhile(get_task(c, task_id), keep)
        before = {k: old[k] for k in values}
        audit.record(c, actor, "update", "task", task_id, before=before, after=values)
        return int(rows[0][0])

    return retrying(con, work)


def move_task(con: Connection, task_id: int, step: int, user: User | None) -> None:
    """Move a task up (step -1) or down (+1) in its plan's schedule."""
    actor = _require_editor(user)

    def work(c: Connection) -> None:
        row = c.execute("SELECT plan_id FROM tasks WHERE id = ?", [task_id]).fetchall()
        if not row:
            raise Invalid({"task": "Không tìm thấy việc này (có thể vừa bị xóa)."})
        ids = [
            r[0]
            for r in c.execute(
                "SELECT id FROM tasks WHERE plan_id = ? ORDER BY position, id", [row[0][0]]
            ).fetchall()
        ]
        i = ids.index(task_id)
        j = i + step
        if not 0 <= j < len(ids):
            return
        ids[i], ids[j] = ids[j], ids[i]
        # Renumber the whole plan 1..n in one statement so positions stay dense after deletions.
        c.execute(
            "UPDATE tasks SET position = list_position(?::INTEGER[], id) WHERE plan_id = ?",
            [ids, row[0][0]],
        )
        audit.record(c, actor, "move", "task", task_id, after={"position": j + 1})

    retrying(con, work)


def delete_task(con: Connection, task_id: int, version: int, user: User | None) -> None:
    """Delete a task the user has seen at `version` (refused if it changed since)."""
    actor = _require_editor(user)

    def work(c: Connection) -> None:
        old = get_task(c, task_id)
        if old is None or int(old["version"]) != version:
            raise _changed_meanwhile(old, "Việc chưa bị xóa: hãy xem bản mới rồi quyết định.")
        c.execute("DELETE FROM tasks WHERE id = ?", [task_id])
        audit.record(c, actor, "delete", "task", task_id, before=_task_values_of(old))

    retrying(con, work)


def _task_values_of(row: dict) -> dict[str, object]:
    return {k: row[k] for k in ("position", "period_label", "content", "unit", "leader", "status")}


_YEAR = re.compile(r"(?<!\d)(19|20)(\d{2})(?!\d)")


def shift_years(text: str, years: int) -> str:
    """Move every four-digit year written in a label or title on by `years` ("2023-2024")."""
    return _YEAR.sub(lambda m: str(int(m.group(0)) + years), text or "")


def _shift_date(value: date | None, years: int) -> date | None:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def copy_plan(con: Connection, plan_id: int, code: str, user: User | None, years: int = 1) -> int:
    """Copy a plan to a later year: every task, dates moved on, statuses reset; return the id."""
    actor = _require_editor(user)
    source = _plan_row(con, plan_id)
    year = None if pd.isna(source["year"]) else int(source["year"]) + years
    plan = PlanIn(
        code=code,
        title=shift_years(source["title"], years),
        unit=source["unit"],
        parent_unit=source["parent_unit"],
        place=source["place"],
        issued_on=None,
        signer=source["signer"],
        signer_title=source["signer_title"],
        year=year,
        school_year=shift_years(source["school_year"], years),
        body=source["body"],
    )
    if errors := _check_plan(con, plan):
        raise Invalid(errors)
    rows = tasks(con, plan_id)
    copied = [
        TaskIn(
            period_label=shift_years(r.period_label, years),
            content=r.content,
            unit=r.unit,
            leader=r.leader,
            note=r.note,
            start_date=_shift_date(r.start_date, years),
            due_date=_shift_date(r.due_date, years),
        )
        for r in rows.itertuples()
    ]
    with transaction(con):
        new_id = insert_plan(con, plan, copied, actor)
        audit.record(con, actor, "copy", "plan", new_id, before={"from": source["code"]})
    return new_id


def body_markdown(body: str) -> str:
    """A plan's text as Markdown: section headings, numbered items in bold, bullets as bullets."""
    out: list[str] = []
    for raw in (body or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        text = re.sub(r"([\\`*_{}\[\]<>#|~$:])", r"\\\1", line)
        if re.match(r"^[IVX]+\.\s", line):
            out.append(f"\n##### {text}\n")
        elif m := re.match(r"^(\d+(?:\.\d+)*)\.\s*(.*)$", line):
            rest = re.sub(r"([\\`*_{}\[\]<>#|~$:])", r"\\\1", m.group(2))
            out.append(f"\n**{m.group(1)}\\. {rest}**\n")
        elif re.match(r"^[-+•]\s*", line):
            out.append("- " + re.sub(r"^(?:\\)?[-+•]\s*", "", text))
        else:
            out.append(f"\n{text}\n")
    return "\n".join(out).strip()
