"""Eligibility, computed from the quy chế, evaluations and SKKN results: ✔/✘ with the reasons."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from lib.access.permissions import User, can_manage_titles
from lib.core import audit
from lib.core.db import Connection, transactional
from lib.core.errors import Invalid
from lib.core.text import vn_key, vn_name_key, vn_name_order
from lib.scoring.rubric import format_number
from lib.titles import skkn
from lib.titles.evaluations import Evaluation, all_disciplines, year_evaluations
from lib.titles.registrations import group_registrations, registrations_table
from lib.titles.rules import (
    GROUP_TITLES,
    RATINGS,
    TITLES,
    Rules,
    check_school_year,
    get_rules,
    rating_rank,
    year_span,
)

COLUMNS = ["person_id", "ho_ten", "to", "danh_hieu", "du_dieu_kien", "ly_do", "dang_ky"]
NO_SKKN = "Chưa có sáng kiến được công nhận trong năm học"
NO_EVALUATION = "Chưa có đánh giá, xếp loại cuối năm học"


def _dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def discipline_in_effect(ev: Evaluation, school_year: str) -> bool:
    """Tell whether the evaluation's discipline was in effect at some time in the school year."""
    if not ev.discipline:
        return False
    first, last = year_span(school_year)
    # No end date: still in effect. A measure that ended before 01/09 no longer counts.
    ends_in_time = ev.discipline_until is None or ev.discipline_until >= first
    starts_in_time = ev.discipline_from is None or ev.discipline_from <= last
    return ends_in_time and starts_in_time


def ldtt_problems(rules: Rules, ev: Evaluation | None, school_year: str) -> list[str]:
    """Why the person is not LĐTT under the rules (empty: eligible)."""
    if ev is None:
        return [NO_EVALUATION]
    problems = []
    if rating_rank(ev.rating) > rating_rank(rules.ldtt_min_rating):
        problems.append(f"Xếp loại {RATINGS[ev.rating]} (cần từ {RATINGS[rules.ldtt_min_rating]})")
    if rules.ldtt_no_discipline and discipline_in_effect(ev, school_year):
        until = f"đến {_dmy(ev.discipline_until)}" if ev.discipline_until else "chưa hết hạn"
        problems.append(f"Bị kỷ luật {ev.discipline} trong năm học ({until})")
    if ev.months_counted < rules.ldtt_min_months:
        counted = (
            f", kể cả {format_number(ev.counted_months)} tháng nghỉ được tính"
            if (ev.counted_months)
            else ""
        )
        problems.append(
            f"Công tác {format_number(ev.months_counted)} tháng{counted} "
            f"(cần từ {format_number(rules.ldtt_min_months)})"
        )
    if ev.days_off >= rules.ldtt_days_off_below:
        problems.append(f"Nghỉ {ev.days_off} ngày làm việc (≥ {rules.ldtt_days_off_below})")
    return problems


def ldtt_summary(ev: Evaluation) -> str:
    """What made the person eligible, in words."""
    counted = (
        f" (kể cả {format_number(ev.counted_months)} tháng nghỉ được tính)"
        if (ev.counted_months)
        else ""
    )
    return (
        f"{RATINGS[ev.rating]}; công tác {format_number(ev.months_counted)} tháng{counted}; "
        f"nghỉ {ev.days_off} ngày làm việc"
    )


def _recognition_text(r: skkn.Recognition) -> str:
    share = "" if r.share >= 100 else f", đồng tác giả {format_number(Decimal(str(r.share)))}%"
    return f"{r.code} xếp loại {r.grade}{share}"


def quota(rules: Rules, n_ldtt: int) -> int:
    """The most CSTĐCS the school may propose for this many LĐTT."""
    exact = rules.quota_percent * n_ldtt / 100
    if rules.quota_rounding == "lên":
        return math.ceil(exact)
    if rules.quota_rounding == "gần nhất":
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return math.floor(exact)


@dataclass(frozen=True)
class Verdict:
    """One person's (or tổ's) eligibility for one title."""

    person_id: int | None
    name: str
    group: str
    title: str
    eligible: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _People:
    """The year's people in registration order (Vietnamese names), as plain columns."""

    ids: list[int]
    names: list[str]
    groups: list[str]
    titles: list[str]  # registered title, "" when not registered

    @classmethod
    def of(cls, table: pd.DataFrame) -> _People:
        """From registrations_table()."""
        return cls([int(x) for x in table["person_id"].tolist()], table["full_name"].tolist(),
                   table["group_name"].tolist(), table["title"].tolist())  # fmt: skip


def _person_verdicts(
    con: Connection, year: str, rules: Rules, people: _People
) -> tuple[list[Verdict], dict[int, Evaluation]]:
    evaluations = year_evaluations(con, year)
    recognised: dict[int, list[skkn.Recognition]] = {}
    for r in skkn.recognitions(con, year, rules.skkn_levels):
        recognised.setdefault(r.person_id, []).append(r)
    verdicts = []
    for pid, name, group in zip(people.ids, people.names, people.groups, strict=True):
        ev = evaluations.get(pid)
        problems = ldtt_problems(rules, ev, year)
        ok = not problems
        verdicts.append(Verdict(pid, name, group, "LDTT", ok,
                                tuple(problems) if problems else (ldtt_summary(ev),)))  # type: ignore[arg-type]  # fmt: skip
        mine = recognised.get(pid, [])
        good = [r for r in mine if r.grade in rules.skkn_grades]
        c_problems = [] if ok else ["Chưa đủ điều kiện LĐTT"]
        if not good:
            other = "; ".join(_recognition_text(r) for r in mine)
            c_problems.append(
                NO_SKKN + (f" ({other}; cần {', '.join(rules.skkn_grades)})" if other else "")
            )
        reasons = c_problems or ["Đạt LĐTT; " + "; ".join(_recognition_text(r) for r in good)]
        verdicts.append(Verdict(pid, name, group, "CSTDCS", not c_problems,
                                tuple(reasons)))  # fmt: skip
    return verdicts, evaluations


def _group_verdicts(
    year: str, rules: Rules, people: _People, persons: list[Verdict],
    evaluations: dict[int, Evaluation],
) -> list[Verdict]:  # fmt: skip
    ok = {(v.person_id, v.title) for v in persons if v.eligible}
    members: dict[str, list[tuple[int, str]]] = {}  # tổ -> (id, name), in people's order
    for pid, name, group in zip(people.ids, people.names, people.groups, strict=True):
        if group:
            members.setdefault(group, []).append((pid, name))
    out = []
    for group in sorted(members, key=vn_key):
        ids = [pid for pid, _ in members[group]]
        names = dict(members[group])
        n = len(ids)
        n_ldtt = sum((pid, "LDTT") in ok for pid in ids)
        n_cstdcs = sum((pid, "CSTDCS") in ok for pid in ids)
        share = Decimal(n_ldtt) * 100 / n
        shown = format_number(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        for title in GROUP_TITLES:
            c = rules.collective(title)
            problems = []
            if c.share_above is not None and not share > c.share_above:
                problems.append(f"{n_ldtt}/{n} thành viên đạt LĐTT ({shown}%, cần trên "
                                f"{format_number(c.share_above)}%)")  # fmt: skip
            if c.share_min is not None and not share >= c.share_min:
                problems.append(f"{n_ldtt}/{n} thành viên đạt LĐTT ({shown}%, cần từ "
                                f"{format_number(c.share_min)}%)")  # fmt: skip
            if c.min_cstdcs is not None and n_cstdcs < c.min_cstdcs:
                problems.append(f"Có {n_cstdcs} thành viên đủ điều kiện CSTĐCS (cần từ "
                                f"{c.min_cstdcs})")  # fmt: skip
            if c.all_members_min_rating:
                for pid in ids:
                    ev = evaluations.get(pid)
                    if ev is None:
                        problems.append(f"{names[pid]}: {NO_EVALUATION.lower()}")
                    elif rating_rank(ev.rating) > rating_rank(c.all_members_min_rating):
                        problems.append(f"{names[pid]} xếp loại {RATINGS[ev.rating]} (cần từ "
                                        f"{RATINGS[c.all_members_min_rating]})")  # fmt: skip
            if c.no_member_discipline_from:
                floor = rules.severity(c.no_member_discipline_from)
                for pid in ids:
                    ev = evaluations.get(pid)
                    if (
                        ev
                        and discipline_in_effect(ev, year)
                        and rules.severity(ev.discipline) >= (floor)
                    ):
                        problems.append(f"{names[pid]} bị kỷ luật {ev.discipline}")
            reasons = problems or [f"{n_ldtt}/{n} thành viên đạt LĐTT ({shown}%), "
                                   f"{n_cstdcs} đủ điều kiện CSTĐCS"]  # fmt: skip
            out.append(Verdict(None, group, group, title, not problems, tuple(reasons)))
    return out


def _verdicts(con: Connection, year: str, rules: Rules, people: _People) -> list[Verdict]:
    persons, evaluations = _person_verdicts(con, year, rules, people)
    return persons + _group_verdicts(year, rules, people, persons, evaluations)


def verdicts(con: Connection, school_year: str, rules: Rules | None = None) -> list[Verdict]:
    """Every person's LĐTT and CSTĐCS verdicts, then every tổ's collective ones."""
    year = check_school_year(school_year)
    rules = rules or get_rules(con, year)
    return _verdicts(con, year, rules, _People.of(registrations_table(con, year)))


def eligibility(con: Connection, school_year: str, rules: Rules | None = None) -> pd.DataFrame:
    """The eligibility table: person_id, ho_ten, to, danh_hieu, du_dieu_kien, ly_do, dang_ky.

    Collective rows carry the tổ in ho_ten and no person_id; dang_ky is the registered title."""
    year = check_school_year(school_year)
    rules = rules or get_rules(con, year)
    people = _People.of(registrations_table(con, year))  # read once for verdicts and dang_ky
    registered = dict(zip(people.ids, people.titles, strict=True))
    groups = group_registrations(con, year)
    found = _verdicts(con, year, rules, people)
    columns: dict[str, list] = {
        "person_id": [v.person_id for v in found],
        "ho_ten": [v.name for v in found],
        "to": [v.group for v in found],
        "danh_hieu": [v.title for v in found],
        "du_dieu_kien": [v.eligible for v in found],
        "ly_do": ["; ".join(v.reasons) for v in found],
        "dang_ky": [
            registered.get(v.person_id, "") if v.person_id is not None else groups.get(v.name, "")
            for v in found
        ],  # fmt: skip
    }
    df = pd.DataFrame(columns, columns=COLUMNS)
    df["person_id"] = df["person_id"].astype("Int64")
    return df


def export_table(df: pd.DataFrame) -> pd.DataFrame:
    """The eligibility table in the CLI's columns (ho_ten, to, danh_hieu, du_dieu_kien, ly_do)."""
    out = df[["ho_ten", "to", "danh_hieu", "du_dieu_kien", "ly_do"]].copy()
    out["du_dieu_kien"] = out["du_dieu_kien"].map({True: "co", False: "khong"})
    return out


# --- the final list: registered and eligible, CSTĐCS within the quota ------------------------


@dataclass(frozen=True)
class FinalList:
    """Who the council proposes: people per title, tổ per title, and the CSTĐCS quota."""

    ldtt: tuple[int, ...]
    cstdcs: tuple[int, ...]
    groups: dict[str, tuple[str, ...]]
    quota: int
    candidates: tuple[int, ...]  # eligible, registered CSTĐCS
    message: str  # empty when the list is within the quota
    # Everyone's (name, tổ) by id, in Vietnamese name order: the lists' names (eligibility's).
    people: dict[int, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)


def _chosen(con: Connection, year: str) -> list[int]:
    rows = con.execute(
        "SELECT person_id FROM cstdcs_choices WHERE school_year = ?", [year]
    ).fetchall()
    return [int(r[0]) for r in rows]


def final_list(
    con: Connection, school_year: str, rules: Rules | None = None, df: pd.DataFrame | None = None
) -> FinalList:
    """The list proposed for each title, with the CSTĐCS quota enforced and explained.

    df is the year's eligibility() under these rules when the caller already has it."""
    year = check_school_year(school_year)
    rules = rules or get_rules(con, year)
    df = eligibility(con, year, rules) if df is None else df
    ok = df[df["du_dieu_kien"]]
    people = ok[ok["person_id"].notna()]
    # Registering for CSTĐCS is registering for LĐTT too (CSTĐCS requires it).
    is_ldtt = (people["danh_hieu"] == "LDTT") & (people["dang_ky"] != "")
    is_cstdcs = (people["danh_hieu"] == "CSTDCS") & (people["dang_ky"] == "CSTDCS")
    ldtt = [int(x) for x in people[is_ldtt]["person_id"]]
    candidates = [int(x) for x in people[is_cstdcs]["person_id"]]
    limit = quota(rules, len(ldtt))
    chosen = [pid for pid in _chosen(con, year) if pid in candidates]
    message = ""
    if len(candidates) <= limit:
        cstdcs = candidates
    elif chosen and len(chosen) <= limit:
        cstdcs = chosen
    else:
        cstdcs = []
        message = (
            f"{len(candidates)} người đủ điều kiện CSTĐCS nhưng chỉ tiêu là {limit} "
            f"({format_number(rules.quota_percent)}% của {len(ldtt)} LĐTT, làm tròn "
            f"{rules.quota_rounding}): Hội đồng chọn tối đa {limit} người trước khi lập danh sách."
        )
    groups_ok = df[df["person_id"].isna() & df["du_dieu_kien"] & (df["dang_ky"] == df["danh_hieu"])]
    groups = {t: tuple(groups_ok[groups_ok["danh_hieu"] == t]["ho_ten"]) for t in GROUP_TITLES}
    everyone = df[df["danh_hieu"] == "LDTT"]  # one row per person, in registration order
    ids = [int(x) for x in everyone["person_id"].tolist()]
    pairs = zip(everyone["ho_ten"].tolist(), everyone["to"].tolist(), strict=True)
    names = dict(zip(ids, pairs, strict=True))
    return FinalList(tuple(ldtt), tuple(cstdcs), groups, limit, tuple(candidates), message, names)


@transactional
def choose_cstdcs(
    con: Connection, user: User | None, school_year: str, person_ids: list[int]
) -> None:
    """The council's choice of CSTĐCS when more are eligible than the quota (admins only)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ chọn danh sách CSTĐCS."})
    assert user is not None
    year = check_school_year(school_year)
    fl = final_list(con, year)
    outside = [pid for pid in person_ids if pid not in fl.candidates]
    if outside:
        raise Invalid({"cstdcs": "Chỉ chọn được người đã đăng ký và đủ điều kiện CSTĐCS."})
    if len(set(person_ids)) > fl.quota:
        raise Invalid(
            {"cstdcs": f"Đã chọn {len(set(person_ids))} người, vượt chỉ tiêu CSTĐCS ({fl.quota})."}
        )
    con.execute("DELETE FROM cstdcs_choices WHERE school_year = ?", [year])
    for pid in sorted(set(person_ids)):
        con.execute(
            "INSERT INTO cstdcs_choices (school_year, person_id, chosen_by) VALUES (?, ?, ?)",
            [year, pid, user.username],
        )
    audit.record(con, user.username, "choose_cstdcs", "title_year", year, None, person_ids)


def final_table(con: Connection, school_year: str, fl: FinalList | None = None) -> pd.DataFrame:
    """The final list as rows: danh_hieu, ho_ten, to (people in Vietnamese name order).

    fl is the year's final_list() when the caller already has it."""
    fl = final_list(con, school_year) if fl is None else fl
    people = fl.people
    rows = []
    for title, ids in (("LDTT", fl.ldtt), ("CSTDCS", fl.cstdcs)):
        for pid in sorted(ids, key=lambda i: vn_name_key(people[i][0])):
            name, group = people[pid]
            rows.append([TITLES[title], name, group])
    for title, names in fl.groups.items():
        rows += [[TITLES[title], g, g] for g in names]
    return pd.DataFrame(rows, columns=["danh_hieu", "ho_ten", "to"])


# --- Kỷ niệm chương "Vì sự nghiệp giáo dục" ---------------------------------------------------


def full_years(start: date, on: date) -> int:
    """Completed years from start to on."""
    years = on.year - start.year
    return years - (1 if (on.month, on.day) < (start.month, start.day) else 0)


def medal_list(con: Connection, school_year: str, rules: Rules | None = None) -> pd.DataFrame:
    """Everyone with their years in the sector at the end of the school year and the verdict.

    Columns: person_id, ho_ten, so_nam, du_dieu_kien, ly_do."""
    year = check_school_year(school_year)
    rules = rules or get_rules(con, year)
    _, on = year_span(year)
    since = date(on.year - rules.medal_no_discipline_years, on.month, on.day)
    received = dict(con.execute("SELECT person_id, school_year FROM medal_awards").fetchall())
    disciplines: dict[int, list[str]] = {}
    for pid, y, measure, start, until in all_disciplines(con):
        if (until is None or until >= since) and (start is None or start <= on):
            disciplines.setdefault(int(pid), []).append(f"{measure} (năm học {y})")
    rows = []
    for pid, name, start in con.execute("SELECT id, full_name, start_date FROM people").fetchall():
        problems = []
        years = full_years(start, on) if start else None
        if years is None:
            problems.append("Chưa có ngày vào ngành")
        elif years < rules.medal_years:
            problems.append(f"Mới {years} năm trong ngành (cần {rules.medal_years})")
        if rules.medal_once and pid in received:
            problems.append(f"Đã nhận Kỷ niệm chương (năm học {received[pid]})")
        if pid in disciplines:
            problems.append(f"Bị kỷ luật trong {rules.medal_no_discipline_years} năm gần nhất: "
                            + "; ".join(disciplines[pid]))  # fmt: skip
        reason = "; ".join(problems) or f"Đủ {years} năm trong ngành tính đến {_dmy(on)}"
        rows.append([int(pid), name, years, not problems, reason])
    # Sorted as rows, before the frame is made: a key looked up in the frame per row cost more
    # than the rest of the list at district scale.
    rows = [rows[i] for i in vn_name_order([row[1] for row in rows])]
    df = pd.DataFrame(rows, columns=["person_id", "ho_ten", "so_nam", "du_dieu_kien", "ly_do"])
    df["so_nam"] = df["so_nam"].astype("Int64")
    return df


@transactional
def record_medal(
    con: Connection, user: User | None, person_id: int, school_year: str, note: str = ""
) -> None:
    """Record that a person received the medal (it is then never proposed again)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ ghi nhận Kỷ niệm chương."})
    assert user is not None
    year = check_school_year(school_year)
    con.execute(
        "INSERT INTO medal_awards (person_id, school_year, note, created_by) VALUES (?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [person_id, year, note, user.username],
    )
    audit.record(con, user.username, "medal", "person", person_id, None, year)
