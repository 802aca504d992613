"""Plans and their schedule of tasks: storage, reading, and the headline progress numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pandas as pd

from lib.access.permissions import User, can_edit_plans
from lib.core import audit
from lib.core.db import Connection, retrying, transaction
from lib.core.errors import Invalid
from lib.core.text import fold, nfc, vn_key
from lib.plans.periods import derive_dates

# Stored status codes and the words the council uses for them.
STATUSES: dict[str, str] = {
    "todo": "Chưa bắt đầu",
    "doing": "Đang thực hiện",
    "done": "Hoàn thành",
    "cancelled": "Hủy",
}
OVERDUE = "Quá hạn"  # derived, never stored: not done, not cancelled, due date passed


@dataclass(frozen=True)
class PlanIn:
    """A plan as written on paper, before it has an id."""

    code: str
    title: str
    unit: str = ""
    parent_unit: str = ""
    place: str = ""
    issued_on: date | None = None
    signer: str = ""
    signer_title: str = ""
    year: int | None = None
    school_year: str = ""
    body: str = ""
    is_demo: bool = False


@dataclass(frozen=True)
class TaskIn:
    """One schedule row as written in a plan."""

    period_label: str
    content: str
    unit: str = ""
    leader: str = ""
    note: str = ""
    status: str = "todo"
    done_on: date | None = None
    start_date: date | None = None
    due_date: date | None = None
    evidence: str = ""  # minh chứng: a note or a link


@dataclass
class Summary:
    """Headline numbers of one plan (or all plans) on a given day."""

    total: int
    done: int
    overdue: int
    cancelled: int
    upcoming: pd.DataFrame = field(repr=False)

    @property
    def percent_done(self) -> int:
        """Share of tasks done, among those not cancelled, in whole percent."""
        active = self.total - self.cancelled
        return round(100 * self.done / active) if active else 0


def school_year_start(school_year: str) -> int | None:
    """First calendar year of a school year written '2023-2024' (None if not written so)."""
    head = school_year.split("-")[0].strip()
    return int(head) if head.isdigit() and len(head) == 4 else None


def create_plan(con: Connection, plan: PlanIn, tasks: list[TaskIn], actor: str) -> int:
    """Save a plan with its tasks in one transaction and return the plan id."""
    with transaction(con):
        return insert_plan(con, plan, tasks, actor)


def insert_plan(con: Connection, plan: PlanIn, tasks: list[TaskIn], actor: str) -> int:
    """Check and insert a plan with its tasks inside the caller's transaction."""
    errors: dict[str, str] = {}
    if not nfc(plan.code):
        errors["code"] = "Hãy nhập số kế hoạch (ví dụ 13/KH-MNAS)."
    elif con.execute("SELECT 1 FROM plans WHERE code = ?", [nfc(plan.code)]).fetchone():
        errors["code"] = f"Đã có kế hoạch số {nfc(plan.code)}."
    if not nfc(plan.title):
        errors["title"] = "Hãy nhập tên kế hoạch."
    for i, task in enumerate(tasks, start=1):
        if not nfc(task.content):
            errors[f"tasks[{i}].content"] = f"Dòng {i}: nội dung công việc đang trống."
        if task.status not in STATUSES:
            errors[f"tasks[{i}].status"] = f"Dòng {i}: trạng thái '{task.status}' không hợp lệ."
    if errors:
        raise Invalid(errors)
    row = con.execute(
        "INSERT INTO plans (code, title, unit, parent_unit, place, issued_on, signer, "
        " signer_title, year, school_year, body, is_demo) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            nfc(plan.code),
            nfc(plan.title),
            nfc(plan.unit),
            nfc(plan.parent_unit),
            nfc(plan.place),
            plan.issued_on,
            nfc(plan.signer),
            nfc(plan.signer_title),
            plan.year,
            nfc(plan.school_year),
            plan.body.strip(),
            plan.is_demo,
        ],
    ).fetchone()
    assert row is not None
    plan_id = int(row[0])
    insert_tasks(con, plan_id, plan, tasks, actor)
    audit.record(con, actor, "create", "plan", plan_id, after={"code": plan.code})
    return plan_id


def insert_tasks(
    con: Connection, plan_id: int, plan: PlanIn, tasks: list[TaskIn], actor: str
) -> None:
    """Append tasks to a plan in one batch, deriving dates from their period labels."""
    # fetchall, not fetchone: DuckDB refuses register() while a result is still open.
    ((offset,),) = con.execute(
        "SELECT coalesce(max(position), 0) FROM tasks WHERE plan_id = ?", [plan_id]
    ).fetchall()
    records = []
    derived: dict[str, tuple[date | None, date | None]] = {}  # long lists repeat their labels
    for i, task in enumerate(tasks, start=1):
        if task.period_label not in derived:
            derived[task.period_label] = derive_dates(
                task.period_label,
                year=plan.year,
                school_year=school_year_start(plan.school_year),
                fallback_start=plan.issued_on,
            )
        start, due = derived[task.period_label]
        records.append(
            {
                **_task_values(task),
                "plan_id": plan_id,
                "position": offset + i,
                "start_date": task.start_date or start,
                "due_date": task.due_date or due,
                "updated_by": actor,
            }
        )
    if not records:
        return
    frame = pd.DataFrame.from_records(records)
    for column in ("start_date", "due_date", "done_on"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    con.register("new_tasks", frame)
    try:
        con.execute(
            "INSERT INTO tasks (plan_id, position, period_label, start_date, due_date, content,"
            " unit, leader, note, status, done_on, evidence, updated_by) "
            "SELECT plan_id, position, period_label, start_date::DATE, due_date::DATE, content,"
            " unit, leader, note, status, done_on::DATE, evidence, updated_by FROM new_tasks"
        )
    finally:
        con.unregister("new_tasks")


def list_plans(con: Connection) -> pd.DataFrame:
    """Every plan with its task counts, newest first."""
    # Count tasks per plan first, then join: grouping the joined rows by every plan column
    # costs several times more once there are thousands of plans.
    return con.execute(
        "WITH c AS (SELECT plan_id, count(*) AS tasks, count(*) FILTER (status = 'done') AS done"
        "           FROM tasks GROUP BY plan_id) "
        "SELECT p.id, p.code, p.title, p.unit, p.issued_on, p.year, p.school_year, p.is_demo,"
        "       coalesce(c.tasks, 0) AS tasks, coalesce(c.done, 0) AS done "
        "FROM plans p LEFT JOIN c ON c.plan_id = p.id "
        "ORDER BY p.issued_on DESC NULLS LAST, p.id DESC"
    ).df()


def plan_labels(con: Connection) -> dict[int, str]:
    """Every plan's id and "code – title", newest first (the order of list_plans)."""
    rows = con.execute(
        "SELECT id, code || ' – ' || title FROM plans ORDER BY issued_on DESC NULLS LAST, id DESC"
    ).fetchall()
    return {int(plan_id): label for plan_id, label in rows}


def get_plan(con: Connection, plan_id: int) -> dict | None:
    """One plan's fields as a dict (dates as dates, None where empty), or None."""
    result = con.execute("SELECT * FROM plans WHERE id = ?", [plan_id])
    rows = result.fetchall()  # fetchall: no result left open on the cursor
    assert result.description is not None
    return dict(zip([d[0] for d in result.description], rows[0], strict=True)) if rows else None


def tasks(con: Connection, plan_id: int | None = None, today: date | None = None) -> pd.DataFrame:
    """Tasks (of one plan, or all) with the derived 'overdue' flag and Vietnamese status label."""
    wanted = TaskFilter() if plan_id is None else TaskFilter(plan_ids=(plan_id,))
    return task_list(con, wanted, today or date.today())


def _frame(result: Connection) -> pd.DataFrame:
    """An executed query's rows as a DataFrame, dates as plain dates (None when empty)."""
    # fetchall hands DATE columns over as dates, and for the rows a page shows it is twice as
    # quick as .df() followed by turning its Timestamps back into dates.
    rows = result.fetchall()
    assert result.description is not None
    df = pd.DataFrame.from_records(rows, columns=[d[0] for d in result.description])
    if not rows:  # no values to infer from: flags must stay flags, df[df["overdue"]] works
        for name, kind, *_ in result.description:
            if str(kind) == "BOOLEAN":
                df[name] = df[name].astype(bool)
    return df


def summary(
    con: Connection, plan_id: int | None = None, today: date | None = None, days: int = 30
) -> Summary:
    """Done / total, overdue, and the tasks due in the next `days` days."""
    today = today or date.today()
    return summarize(tasks(con, plan_id, today), today, days)


def summarize(df: pd.DataFrame, today: date, days: int = 30) -> Summary:
    """The headline numbers of any set of tasks (as returned by tasks(), maybe filtered)."""
    horizon = today + timedelta(days=days)
    soon = [
        status not in ("done", "cancelled") and due is not None and today <= due <= horizon
        for status, due in zip(df["status"], df["due_date"], strict=True)
    ]
    return Summary(
        total=len(df),
        done=int((df["status"] == "done").sum()),
        overdue=int(df["overdue"].sum()),
        cancelled=int((df["status"] == "cancelled").sum()),
        upcoming=df.loc[soon].sort_values("due_date"),
    )


def as_date(value: object) -> date | None:
    """A stored DATE as a plain date (DuckDB hands them to pandas as Timestamps or NaT)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def is_overdue(status: str, due: date | None, today: date) -> bool:
    """Overdue is derived, never stored: not done, not cancelled, and the due date has passed."""
    return status not in ("done", "cancelled") and due is not None and due < today


def status_label(status: str, due: date | None, today: date) -> str:
    """The Vietnamese word shown for a task: its status, or "Quá hạn" when it is late."""
    return OVERDUE if is_overdue(status, due, today) else STATUSES[status]


def needs_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Tasks with no due date: their period label could not be read and nobody set dates yet."""
    return df.loc[[d is None for d in df["due_date"]]]


def split_units(unit: str) -> list[str]:
    """A task's responsible units: "HĐTĐKT, HĐSKKN" is carried by two units."""
    parts = [nfc(u) for u in re.split(r"[,;/]| và ", unit or "")]
    return [u for u in parts if u] or ["(chưa ghi)"]


# --- editing (admins only) ---------------------------------------------------------------

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


def _task_values(task: TaskIn) -> dict[str, object]:
    return {
        "period_label": nfc(task.period_label),
        "start_date": task.start_date,
        "due_date": task.due_date,
        "content": nfc(task.content),
        "unit": nfc(task.unit),
        "leader": nfc(task.leader),
        "note": nfc(task.note),
        "status": task.status,
        "done_on": task.done_on,
        "evidence": (task.evidence or "").strip(),
    }


def add_task(
    con: Connection, plan_id: int, task: TaskIn, user: User | None, today: date | None = None
) -> int:
    """Append a task to a plan, its dates derived from the label unless given; return its id."""
    actor = _require_editor(user)
    plan = _plan_in(_plan_row(con, plan_id))
    task = _dated(plan, task, today or date.today())
    if errors := check_task(con, plan_id, task):
        raise Invalid(errors)
    values = _task_values(task)

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
    values = _task_values(task)
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


# --- progress over many plans (the Tiến độ page) -----------------------------------------

LIST_MAX = 200  # rows of a task list shown on a page; the rest is downloaded
LIST_COLUMNS: dict[str, str] = {
    "plan_code": "Kế hoạch",
    "period_label": "Thời gian",
    "content": "Nội dung",
    "unit": "Bộ phận thực hiện",
    "leader": "Lãnh đạo phụ trách",
    "due_date": "Hạn",
    "status_label": "Trạng thái",
}  # a task list on screen: column -> Vietnamese header
_LISTS = {
    "all": "true",
    "late": "overdue",
    "soon": "soon",
}  # which tasks a list holds -> its SQL condition over the filtered tasks
_LIST_ORDER = {"all": "plan_id, position", "late": "due_date, plan_id, position",
               "soon": "due_date, plan_id, position"}  # fmt: skip


@dataclass(frozen=True)
class TaskFilter:
    """The Tiến độ page's filters; an empty tuple keeps everything.

    statuses are the shown labels, so "Quá hạn" picks the late tasks.
    """

    plan_ids: tuple[int, ...] = ()
    years: tuple[int, ...] = ()
    units: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


@dataclass
class Progress:
    """Headline numbers and chart counts of the filtered tasks, counted in SQL."""

    all_tasks: int  # before filtering
    total: int
    done: int
    overdue: int
    cancelled: int
    upcoming: int
    dated: int  # tasks with a due date
    span: tuple[date, date] | None  # first start to last due of the dated tasks
    by_month: pd.DataFrame = field(repr=False)  # due (first of month), status_label, size
    by_group: dict[str, pd.DataFrame] = field(repr=False)  # plan_code/unit/leader counts

    @property
    def percent_done(self) -> int:
        """Share of tasks done, among those not cancelled, in whole percent."""
        active = self.total - self.cancelled
        return round(100 * self.done / active) if active else 0


@dataclass
class FilterChoices:
    """What the filters can offer: only values some task has."""

    plans: dict[int, str]  # id -> code, plans that have tasks, in id order
    years: list[int]  # newest first
    units: list[str]  # each unit once, Vietnamese order
    leaders: list[str]  # Vietnamese order


def filter_choices(con: Connection) -> FilterChoices:
    """The plans, years, units and leaders the tasks have, for the filter widgets."""
    plan_rows = con.execute(
        "SELECT id, code, year FROM plans WHERE id IN (SELECT plan_id FROM tasks) ORDER BY id"
    ).fetchall()
    units = {u for raw in _unit_values(con) for u in split_units(raw)}
    leaders = [
        r[0] for r in con.execute("SELECT DISTINCT leader FROM tasks WHERE leader <> ''").fetchall()
    ]
    return FilterChoices(
        plans={int(i): code for i, code, _ in plan_rows},
        years=sorted({int(y) for _, _, y in plan_rows if y is not None}, reverse=True),
        units=sorted(units, key=vn_key),
        leaders=sorted(leaders, key=vn_key),
    )


def _unit_values(con: Connection) -> list[str]:
    # A few distinct strings ("HĐTĐKT, HĐSKKN") however many tasks: split them in Python.
    return [r[0] for r in con.execute("SELECT DISTINCT unit FROM tasks").fetchall()]


def _filtered(
    con: Connection, f: TaskFilter, today: date, days: int = 30
) -> tuple[str, dict[str, object]]:
    """The tasks that match the filter as a SQL subquery, with overdue and soon derived."""
    params: dict[str, object] = {"today": today, "horizon": today + timedelta(days=days)}
    where = []
    if len(f.plan_ids) == 1:  # one plan's tasks: a plain equality the scan can use
        where.append("plan_id = $plan_id")
        params["plan_id"] = int(f.plan_ids[0])
    elif f.plan_ids:
        where.append("list_contains($plan_ids::INTEGER[], plan_id)")
        params["plan_ids"] = [int(i) for i in f.plan_ids]
    if f.years:
        where.append("list_contains($years::INTEGER[], plan_year)")
        params["years"] = [int(y) for y in f.years]
    if f.units:
        # A task belongs to every unit its unit text names: match on the stored texts.
        wanted = set(f.units)
        params["units"] = [u for u in _unit_values(con) if wanted & set(split_units(u))]
        where.append("list_contains($units::VARCHAR[], unit)")
    if f.leaders:
        where.append("list_contains($leaders::VARCHAR[], leader)")
        params["leaders"] = list(f.leaders)
    if f.statuses:
        where.append(
            "CASE WHEN overdue THEN $late ELSE list_contains($codes::VARCHAR[], status) END"
        )
        params["late"] = OVERDUE in f.statuses
        params["codes"] = [code for code, label in STATUSES.items() if label in f.statuses]
    # The shown label, "Quá hạn" for late tasks, so lists and counts need no work in Python.
    params["late_label"] = OVERDUE
    params["codes_all"], params["labels_all"] = list(STATUSES), list(STATUSES.values())
    sql = (
        "(SELECT *, CASE WHEN overdue THEN $late_label"
        "   ELSE $labels_all[list_position($codes_all, status)] END AS status_label"
        " FROM (SELECT t.*, p.code AS plan_code, p.title AS plan_title, p.year AS plan_year,"
        "   coalesce(t.status NOT IN ('done', 'cancelled') AND t.due_date < $today, false)"
        "     AS overdue,"
        "   coalesce(t.status NOT IN ('done', 'cancelled')"
        "     AND t.due_date BETWEEN $today AND $horizon, false) AS soon"
        "  FROM tasks t JOIN plans p ON p.id = t.plan_id)"
        f" WHERE {' AND '.join(where) or 'true'})"
    )
    return sql, params


def progress(con: Connection, f: TaskFilter, today: date, days: int = 30) -> Progress:
    """Counts of the filtered tasks: by status, by due month and by plan, unit and leader."""
    sub, params = _filtered(con, f, today, days)
    # One pass over the tasks for every count on the page, however many tasks there are;
    # grouping on the plan's id and naming it afterwards is cheaper than grouping on its code.
    rows = con.execute(
        "SELECT g.kind, g.month, p.code, g.unit, g.leader, g.soon, g.status_label, g.size FROM ("
        "  SELECT CASE WHEN grouping(month) = 0 THEN 'month' WHEN grouping(plan_id) = 0"
        "    THEN 'plan_code' WHEN grouping(unit) = 0 THEN 'unit' WHEN grouping(leader) = 0"
        "    THEN 'leader' ELSE 'status' END AS kind,"
        "    month, plan_id, unit, leader, soon, status_label, count(*) AS size"
        "  FROM (SELECT plan_id, unit, leader, soon, status_label,"
        f"          date_trunc('month', due_date) AS month FROM {sub})"
        "  GROUP BY GROUPING SETS ((month, status_label), (plan_id, status_label),"
        "    (unit, status_label), (leader, status_label), (soon, status_label))"
        ") g LEFT JOIN plans p ON p.id = g.plan_id",
        params,
    ).fetchall()
    ((first, last),) = con.execute(
        "SELECT min(least(coalesce(start_date, due_date), due_date)),"
        f"  max(greatest(coalesce(start_date, due_date), due_date)) FROM {sub}",
        params,
    ).fetchall()
    ((all_tasks,),) = con.execute("SELECT count(*) FROM tasks").fetchall()
    by_status: dict[str, int] = {}
    upcoming = 0
    months: list[tuple[object, str, int]] = []
    groups: dict[str, dict[tuple[str, str], int]] = {"plan_code": {}, "unit": {}, "leader": {}}
    for kind, month, code, unit, leader, soon, label, size in rows:
        if kind == "status":
            by_status[label] = by_status.get(label, 0) + size
            upcoming += size if soon else 0
        elif kind == "month":
            if month is not None:
                months.append((month, label, size))
        else:
            names = {"plan_code": [code], "leader": [leader], "unit": split_units(unit)}[kind]
            counts = groups[kind]
            for name in names:
                key = (name or "(chưa ghi)", label)
                counts[key] = counts.get(key, 0) + size
    return Progress(
        all_tasks=int(all_tasks),
        total=sum(by_status.values()),
        done=by_status.get(STATUSES["done"], 0),
        overdue=by_status.get(OVERDUE, 0),
        cancelled=by_status.get(STATUSES["cancelled"], 0),
        upcoming=upcoming,
        dated=sum(n for _, _, n in months),
        span=None if first is None else (first, last),
        by_month=pd.DataFrame(
            {
                "due": pd.to_datetime([m for m, _, _ in months]),
                "status_label": [label for _, label, _ in months],
                "size": [n for _, _, n in months],
            }
        ),  # fmt: skip
        by_group={
            by: pd.DataFrame(
                [(name, label, n) for (name, label), n in counts.items()],
                columns=[by, "status_label", "size"],
            )
            for by, counts in groups.items()
        },
    )


def task_list(
    con: Connection,
    f: TaskFilter,
    today: date,
    which: str = "all",
    limit: int | None = None,
    days: int = 30,
) -> pd.DataFrame:
    """The filtered tasks, or only the late ("late") or soon due ("soon") ones, maybe capped.

    Late and soon lists come earliest due first; the whole list comes in schedule order.
    """
    sub, params = _filtered(con, f, today, days)
    sql = f"SELECT * FROM {sub} WHERE {_LISTS[which]} ORDER BY {_LIST_ORDER[which]}"
    if limit is not None:
        sql += " LIMIT $limit"
        params["limit"] = limit
    return _frame(con.execute(sql, params))


def nearest_tasks(con: Connection, f: TaskFilter, today: date, limit: int) -> pd.DataFrame:
    """The `limit` filtered tasks with a due date nearest today, in schedule order."""
    sub, params = _filtered(con, f, today)
    params["limit"] = limit
    return _frame(
        con.execute(
            f"SELECT * FROM (SELECT * FROM {sub} WHERE due_date IS NOT NULL"
            "  ORDER BY abs(date_diff('day', $today, due_date)), plan_id, position"
            "  LIMIT $limit) ORDER BY plan_id, position",
            params,
        )
    )


def shown_list(df: pd.DataFrame, with_plan: bool = True) -> pd.DataFrame:
    """A task list's columns as shown on a page, under their Vietnamese headers."""
    columns = {k: v for k, v in LIST_COLUMNS.items() if with_plan or k != "plan_code"}
    return df[list(columns)].rename(columns=columns)
