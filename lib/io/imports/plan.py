"""Import a Word plan: its number, dates, signer and schedule become a plan with its tasks."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core.db import Connection
from lib.core.text import nfc
from lib.io.imports import pipeline
from lib.io.imports.pipeline import Checked, Kind, Progress, Summary, register
from lib.io.uploads import ROW_COLUMN, Problem
from lib.plans import plans
from lib.plans.periods import derive_dates
from lib.plans.word import PlanDoc, parse_plan_docx


def read_plan(kind: Kind, data: bytes, filename: str) -> tuple[PlanDoc | None, list[Problem]]:
    """Read a Word plan; a file without its schedule table is refused."""
    problems = pipeline.check_extension(kind, filename)
    if problems:
        return None, problems
    return parse_plan_docx(data)


def _school_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def check_plan(
    con: Connection, doc: PlanDoc, target: str | None, progress: Progress | None
) -> Checked:
    """Check a Word plan: its number is read and new; every schedule row becomes a task."""
    checked = Checked(kind="plan")
    if not doc.code:
        checked.problems.append(
            Problem(
                None,
                "Số kế hoạch",
                "Không đọc được số kế hoạch (dòng “Số: 13/KH-…”). Hãy kiểm tra phần đầu văn bản.",
            )  # fmt: skip
        )
    elif con.execute("SELECT 1 FROM plans WHERE code = ?", [nfc(doc.code)]).fetchall():
        checked.problems.append(
            Problem(None, "Số kế hoạch", f"Đã có kế hoạch số {doc.code}; không nhập lại.")
        )
    title = doc.title
    if not title:
        title = f"Kế hoạch số {doc.code or ''}".strip()
        checked.warnings.append(
            Problem(None, "Tên kế hoạch", f"Không đọc được tên kế hoạch; sẽ dùng “{title}”.")
        )
    if doc.issued_on is None:
        checked.warnings.append(
            Problem(
                None,
                "Ngày ban hành",
                "Không đọc được ngày ban hành (“…, ngày … tháng … "
                "năm …”); các mốc thời gian không ghi năm sẽ không có hạn.",
            )  # fmt: skip
        )
    plan = plans.PlanIn(
        code=doc.code or "",
        title=title,
        unit=doc.unit or "",
        parent_unit=doc.parent_unit or "",
        place=doc.place or "",
        issued_on=doc.issued_on,
        signer=doc.signer or "",
        signer_title=doc.signer_title or "",
        year=doc.issued_on.year if doc.issued_on else None,
        school_year=_school_year_of(doc.issued_on) if doc.issued_on else "",
        body=doc.body,
    )
    tasks = [
        plans.TaskIn(r.period, r.content, r.unit, r.leader, r.note) for r in doc.rows
    ]  # fmt: skip
    dates = [
        derive_dates(
            t.period_label,
            year=plan.year,
            school_year=plans.school_year_start(plan.school_year),
            fallback_start=plan.issued_on,
        )
        for t in tasks
    ]
    checked.table = pd.DataFrame(
        {
            ROW_COLUMN: [r.source_row for r in doc.rows],
            "Thời gian": [t.period_label for t in tasks],
            "Nội dung": [t.content for t in tasks],
            "Bộ phận thực hiện": [t.unit for t in tasks],
            "Lãnh đạo phụ trách": [t.leader for t in tasks],
            "Ghi chú": [t.note for t in tasks],
            "Bắt đầu": [_dmy(d[0]) for d in dates],
            "Hạn": [_dmy(d[1]) for d in dates],
        }
    )
    checked.added = len(tasks)
    checked.payload = (plan, tasks)
    return checked


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def write_plan(con: Connection, checked: Checked, actor: str) -> Summary:
    """Create the plan with its schedule (dates derived from the period labels)."""
    plan, tasks = checked.payload
    plans.insert_plan(con, plan, tasks, actor)
    return Summary("plan", len(tasks), 0, 0, f"Đã tạo kế hoạch số {plan.code}.", plan.code)


register(
    Kind(
        name="plan",
        label="Kế hoạch (tệp Word)",
        extensions=(".docx",),
        read=read_plan,
        check=check_plan,
        write=write_plan,
        help="Tệp Word (.docx) như Kế hoạch 13/KH-MNAS: đọc số, ngày, tên, người ký và biểu "
        "tiến độ; mỗi dòng của biểu thành một công việc.",
    )
)
