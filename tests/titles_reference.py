"""The simple bình xét, as lib.titles computed it before the speed work (main at 8ffaed6): the
reference the faster lib must agree with on every row, number, reason and order.

Each table is read again wherever it is needed, rows are walked with itertuples and sorted by
looking each key up in the frame: slow at district scale, plainly right. The rules themselves
(ldtt_problems, quota, discipline_in_effect…) are lib's own: only the passes around them differ.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from lib.access.permissions import is_published
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import vn_key, vn_name_key
from lib.documents import organization
from lib.scoring.entries import authors_of
from lib.scoring.results import results as round_results
from lib.scoring.rubric import format_number
from lib.titles import ballots, meeting, skkn
from lib.titles.eligibility import (
    COLUMNS,
    NO_EVALUATION,
    NO_SKKN,
    FinalList,
    Verdict,
    _chosen,
    _dmy,
    _recognition_text,
    discipline_in_effect,
    full_years,
    ldtt_problems,
    ldtt_summary,
    quota,
)
from lib.titles.evaluations import all_disciplines, year_evaluations
from lib.titles.registrations import group_registrations
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


def registrations_table(con: Connection, school_year: str) -> pd.DataFrame:
    df = con.execute(
        "SELECT p.id AS person_id, p.full_name, p.group_name, u.username, "
        "       coalesce(r.title, '') AS title, coalesce(r.skkn_title, '') AS skkn_title, "
        "       coalesce(r.skkn_field, '') AS skkn_field, r.entry_id "
        "FROM people p LEFT JOIN users u ON u.person_id = p.id "
        "LEFT JOIN title_registrations r ON r.person_id = p.id AND r.school_year = ?",
        [school_year],
    ).df()
    df["registered"] = df["title"] != ""
    order = sorted(range(len(df)), key=lambda i: vn_name_key(df["full_name"].iloc[i]))
    return df.iloc[order].reset_index(drop=True)


def evaluations_table(con: Connection, school_year: str) -> pd.DataFrame:
    df = con.execute(
        "SELECT p.id AS person_id, p.full_name, p.group_name, e.rating, e.months_worked, "
        "       e.counted_months, e.days_off, e.discipline, e.discipline_from, "
        "       e.discipline_until "
        "FROM people p LEFT JOIN evaluations e ON e.person_id = p.id AND e.school_year = ?",
        [school_year],
    ).df()
    df["rating_label"] = [RATINGS.get(r, "") if isinstance(r, str) else "" for r in df["rating"]]
    order = sorted(range(len(df)), key=lambda i: vn_name_key(df["full_name"].iloc[i]))
    return df.iloc[order].reset_index(drop=True)


def recognitions(con: Connection, school_year: str, levels: tuple[str, ...]) -> list:
    found = []
    for row in skkn.year_rounds(con, school_year).itertuples(index=False):
        if not is_published(row) or row.level not in levels:
            continue
        res = round_results(con, int(row.id))
        kept = res[~res["withdrawn"] & res["grade"].notna()]
        authors = authors_of(con, [int(x) for x in kept["entry_id"]])
        for entry in kept.itertuples(index=False):
            for a in authors.get(int(entry.entry_id), ()):
                if a.person_id is None:
                    continue
                found.append(
                    skkn.Recognition(int(a.person_id), row.name, row.level, entry.code,
                                     entry.title, str(entry.grade), float(a.share))
                )  # fmt: skip
    return found


def _person_verdicts(con: Connection, year: str, rules: Rules):
    people = registrations_table(con, year)
    evaluations = year_evaluations(con, year)
    recognised: dict[int, list] = {}
    for r in recognitions(con, year, rules.skkn_levels):
        recognised.setdefault(r.person_id, []).append(r)
    verdicts = []
    for p in people.itertuples(index=False):
        pid = int(p.person_id)
        ev = evaluations.get(pid)
        problems = ldtt_problems(rules, ev, year)
        ok = not problems
        verdicts.append(Verdict(pid, p.full_name, p.group_name, "LDTT", ok,
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
        verdicts.append(Verdict(pid, p.full_name, p.group_name, "CSTDCS", not c_problems,
                                tuple(reasons)))  # fmt: skip
    return verdicts, evaluations, people


def _group_verdicts(year, rules, people, persons, evaluations) -> list[Verdict]:
    ok = {(v.person_id, v.title) for v in persons if v.eligible}
    out = []
    groups = sorted({g for g in people["group_name"] if g}, key=vn_key)
    for group in groups:
        members = people[people["group_name"] == group]
        n = len(members)
        ids = [int(x) for x in members["person_id"]]
        names = dict(zip(ids, members["full_name"], strict=True))
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


def verdicts(con: Connection, school_year: str, rules: Rules | None = None) -> list[Verdict]:
    year = check_school_year(school_year)
    rules = rules or get_rules(con, year)
    persons, evaluations, people = _person_verdicts(con, year, rules)
    return persons + _group_verdicts(year, rules, people, persons, evaluations)


def eligibility(con: Connection, school_year: str, rules: Rules | None = None) -> pd.DataFrame:
    year = check_school_year(school_year)
    registered = {
        int(pid): t for pid, t in registrations_table(con, year)[["person_id", "title"]].values
    }
    groups = group_registrations(con, year)
    rows = []
    for v in verdicts(con, year, rules):
        reg = registered.get(v.person_id, "") if v.person_id is not None else groups.get(v.name, "")
        rows.append([v.person_id, v.name, v.group, v.title, v.eligible, "; ".join(v.reasons), reg])
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["person_id"] = df["person_id"].astype("Int64")
    return df


def final_list(con: Connection, school_year: str, rules: Rules | None = None) -> FinalList:
    year = check_school_year(school_year)
    rules = rules or get_rules(con, year)
    df = eligibility(con, year, rules)
    ok = df[df["du_dieu_kien"]]
    people = ok[ok["person_id"].notna()]
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
    return FinalList(tuple(ldtt), tuple(cstdcs), groups, limit, tuple(candidates), message)


def final_table(con: Connection, school_year: str) -> pd.DataFrame:
    fl = final_list(con, school_year)
    people = registrations_table(con, check_school_year(school_year)).set_index("person_id")
    rows = []
    for title, ids in (("LDTT", fl.ldtt), ("CSTDCS", fl.cstdcs)):
        for pid in sorted(ids, key=lambda i: vn_name_key(people.loc[i, "full_name"])):
            person = people.loc[pid]
            rows.append([TITLES[title], person["full_name"], person["group_name"]])
    for title, names in fl.groups.items():
        rows += [[TITLES[title], g, g] for g in names]
    return pd.DataFrame(rows, columns=["danh_hieu", "ho_ten", "to"])


def medal_list(con: Connection, school_year: str, rules: Rules | None = None) -> pd.DataFrame:
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
    df = pd.DataFrame(rows, columns=["person_id", "ho_ten", "so_nam", "du_dieu_kien", "ly_do"])
    df["so_nam"] = df["so_nam"].astype("Int64")
    order = sorted(range(len(df)), key=lambda i: vn_name_key(df["ho_ten"].iloc[i]))
    return df.iloc[order].reset_index(drop=True)


def candidates_of(con: Connection, school_year: str) -> list[tuple[str, str, str]]:
    fl = final_list(con, school_year)
    if fl.message:
        raise Invalid({"candidates": fl.message})
    names = dict(registrations_table(con, school_year)[["person_id", "full_name"]].values)
    found = [(f"p:{pid}", "LDTT", names[pid]) for pid in fl.ldtt]
    found += [(f"p:{pid}", "CSTDCS", names[pid]) for pid in fl.cstdcs]
    for title, groups in fl.groups.items():
        found += [(f"g:{g}", title, g) for g in groups]
    return found


def ballot_candidates(con: Connection, ballot_id: int) -> pd.DataFrame:
    df = con.execute(
        "SELECT subject, title, name FROM ballot_candidates WHERE ballot_id = ?", [ballot_id]
    ).df()
    order = sorted(
        range(len(df)),
        key=lambda i: (list(TITLES).index(df["title"].iloc[i]), vn_name_key(df["name"].iloc[i])),
    )
    return df.iloc[order].reset_index(drop=True)


def tallies(con: Connection, ballot_id: int) -> pd.DataFrame:
    ballot = ballots.require_ballot(con, ballot_id)
    counts = {
        (s, t): (int(a), int(d))
        for s, t, a, d in con.execute(
            "SELECT subject, title, count(*) FILTER (WHERE agree), count(*) FILTER (WHERE NOT "
            "agree) FROM ballot_votes WHERE ballot_id = ? GROUP BY ALL",
            [ballot_id],
        ).fetchall()
    }
    df = ballot_candidates(con, ballot_id)
    keys = list(zip(df["subject"], df["title"], strict=True))
    df["dong_y"] = [counts.get(k, (0, 0))[0] for k in keys]
    df["khong_dong_y"] = [counts.get(k, (0, 0))[1] for k in keys]
    df["co_mat"] = ballot.present
    return df


def vote_counts(con: Connection, school_year: str) -> dict:
    year = check_school_year(school_year)
    votes: dict = {}
    ballot = con.execute(
        "SELECT id FROM title_ballots WHERE school_year = ? AND state = 'closed' "
        "ORDER BY id DESC LIMIT 1",
        [year],
    ).fetchone()
    if ballot:
        for r in tallies(con, int(ballot[0])).itertuples():
            votes[(r.subject, r.title)] = (r.name, r.dong_y, r.khong_dong_y, r.co_mat)
    for s, t, n, a, d, p in con.execute(
        "SELECT subject, title, name, agree, disagree, present FROM paper_tallies "
        "WHERE school_year = ?",
        [year],
    ).fetchall():
        votes[(s, t)] = (n, int(a), int(d), int(p))
    return votes


def results(con: Connection, school_year: str) -> pd.DataFrame:
    year = check_school_year(school_year)
    rules = get_rules(con, year)
    votes = vote_counts(con, year)
    eligible = eligibility(con, year, rules)
    ok = set()
    for r in eligible[eligible["du_dieu_kien"]].itertuples():
        ok.add((f"p:{int(r.person_id)}" if pd.notna(r.person_id) else f"g:{r.ho_ten}", r.danh_hieu))
    rows = []
    for (subject, title), (name, yes, _no, present) in votes.items():
        share = Decimal(yes) * 100 / present
        need = rules.vote[title]
        shown = format_number(share.quantize(Decimal("0.1")))
        problems = []
        if (subject, title) not in ok:
            problems.append("Không còn đủ điều kiện")
        if share < need:
            problems.append(f"{yes}/{present} đồng ý ({shown}%, cần từ {format_number(need)}%)")
        reason = "; ".join(problems) or f"{yes}/{present} đồng ý ({shown}%)"
        rows.append([name, title, "khong_dat" if problems else "dat", reason])
    return pd.DataFrame(rows, columns=["ho_ten", "danh_hieu", "ket_qua", "ly_do"])


def why_not(con: Connection, kind: str, school_year: str) -> str | None:
    year = check_school_year(school_year)
    missing = organization.get(con).missing()
    if missing:
        return "Chưa khai báo Thông tin đơn vị: " + ", ".join(missing) + "."
    if kind == "phieu-bau":
        if not candidates_of(con, year):
            return "Chưa có ai trong danh sách đề nghị."
        return None
    if not vote_counts(con, year):
        return "Lập sau khi có kết quả biểu quyết (phiếu giấy hoặc bỏ phiếu đã đóng)."
    if meeting.get_meeting(con, year) is None:
        return "Chưa ghi thông tin cuộc họp bình xét (thẻ “Biểu quyết”)."
    return None
