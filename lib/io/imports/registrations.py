"""Import a school year's đăng ký thi đua: each person's title and SKKN, each tổ's title."""

from __future__ import annotations

import pandas as pd

from lib.core.db import Connection
from lib.io.columns import ColumnSpec
from lib.io.imports import pipeline
from lib.io.imports.evaluations import YEAR_TARGET, labelled
from lib.io.imports.pipeline import KINDS, Checked, Kind, Progress, Summary, register
from lib.titles import registrations

_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("Họ tên", "Tên cán bộ", "Tên tập thể"),
    "username": ("Tài khoản",),
    "title": ("Danh hiệu", "Đăng ký danh hiệu"),
    "skkn_title": ("Tên sáng kiến", "Tên đề tài"),
    "skkn_field": ("Môn", "Môn/Lĩnh vực"),
}
REGISTRATION_COLUMNS = tuple(
    ColumnSpec(field, label in registrations.REQUIRED, _ALIASES.get(field, ()), label)
    for label, field in registrations.COLUMNS.items()
)


def check_registrations(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check a registrations file for a school year: every problem with its row and column."""
    kind = KINDS["registrations"]
    checked = Checked(kind="registrations", table=pipeline.shown_rows(kind, table))
    planned, problems = registrations.check_registrations(con, labelled(kind, table), target or "")
    checked.problems.extend(problems)
    if problems:
        return checked
    year = planned.school_year
    known = registrations.year_registrations(con, year)
    for person_id, title, skkn_title, skkn_field in planned.people:
        old = known.get(person_id)
        if old is None:
            checked.added += 1
        elif (old.title, old.skkn_title, old.skkn_field) == (title, skkn_title, skkn_field):
            checked.unchanged += 1
        else:
            checked.updated += 1
    stored = registrations.group_registrations(con, year)
    for group, title in planned.groups:
        if group not in stored:
            checked.added += 1
        elif stored[group] == title:
            checked.unchanged += 1
        else:
            checked.updated += 1
    checked.payload = planned
    return checked


def write_registrations(con: Connection, checked: Checked, actor: str) -> Summary:
    """Store the checked registrations through the titles rules."""
    planned: registrations.Planned = checked.payload
    registrations.write_registrations(con, planned, actor)
    return Summary("registrations", checked.added, checked.updated, checked.unchanged,
                   f"Năm học {planned.school_year}.", planned.school_year)  # fmt: skip


register(
    Kind(
        name="registrations",
        label="Đăng ký thi đua",
        extensions=(".xlsx", ".csv", ".txt"),
        read=pipeline.read_columns,
        check=check_registrations,
        write=write_registrations,
        columns=REGISTRATION_COLUMNS,
        example=(
            "Nguyễn Thị Lan",
            "",
            "CSTĐCS",
            "Một số biện pháp giúp trẻ 5-6 tuổi phát triển ngôn ngữ",
            "Giáo dục mầm non",
        ),  # fmt: skip
        target="year",
        help="Mỗi người một dòng, ghi họ và tên hoặc tên đăng nhập; danh hiệu LĐTT hoặc CSTĐCS, "
        "kèm tên và lĩnh vực SKKN nếu có. Danh hiệu tập thể (TTLĐTT, TTLĐXS): ghi tên tổ ở cột "
        "Họ và tên. Người, tổ đã đăng ký trong năm học thì được cập nhật.",
    ),
    YEAR_TARGET,
)
