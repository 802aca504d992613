"""Exports of people, tasks, SKKN and results as CSV or Excel, and the import templates."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from lib.access.people import list_people
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.documents.office import neutralise
from lib.io import imports
from lib.plans import plans
from lib.scoring import entries, results, rounds, stats

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Export:
    """One exportable kind: its Vietnamese name and the query giving its table."""

    name: str
    label: str
    table: Callable[[Connection, str | None], pd.DataFrame]
    target: str | None = None


def _dmy(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def _labels(kind: str) -> dict[str, str]:
    return {c.name: c.label for c in imports.KINDS[kind].columns}


def people_table(con: Connection, target: str | None = None) -> pd.DataFrame:
    """Everyone, with the import's Vietnamese headers, so the file can be edited and re-imported."""
    df = list_people(con)
    roles = dict(
        con.execute(
            "SELECT username, string_agg(role, ';' ORDER BY role) FROM user_roles GROUP BY 1"
        ).fetchall()
    )
    label = _labels("people")
    return pd.DataFrame(
        {
            label["ho_ten"]: df["full_name"],
            label["chuc_vu"]: df["position"],
            label["to"]: df["group_name"],
            label["email"]: df["email"],
            label["ngay_vao_nganh"]: [_dmy(v) for v in df["start_date"]],
            label["ten_dang_nhap"]: df["username"].fillna(""),
            label["vai_tro"]: [roles.get(u, "") for u in df["username"].fillna("")],
        }
    )


def tasks_table(con: Connection, target: str | None = None) -> pd.DataFrame:
    """A plan's tasks (or every plan's, with the plan number first) with Vietnamese headers."""
    plan_id = None
    if target:
        plan, problem = imports.find_plan(con, target)
        if problem is not None:
            raise Invalid({"plan": problem.message})
        assert plan is not None
        plan_id = int(plan["id"])
    df = plans.tasks(con, plan_id)
    label = _labels("tasks")
    out = pd.DataFrame(
        {
            label["thoi_gian"]: df["period_label"],
            label["noi_dung"]: df["content"],
            label["bo_phan"]: df["unit"],
            label["lanh_dao"]: df["leader"],
            label["ghi_chu"]: df["note"],
            label["trang_thai"]: df["status"].map(plans.STATUSES),
            label["han"]: [_dmy(v) for v in df["due_date"]],
        }
    )
    if plan_id is None:
        out.insert(0, "Kế hoạch", df["plan_code"])
    return out


def _round(con: Connection, target: str | None) -> rounds.Round:
    # Without a chosen round (the page's export list) the newest round is exported.
    r, problem = imports.find_round(con, target or next(iter(imports.round_choices(con)), None))
    if problem is not None:
        raise Invalid({"round": problem.message})
    assert r is not None
    return r


def skkn_table(con: Connection, target: str | None = None) -> pd.DataFrame:
    """A round's SKKN with the import's Vietnamese headers, so the list can be re-imported."""
    label = _labels("skkn")
    items = entries.entry_list(con, _round(con, target).id)
    return pd.DataFrame(
        {
            label["ma_skkn"]: [e.code for e in items],
            label["ten_skkn"]: [e.title for e in items],
            label["tac_gia"]: [e.authors_text for e in items],
            label["linh_vuc"]: [e.field for e in items],
            label["to"]: [e.group_name for e in items],
        }
    )


RESULT_EXPORT_COLUMNS = ["ma_skkn", "ten_skkn", "tac_gia", "so_phieu", "diem_tb", "xep_loai",
                         "trang_thai"]  # fmt: skip


def results_table(con: Connection, target: str | None = None) -> pd.DataFrame:
    """A round's results under fixed column names; the mean is a number (a dot in CSV)."""
    df = results.results(con, _round(con, target).id)
    return pd.DataFrame(
        {
            "ma_skkn": df["code"],
            "ten_skkn": df["title"],
            "tac_gia": df["authors"],
            "so_phieu": df["n_sheets"],
            "diem_tb": [stats.plain(v) if v is not None else None for v in df["mean_total"]],
            "xep_loai": df["grade"],
            "trang_thai": df["status"],
        },
        columns=RESULT_EXPORT_COLUMNS,
    )


EXPORTS: dict[str, Export] = {
    "people": Export("people", "Danh sách cán bộ, giáo viên", people_table),
    "tasks": Export("tasks", "Công việc", tasks_table, target="plan"),
    "skkn": Export("skkn", "Danh sách SKKN", skkn_table, target="round"),
    "results": Export("results", "Kết quả chấm SKKN", results_table, target="round"),
}


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(object).where(df.notna(), "").map(neutralise)


def to_csv(df: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel opens Vietnamese text correctly."""
    buffer = io.StringIO()
    _safe(df).to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "Dữ liệu", notes: list[str] | None = None) -> bytes:
    """An .xlsx with bold headers, fitted column widths, and an optional notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(df.columns))
    for row in _safe(df).itertuples(index=False):
        ws.append(list(row))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(df.columns, start=1):
        values = [str(column), *(str(v) for v in df.iloc[:200, index - 1])]
        width = min(60, max(10, *(len(v) for v in values)) + 2)
        ws.column_dimensions[ws.cell(1, index).column_letter].width = width
    ws.freeze_panes = "A2"
    if notes:
        help_sheet = wb.create_sheet("Hướng dẫn")
        for line in notes:
            help_sheet.append([line])
        help_sheet.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export(con: Connection, kind: str, target: str | None = None, fmt: str = "csv") -> bytes:
    """The bytes of an export of one kind in CSV or XLSX."""
    if kind not in EXPORTS:
        raise Invalid({"kind": f"Không xuất được “{kind}”. Chọn: {', '.join(EXPORTS)}."})
    if fmt not in FORMATS:
        raise Invalid({"format": f"Định dạng “{fmt}” không hỗ trợ. Chọn: csv hoặc xlsx."})
    spec = EXPORTS[kind]
    df = spec.table(con, target)
    return to_csv(df) if fmt == "csv" else to_xlsx(df, spec.label)


def deferred(con: Connection, kind: str, target: str | None, fmt: str) -> Callable[[], bytes]:
    """An export made only when called (a download button's click), on its own cursor."""
    return lambda: export(con, kind, target, fmt)


def template_xlsx(kind: str) -> bytes:
    """An Excel template for an import kind: Vietnamese headers, an example row, and help."""
    spec = imports.KINDS[kind]
    if not spec.columns:
        raise Invalid({"kind": f"“{spec.label}” không dùng mẫu Excel."})
    df = pd.DataFrame([list(spec.example)], columns=[c.label for c in spec.columns])
    notes = [
        f"Mẫu nhập: {spec.label}. Dòng 1 là tiêu đề cột, dòng 2 là ví dụ: hãy xoá dòng ví dụ.",
        "Cột bắt buộc: " + ", ".join(c.label for c in spec.columns if c.required) + ".",
        "Cột không bắt buộc: " + ", ".join(c.label for c in spec.columns if not c.required) + ".",
        "Ngày ghi dạng ngày/tháng/năm, ví dụ 27/03/2024. Tệp tối đa "
        f"{imports.MAX_MB} MB; lưu dạng .xlsx hoặc CSV UTF-8.",
        spec.help,
    ]
    return to_xlsx(df, "Mẫu nhập", notes)


def imported_data(con: Connection, summary: imports.Summary) -> pd.DataFrame | None:
    """What the user should see after an import: the list or plan that was written into."""
    if summary.kind == "people":
        return people_table(con)
    if summary.kind in ("tasks", "plan") and summary.target:
        return tasks_table(con, summary.target)
    if summary.kind == "skkn" and summary.target:
        return skkn_table(con, summary.target)
    if summary.kind == "scores" and summary.target:
        return results_table(con, summary.target)
    return None
