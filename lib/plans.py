"""Plans and their schedule of tasks: storage, reading, and the headline progress numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from lib import audit
from lib.db import Connection, transaction
from lib.errors import Invalid
from lib.periods import derive_dates
from lib.text import nfc

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
                "plan_id": plan_id,
                "position": offset + i,
                "period_label": nfc(task.period_label),
                "start_date": task.start_date or start,
                "due_date": task.due_date or due,
                "content": nfc(task.content),
                "unit": nfc(task.unit),
                "leader": nfc(task.leader),
                "note": nfc(task.note),
                "status": task.status,
                "done_on": task.done_on,
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
            " unit, leader, note, status, done_on, updated_by) "
            "SELECT plan_id, position, period_label, start_date::DATE, due_date::DATE, content,"
            " unit, leader, note, status, done_on::DATE, updated_by FROM new_tasks"
        )
    finally:
        con.unregister("new_tasks")


def list_plans(con: Connection) -> pd.DataFrame:
    """Every plan with its task counts, newest first."""
    return con.execute(
        "SELECT p.id, p.code, p.title, p.unit, p.issued_on, p.year, p.school_year, p.is_demo,"
        "       count(t.id) AS tasks, count(t.id) FILTER (t.status = 'done') AS done "
        "FROM plans p LEFT JOIN tasks t ON t.plan_id = p.id "
        "GROUP BY ALL ORDER BY p.issued_on DESC NULLS LAST, p.id DESC"
    ).df()


def get_plan(con: Connection, plan_id: int) -> dict | None:
    """One plan's fields as a dict, or None."""
    df = con.execute("SELECT * FROM plans WHERE id = ?", [plan_id]).df()
    return None if df.empty else df.iloc[0].to_dict()


def tasks(con: Connection, plan_id: int | None = None, today: date | None = None) -> pd.DataFrame:
    """Tasks (of one plan, or all) with the derived 'overdue' flag and Vietnamese status label."""
    today = today or date.today()
    sql = (
        "SELECT t.*, p.code AS plan_code, "
        "  (t.status NOT IN ('done', 'cancelled') AND t.due_date < ?) AS overdue "
        "FROM tasks t JOIN plans p ON p.id = t.plan_id"
    )
    params: list[object] = [today]
    if plan_id is not None:
        sql += " WHERE t.plan_id = ?"
        params.append(plan_id)
    df = con.execute(sql + " ORDER BY p.id, t.position", params).df()
    df["status_label"] = [
        OVERDUE if late else STATUSES[s]
        for s, late in zip(df["status"], df["overdue"], strict=True)
    ]
    return df


def summary(
    con: Connection, plan_id: int | None = None, today: date | None = None, days: int = 30
) -> Summary:
    """Done / total, overdue, and the tasks due in the next `days` days."""
    df = tasks(con, plan_id, today)
    today = today or date.today()
    due = pd.to_datetime(df["due_date"]).dt.date
    open_ = ~df["status"].isin(["done", "cancelled"])
    soon = open_ & due.notna() & (due >= today) & (due <= today + pd.Timedelta(days=days))
    upcoming = df[soon].sort_values("due_date")
    return Summary(
        total=len(df),
        done=int((df["status"] == "done").sum()),
        overdue=int(df["overdue"].fillna(False).astype(bool).sum()),
        cancelled=int((df["status"] == "cancelled").sum()),
        upcoming=upcoming,
    )
