"""Hồ sơ thi đua: one person's titles, SKKN recognitions and medal over every school year."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import vn_name_key
from lib.titles.documents import voted
from lib.titles.rules import TITLE_NAMES, TITLES, known_years


@dataclass(frozen=True)
class Dossier:
    """What the hồ sơ page shows: who, titles per year, SKKN recognized, the medal if any."""

    person_id: int
    name: str
    group: str
    titles: pd.DataFrame  # Năm học, Danh hiệu, Kết quả, Biểu quyết
    skkn: pd.DataFrame  # Năm học, Cấp, Tên SKKN, Tỉ lệ, Xếp loại
    medal: str  # "" when not received


def people_choices(con: Connection) -> dict[int, str]:
    """Everyone by id, shown as name (tổ), in Vietnamese name order (the admin's picker)."""
    rows = con.execute("SELECT id, full_name, group_name FROM people").fetchall()
    rows.sort(key=lambda r: vn_name_key(r[1]))
    return {int(i): f"{n} ({g})" if g else n for i, n, g in rows}


def dossier(con: Connection, person_id: int) -> Dossier:
    """The person's record over every school year the app knows, newest first."""
    row = con.execute(
        "SELECT full_name, group_name FROM people WHERE id = ?", [person_id]
    ).fetchone()
    if row is None:
        raise Invalid({"person": f"Không có cán bộ số {person_id}."})
    subject = f"p:{person_id}"
    titles = []
    for year in sorted(known_years(con), reverse=True):
        for v in voted(con, year):
            if v.subject == subject:
                titles.append([year, f"{TITLE_NAMES[v.title]} ({TITLES[v.title]})",
                               "Đạt" if v.granted else "Không đạt", v.reason])  # fmt: skip
    skkn = con.execute(
        "SELECT r.school_year, r.level, e.title, r.share, r.grade FROM recognitions r "
        "JOIN entries e ON e.id = r.entry_id WHERE r.person_id = ? "
        "ORDER BY r.school_year DESC, e.code",
        [person_id],
    ).fetchall()
    medal = con.execute(
        "SELECT school_year FROM medal_awards WHERE person_id = ?", [person_id]
    ).fetchone()
    return Dossier(
        person_id,
        row[0],
        row[1],
        pd.DataFrame(titles, columns=["Năm học", "Danh hiệu", "Kết quả", "Biểu quyết"]),
        pd.DataFrame(
            [[y, lvl, t, f"{float(s):g}%", g] for y, lvl, t, s, g in skkn],
            columns=["Năm học", "Cấp", "Tên SKKN", "Tỉ lệ", "Xếp loại"],
        ),
        f"Đã nhận Kỷ niệm chương “Vì sự nghiệp giáo dục” (năm học {medal[0]})." if medal else "",
    )
