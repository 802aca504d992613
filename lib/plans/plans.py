"""Plans and their schedule of tasks: storage, reading, and the headline progress numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from lib.core import audit
from lib.core.db import Connection, registered, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc, vn_key
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


def task_values(task: TaskIn) -> dict[str, object]:
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
                **task_values(task),
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
    with registered(con, new_tasks=frame):
        con.execute(
            "INSERT INTO tasks (plan_id, position, period_label, start_date, due_date, content,"
            " unit, leader, note, status, done_on, evidence, updated_by) "
            "SELECT plan_id, position, period_label, start_date::DATE, due_date::DATE, content,"
            " unit, leader, note, status, done_on::DATE, evidence, updated_by FROM new_tasks"
        )


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


def needs_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Tasks with no due date: their period label could not be read and nobody set dates yet."""
    return df.loc[[d is None for d in df["due_date"]]]


def split_units(unit: str) -> list[str]:
    """A task's responsible units: "HĐTĐKT, HĐSKKN" is carried by two units."""
    parts = [nfc(u) for u in re.split(r"[,;/]| và ", unit or "")]
    return [u for u in parts if u] or ["(chưa ghi)"]


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
