"""Import a school year's evaluations (xếp loại, months, days off, discipline) per person."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib.core.db import Connection
from lib.io.columns import ColumnSpec
from lib.io.imports import arrays, pipeline
from lib.io.imports.pipeline import KINDS, Checked, Kind, Progress, Summary, Target, register
from lib.io.uploads import ROW_COLUMN
from lib.titles import evaluations
from lib.titles.rules import year_choices

# Canonical names are the titles module's fields; labels are its file columns.
_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("Họ tên", "Tên cán bộ"),
    "username": ("Tài khoản",),
    "rating": ("Xếp loại viên chức", "Đánh giá"),
    "months_worked": ("Số tháng", "Tháng công tác"),
    "days_off": ("Ngày nghỉ", "Số ngày nghỉ làm việc"),
}
EVALUATION_COLUMNS = tuple(
    ColumnSpec(field, label in evaluations.REQUIRED, _ALIASES.get(field, ()), label)
    for label, field in evaluations.COLUMNS.items()
)
# Either of these names the person; a column left entirely empty counts as absent.
IDENTITY = ("full_name", "username")


def _year_choices(con: Connection) -> dict[str, str]:
    return {y: f"Năm học {y}" for y in year_choices(con, date.today())}


YEAR_TARGET = ("year", Target("Năm học", _year_choices, "Chưa có năm học nào."))


def labelled(kind: Kind, table: pd.DataFrame) -> pd.DataFrame:
    """The file's cells (cleaned) headed by the Vietnamese labels, identity columns kept if used."""
    names = [c.name for c in kind.columns]
    out = pd.DataFrame(
        {ROW_COLUMN: table[ROW_COLUMN].astype(int).tolist(),
         **{kind.spec(n).label: arrays.texts(table, n).to_pylist() for n in names}},
        columns=[ROW_COLUMN, *[c.label for c in kind.columns]],
    )  # fmt: skip
    for name in IDENTITY:
        label = kind.spec(name).label
        if not (out[label] != "").any():
            out = out.drop(columns=label)
    return out


def check_evaluations(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check an evaluations file for a school year: every problem with its row and column."""
    kind = KINDS["evaluations"]
    checked = Checked(kind="evaluations", table=pipeline.shown_rows(kind, table))
    planned, problems = evaluations.check_evaluations(con, labelled(kind, table), target or "")
    checked.problems.extend(problems)
    if problems:
        return checked
    stored = evaluations.year_evaluations(con, planned.school_year)
    for ev in planned.evaluations:
        old = stored.get(ev.person_id)
        if old is None:
            checked.added += 1
        elif old == ev:
            checked.unchanged += 1
        else:
            checked.updated += 1
    checked.payload = planned
    return checked


def write_evaluations(con: Connection, checked: Checked, actor: str) -> Summary:
    """Store the checked evaluations through the titles rules."""
    planned: evaluations.Planned = checked.payload
    evaluations.write_evaluations(con, planned, actor)
    return Summary("evaluations", checked.added, checked.updated, checked.unchanged,
                   f"Năm học {planned.school_year}.", planned.school_year)  # fmt: skip


register(
    Kind(
        name="evaluations",
        label="Đánh giá cuối năm (bình xét thi đua)",
        extensions=(".xlsx", ".csv", ".txt"),
        read=pipeline.read_columns,
        check=check_evaluations,
        write=write_evaluations,
        columns=EVALUATION_COLUMNS,
        example=(
            "Nguyễn Thị Lan",
            "",
            "Hoàn thành tốt nhiệm vụ",
            "10",
            "0",
            "3",
            "",
            "",
            "",
        ),  # fmt: skip
        target="year",
        help="Mỗi người một dòng, ghi họ và tên hoặc tên đăng nhập. Xếp loại: Hoàn thành xuất "
        "sắc / tốt / Hoàn thành / Không hoàn thành nhiệm vụ. Số tháng có thể có phần lẻ (9,5); "
        "kỷ luật để trống nếu không có. Người đã có đánh giá trong năm học thì được cập nhật.",
    ),
    YEAR_TARGET,
)
