"""The council's vote: paper tallies and the anonymous phone ballot, and the titles granted."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd

from lib.access.identity import name_key
from lib.access.permissions import User, can_manage_titles, why_cannot_vote
from lib.core import audit
from lib.core.db import Connection, registered, retrying, transaction, transactional
from lib.core.errors import Invalid
from lib.core.text import vn_name_key
from lib.io.uploads import ROW_COLUMN
from lib.scoring.rubric import format_number, parse_number
from lib.titles import eligibility as el
from lib.titles.meeting import NO_MEETING, get_meeting
from lib.titles.rules import TITLES, check_school_year, get_rules, lock_rules, title_code

_SHUFFLE = random.SystemRandom()
NOT_PRESENT = (
    "Biên bản cuộc họp không ghi bạn có mặt: chỉ thành viên có mặt được bỏ phiếu (Thư ký HĐ "
    "sửa thành phần tham dự nếu ghi nhầm)."
)
ALREADY_VOTED = "Bạn đã bỏ phiếu: phiếu của bạn đã được tính."


@dataclass(frozen=True)
class Ballot:
    """A phone ballot of the council meeting."""

    id: int
    school_year: str
    present: int
    state: str  # open, closed


def _ballot(row) -> Ballot:
    return Ballot(int(row[0]), row[1], int(row[2]), row[3])


def current_ballot(con: Connection, school_year: str) -> Ballot | None:
    """The year's latest phone ballot, or None."""
    row = con.execute(
        "SELECT id, school_year, present, state FROM title_ballots WHERE school_year = ? "
        "ORDER BY id DESC LIMIT 1",
        [school_year],
    ).fetchone()
    return _ballot(row) if row else None


def open_now(con: Connection) -> Ballot | None:
    """The ballot open right now (any year), or None."""
    row = con.execute(
        "SELECT id, school_year, present, state FROM title_ballots WHERE state = 'open' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return _ballot(row) if row else None


def require_ballot(con: Connection, ballot_id: int) -> Ballot:
    """The ballot, or Invalid."""
    row = con.execute(
        "SELECT id, school_year, present, state FROM title_ballots WHERE id = ?", [ballot_id]
    ).fetchone()
    if row is None:
        raise Invalid({"ballot": f"Không có cuộc bỏ phiếu số {ballot_id}."})
    return _ballot(row)


def candidates_of(
    con: Connection, school_year: str, fl: el.FinalList | None = None
) -> list[tuple[str, str, str]]:
    """The final list as candidates: (subject, title, name); refused while over the quota.

    fl is the year's final_list() when the caller already has it."""
    fl = el.final_list(con, school_year) if fl is None else fl
    if fl.message:
        raise Invalid({"candidates": fl.message})
    names = {pid: name for pid, (name, _) in fl.people.items()}
    found = [(f"p:{pid}", "LDTT", names[pid]) for pid in fl.ldtt]
    found += [(f"p:{pid}", "CSTDCS", names[pid]) for pid in fl.cstdcs]
    for title, groups in fl.groups.items():
        found += [(f"g:{g}", title, g) for g in groups]
    return found


def _present(value: object) -> int:
    try:
        number = parse_number(value)
    except ValueError:
        number = None
    if number is None or number <= 0 or number != number.to_integral_value():
        raise Invalid({"present": f"Số thành viên có mặt “{value}” phải là số nguyên dương."})
    return int(number)


@transactional
def open_ballot(
    con: Connection, user: User | None, school_year: str, present: object = None
) -> int:
    """The chair opens a phone ballot on the year's final list; the quy chế locks. The number
    present is the meeting record's (given by hand only where no meeting is recorded)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch HĐ mở cuộc bỏ phiếu."})
    assert user is not None
    year = check_school_year(school_year)
    meeting = get_meeting(con, year)
    if meeting is None and present is None:
        raise Invalid({"meeting": NO_MEETING})
    if meeting is not None:
        if present is not None and _present(present) != meeting.present:
            raise Invalid({"present": f"Biên bản cuộc họp ghi {meeting.present} thành viên có "
                           f"mặt, không phải {present}."})  # fmt: skip
        present = meeting.present
        if present == 0:
            raise Invalid({"present": "Biên bản cuộc họp chưa ghi thành viên nào có mặt."})
    n_present = _present(present)
    now = current_ballot(con, year)
    if now and now.state == "open":
        raise Invalid({"ballot": "Đang có một cuộc bỏ phiếu mở: đóng nó trước."})
    candidates = candidates_of(con, year)
    if not candidates:
        raise Invalid({"candidates": "Chưa có ai trong danh sách đề nghị để bỏ phiếu."})
    row = con.execute(
        "INSERT INTO title_ballots (school_year, present, opened_by) VALUES (?, ?, ?) RETURNING id",
        [year, n_present, user.username],
    ).fetchone()
    assert row is not None
    ballot_id = int(row[0])
    for subject, title, name in candidates:
        con.execute(
            "INSERT INTO ballot_candidates VALUES (?, ?, ?, ?)", [ballot_id, subject, title, name]
        )
    lock_rules(con, year, user.username)
    audit.record(
        con,
        user.username,
        "open",
        "ballot",
        ballot_id,
        None,
        {"present": n_present, "candidates": len(candidates)},
    )
    return ballot_id


def ballot_candidates(con: Connection, ballot_id: int) -> pd.DataFrame:
    """The candidates of a ballot: subject, title, name, in list order (title, then name)."""
    df = con.execute(
        "SELECT subject, title, name FROM ballot_candidates WHERE ballot_id = ?", [ballot_id]
    ).df()
    rank = {t: i for i, t in enumerate(TITLES)}
    # Keys as a list, not looked up in the frame per row (hundreds of candidates a district).
    titles, names = df["title"].tolist(), df["name"].tolist()
    keys = [(rank[t], vn_name_key(n)) for t, n in zip(titles, names, strict=True)]
    order = sorted(range(len(df)), key=keys.__getitem__)
    return df.iloc[order].reset_index(drop=True)


def has_voted(con: Connection, ballot_id: int, username: str) -> bool:
    """Tell whether this member's ballot was counted (never what it said)."""
    return (
        con.execute(
            "SELECT 1 FROM ballot_voters WHERE ballot_id = ? AND username = ?",
            [ballot_id, username],
        ).fetchone()
        is not None
    )


def n_voted(con: Connection, ballot_id: int) -> int:
    """How many members have voted."""
    row = con.execute("SELECT count(*) FROM ballot_voters WHERE ballot_id = ?", [ballot_id])
    return int(row.fetchone()[0])  # type: ignore[index]


def why_not_voting(con: Connection, user: User | None, ballot: Ballot | None) -> str | None:
    """Why this member cannot vote on this ballot now (role, state, already voted, recorded
    absent at the meeting), or None when they can."""
    voted = ballot is not None and user is not None and has_voted(con, ballot.id, user.username)
    refused = why_cannot_vote(user, ballot.state if ballot else None, voted)
    if refused or ballot is None or user is None:
        return refused
    meeting = get_meeting(con, ballot.school_year)
    if meeting is not None and user.username not in meeting.present_usernames:
        return NOT_PRESENT
    return None


def cast_vote(
    con: Connection, user: User | None, ballot_id: int, choices: dict[tuple[str, str], bool]
) -> None:
    """Count one member's ballot once: a choice for every candidate, stored with no voter."""
    ballot = require_ballot(con, ballot_id)
    refused = why_not_voting(con, user, ballot)
    if refused:
        raise Invalid({"user": refused})
    assert user is not None
    wanted = {(r.subject, r.title) for r in ballot_candidates(con, ballot_id).itertuples()}
    if set(choices) != wanted:
        raise Invalid({"choices": "Hãy chọn Đồng ý hoặc Không đồng ý cho mọi người trong phiếu."})

    def work(c: Connection) -> None:
        if has_voted(c, ballot_id, user.username):
            raise Invalid({"user": ALREADY_VOTED})
        if require_ballot(c, ballot_id).state != "open":
            raise Invalid({"user": "Cuộc bỏ phiếu đã đóng."})
        try:
            c.execute("INSERT INTO ballot_voters VALUES (?, ?)", [ballot_id, user.username])
        except duckdb.ConstraintException:
            # The same member's other tab committed first: that ballot counts, this one is
            # dropped with the transaction (its votes were not written yet).
            raise Invalid({"user": ALREADY_VOTED}) from None
        rows = c.execute(
            "SELECT subject, title, agree FROM ballot_votes WHERE ballot_id = ?", [ballot_id]
        ).fetchall()
        rows += [(s, t, bool(a)) for (s, t), a in choices.items()]
        # Rewritten in random order every time: the row order tells nothing about who came when.
        _SHUFFLE.shuffle(rows)
        c.execute("DELETE FROM ballot_votes WHERE ballot_id = ?", [ballot_id])
        frame = pd.DataFrame(rows, columns=["subject", "title", "agree"]).assign(
            ballot_id=ballot_id
        )[["ballot_id", "subject", "title", "agree"]]
        with registered(c, _votes_in=frame):
            c.execute("INSERT INTO ballot_votes SELECT * FROM _votes_in")

    retrying(con, work)


@transactional
def close_ballot(con: Connection, user: User | None, ballot_id: int) -> None:
    """The chair closes the ballot; only then are the tallies shown."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch HĐ đóng cuộc bỏ phiếu."})
    assert user is not None
    ballot = require_ballot(con, ballot_id)
    if ballot.state != "open":
        raise Invalid({"ballot": "Cuộc bỏ phiếu đã đóng."})
    con.execute(
        "UPDATE title_ballots SET state = 'closed', closed_at = current_localtimestamp() "
        "WHERE id = ?",
        [ballot_id],
    )
    audit.record(
        con, user.username, "close", "ballot", ballot_id, None, {"voted": n_voted(con, ballot_id)}
    )


def tallies(con: Connection, ballot_id: int) -> pd.DataFrame:
    """Đồng ý / không đồng ý per candidate and title, only once the chair closed the ballot."""
    ballot = require_ballot(con, ballot_id)
    if ballot.state != "closed":
        raise Invalid({"ballot": "Kết quả bỏ phiếu chỉ hiện khi Chủ tịch HĐ đóng cuộc bỏ phiếu."})
    counts = {
        (s, t): (int(a), int(d))
        for s, t, a, d in con.execute(
            "SELECT subject, title, count(*) FILTER (WHERE agree), count(*) FILTER (WHERE NOT "
            "agree) FROM ballot_votes WHERE ballot_id = ? GROUP BY ALL",
            [ballot_id],
        ).fetchall()
    }
    df = ballot_candidates(con, ballot_id)
    keys = list(zip(df["subject"].tolist(), df["title"].tolist(), strict=True))
    df["dong_y"] = [counts.get(k, (0, 0))[0] for k in keys]
    df["khong_dong_y"] = [counts.get(k, (0, 0))[1] for k in keys]
    df["co_mat"] = ballot.present
    return df


def _count(value: object, label: str, errors: dict[str, str]) -> int:
    try:
        number = parse_number(value)
    except ValueError:
        number = None
    if number is None or number < 0 or number != number.to_integral_value():
        errors[label] = f"{label} “{value}” phải là số nguyên không âm."
        return 0
    return int(number)


@transactional
def save_paper_tally(
    con: Connection,
    user: User | None,
    school_year: str,
    subject: str,
    title: str,
    agree: object,
    disagree: object,
    present: object,
) -> None:
    """The secretary records a paper ballot's tally for one candidate and title."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ nhập kết quả phiếu giấy."})
    assert user is not None
    year = check_school_year(school_year)
    known = {(s, t): n for s, t, n in candidates_of(con, year)}
    if (subject, title) not in known:
        raise Invalid(
            {"candidate": "Người (tổ) này không có trong danh sách đề nghị danh hiệu đó."}
        )
    errors: dict[str, str] = {}
    yes = _count(agree, "Đồng ý", errors)
    no = _count(disagree, "Không đồng ý", errors)
    try:
        here = _present(present)
    except Invalid as exc:
        errors.update(exc.errors)
        here = 0
    if not errors and yes + no > here:
        errors["present"] = f"Đồng ý + không đồng ý ({yes + no}) nhiều hơn số có mặt ({here})."
    meeting = get_meeting(con, year)
    if not errors and meeting is not None and here > meeting.present:
        errors["present"] = (f"Có mặt ({here}) nhiều hơn số thành viên có mặt ghi trong thông "
                             f"tin cuộc họp ({meeting.present}).")  # fmt: skip
    if errors:
        raise Invalid(errors)
    con.execute(
        "INSERT INTO paper_tallies VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
        "(school_year, subject, title) DO UPDATE SET agree = excluded.agree, "
        "disagree = excluded.disagree, present = excluded.present, "
        "entered_by = excluded.entered_by",
        [year, subject, title, known[(subject, title)], yes, no, here, user.username],
    )
    lock_rules(con, year, user.username)
    audit.record(
        con,
        user.username,
        "paper_tally",
        "ballot",
        f"{year}:{subject}:{title}",
        None,
        {"agree": yes, "disagree": no, "present": here},
    )


def vote_counts(
    con: Connection, school_year: str
) -> dict[tuple[str, str], tuple[str, int, int, int]]:
    """(subject, title) -> (name, đồng ý, không đồng ý, có mặt) as the vote counted them.

    A paper tally counts where one was entered, else the last closed phone ballot."""
    year = check_school_year(school_year)
    votes: dict[tuple[str, str], tuple[str, int, int, int]] = {}
    ballot = con.execute(
        "SELECT id FROM title_ballots WHERE school_year = ? AND state = 'closed' "
        "ORDER BY id DESC LIMIT 1",
        [year],
    ).fetchone()
    if ballot:
        df = tallies(con, int(ballot[0]))
        columns = ("subject", "title", "name", "dong_y", "khong_dong_y", "co_mat")
        for s, t, n, a, d, p in zip(*(df[c].tolist() for c in columns), strict=True):
            votes[(s, t)] = (n, a, d, p)
    for s, t, n, a, d, p in con.execute(
        "SELECT subject, title, name, agree, disagree, present FROM paper_tallies "
        "WHERE school_year = ?",
        [year],
    ).fetchall():
        votes[(s, t)] = (n, int(a), int(d), int(p))
    return votes


def results(
    con: Connection,
    school_year: str,
    eligible: pd.DataFrame | None = None,
    votes: dict[tuple[str, str], tuple[str, int, int, int]] | None = None,
) -> pd.DataFrame:
    """Titles decided: ho_ten, danh_hieu, ket_qua (dat/khong_dat), ly_do, per candidate.

    eligible and votes are the year's eligibility() (under its own rules) and vote_counts()
    when the caller already has them."""
    year = check_school_year(school_year)
    rules = get_rules(con, year)
    votes = vote_counts(con, year) if votes is None else votes
    eligible = el.eligibility(con, year, rules) if eligible is None else eligible
    kept = eligible[eligible["du_dieu_kien"]]
    ok = {
        (f"p:{int(pid)}" if pd.notna(pid) else f"g:{name}", title)
        for pid, name, title in zip(kept["person_id"].tolist(), kept["ho_ten"].tolist(),
                                    kept["danh_hieu"].tolist(), strict=True)
    }  # fmt: skip
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


TALLY_COLUMNS = ("ho_ten", "danh_hieu", "dong_y", "khong_dong_y", "co_mat")


def save_paper_file(
    con: Connection, user: User | None, school_year: str, table: pd.DataFrame
) -> int:
    """Record a file of paper tallies (ho_ten, danh_hieu, dong_y, khong_dong_y, co_mat), all or
    nothing: every row's problem is listed with its row and column; return rows written."""
    year = check_school_year(school_year)
    missing = [c for c in TALLY_COLUMNS if c not in table.columns]
    if missing:
        raise Invalid({"columns": "Thiếu cột: " + ", ".join(missing)})
    by_name = {(name_key(n), t): s for s, t, n in candidates_of(con, year)}
    rows = table[ROW_COLUMN].tolist() if ROW_COLUMN in table.columns else range(2, len(table) + 2)
    errors: dict[str, str] = {}
    planned = []
    for row, cells in zip(rows, table.to_dict("records"), strict=True):
        title = title_code(cells["danh_hieu"])
        if title is None:
            errors[f"{row}:danh_hieu"] = (
                f"Dòng {row}, cột “danh_hieu”: “{cells['danh_hieu']}” "
                "không phải LDTT, CSTDCS, TTLDTT hoặc TTLDXS."
            )
            continue
        subject = by_name.get((name_key(str(cells["ho_ten"])), title))
        if subject is None:
            errors[f"{row}:ho_ten"] = (
                f"Dòng {row}, cột “ho_ten”: “{cells['ho_ten']}” không có "
                f"trong danh sách đề nghị {TITLES[title]}."
            )
            continue
        planned.append(
            (row, subject, title, cells["dong_y"], cells["khong_dong_y"], cells["co_mat"])
        )
    with transaction(con):
        for row, subject, title, yes, no, here in planned:
            try:
                save_paper_tally(con, user, year, subject, title, yes, no, here)
            except Invalid as exc:
                for key, message in exc.errors.items():
                    errors[f"{row}:{key}"] = f"Dòng {row}: {message}"
        if errors:
            raise Invalid(errors)  # rolls back every row already written
    return len(planned)
