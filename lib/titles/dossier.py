"""Hồ sơ thi đua: a person's titles and their tổ's, SKKN recognitions, medal; a tổ's titles."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import vn_name_key
from lib.titles.documents import Voted, voted
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
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)  # the tổ's collective titles


GROUP_COLUMNS = ["Năm học", "Tập thể", "Danh hiệu", "Kết quả", "Biểu quyết"]


def group_choices(con: Connection) -> list[str]:
    """Every tổ that has people or was voted on, in Vietnamese order (the admin's picker)."""
    found = {g for (g,) in con.execute("SELECT DISTINCT group_name FROM people").fetchall() if g}
    for year in known_years(con):
        found |= {v.name for v in voted(con, year) if v.subject.startswith("g:")}
    return sorted(found, key=vn_name_key)


def _voted_by_year(con: Connection) -> dict[str, list[Voted]]:
    """What was voted on, per school year the app knows, newest first."""
    return {year: voted(con, year) for year in sorted(known_years(con), reverse=True)}


def group_titles(
    con: Connection, group: str, by_year: dict[str, list[Voted]] | None = None
) -> pd.DataFrame:
    """The collective titles (TTLĐTT, TTLĐXS) a tổ was voted on, every year, newest first."""
    rows = []
    for year, found in (by_year or _voted_by_year(con)).items():
        for v in found:
            if v.subject == f"g:{group}":
                rows.append([year, group, f"{TITLE_NAMES[v.title]} ({TITLES[v.title]})",
                             "Đạt" if v.granted else "Không đạt", v.reason])  # fmt: skip
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


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
    by_year = _voted_by_year(con)  # each year's vote is worked out once for both tables
    for year, found in by_year.items():
        for v in found:
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
        # The person's tổ's titles: a member shares in them (the tổ as it is now recorded).
        group_titles(con, row[1], by_year) if row[1] else pd.DataFrame(columns=GROUP_COLUMNS),
    )
