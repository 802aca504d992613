"""A round's council: its members, their duties and fields, and the accounts that may join."""

from __future__ import annotations

import re

import pandas as pd

from lib.access import users
from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc, vn_name_key
from lib.scoring.rounds import DEFAULT_DUTY, require_editable, require_round

# Shown next to a member whose account has no password yet: they cannot log in to score.
NO_PASSWORD = "chưa có mật khẩu"


def split_fields(text: str) -> list[str]:
    """Fields (lĩnh vực) typed as "Nhà trẻ; Mẫu giáo" (';' or ',' between)."""
    return [nfc(p) for p in re.split(r"[;,]", text or "") if nfc(p)]


def round_examiners(con: Connection, round_id: int) -> pd.DataFrame:
    """The round's council: username, full_name, position, group_name, duty, fields,
    active, has_password, is_examiner, n_assigned, n_submitted, n_drafts; sorted by given
    name."""
    # The counts in one pass over the round's assignments (each has at most one sheet), not
    # three correlated subqueries per member: a district round's Hội đồng tab and Tiến độ
    # read them on every open.
    df = con.execute(
        "WITH counts AS ("
        "  SELECT a.examiner, count(*) AS n_assigned, "
        "         count(*) FILTER (WHERE s.status = 'submitted') AS n_submitted, "
        "         count(*) FILTER (WHERE s.status = 'draft') AS n_drafts "
        "  FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "  LEFT JOIN sheets s ON s.entry_id = a.entry_id AND s.examiner = a.examiner "
        "  WHERE e.round_id = $round AND NOT e.withdrawn GROUP BY a.examiner) "
        "SELECT x.examiner AS username, p.full_name, p.position, p.group_name, x.duty, "
        "       x.fields, u.active, u.password_hash IS NOT NULL AS has_password, "
        "       EXISTS (SELECT 1 FROM user_roles ur WHERE ur.username = x.examiner "
        "               AND ur.role = 'examiner') AS is_examiner, "
        "       coalesce(c.n_assigned, 0) AS n_assigned, "
        "       coalesce(c.n_submitted, 0) AS n_submitted, "
        "       coalesce(c.n_drafts, 0) AS n_drafts "
        "FROM round_examiners x JOIN users u ON u.username = x.examiner "
        "JOIN people p ON p.id = u.person_id "
        "LEFT JOIN counts c ON c.examiner = x.examiner WHERE x.round_id = $round",
        {"round": round_id},
    ).df()
    return df.sort_values("full_name", key=lambda s: s.map(vn_name_key)).reset_index(drop=True)


def council_duties(con: Connection, round_id: int) -> list[tuple[str, str, str]]:
    """The round's council as (username, full_name, duty), sorted by given name as
    round_examiners (without its counts, which cost most of it for a city round)."""
    rows = con.execute(
        "SELECT x.examiner, p.full_name, x.duty FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    return sorted(rows, key=lambda row: vn_name_key(row[1]))


def council_names(con: Connection, round_id: int) -> dict[str, str]:
    """The round's council as username -> full name, sorted by given name (no counts)."""
    rows = con.execute(
        "SELECT x.examiner, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ?",
        [round_id],
    ).fetchall()
    return dict(sorted(rows, key=lambda row: vn_name_key(row[1])))


def require_examiner(con: Connection, username: str) -> str:
    """The examiner's full name, or raise Invalid if not an active examiner account."""
    name = users.examiner_name(con, username)
    if name is None:
        raise Invalid({"examiner": f"'{username}' không phải tài khoản giám khảo đang hoạt động."})
    return name


def set_council_member(
    con: Connection, round_id: int, examiner: str, actor: str, duty: str = "", fields: str = ""
) -> None:
    """Add an examiner to the round's council, or change their duty and fields."""
    with transaction(con):
        require_editable(require_round(con, round_id))
        require_examiner(con, examiner)
        clean_fields = "; ".join(split_fields(fields))
        before = con.execute(
            "SELECT duty, fields FROM round_examiners WHERE round_id = ? AND examiner = ?",
            [round_id, examiner],
        ).fetchone()
        con.execute(
            "INSERT INTO round_examiners (round_id, examiner, duty, fields) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (round_id, examiner) DO UPDATE SET duty = excluded.duty, "
            "fields = excluded.fields",
            [round_id, examiner, nfc(duty or "") or DEFAULT_DUTY, clean_fields],
        )
        audit.record(
            con, actor, "council", "round_examiner", f"{round_id}:{examiner}",
            {"duty": before[0], "fields": before[1]} if before else None,
            {"duty": nfc(duty or "") or DEFAULT_DUTY, "fields": clean_fields},
        )  # fmt: skip


def remove_council_member(con: Connection, round_id: int, examiner: str, actor: str) -> None:
    """Take an examiner off the council; refused while they have assignments in the round."""
    with transaction(con):
        require_editable(require_round(con, round_id))
        row = con.execute(
            "SELECT count(*) FROM assignments a JOIN entries e ON e.id = a.entry_id "
            "WHERE e.round_id = ? AND a.examiner = ?",
            [round_id, examiner],
        ).fetchone()
        if row and row[0]:
            raise Invalid(
                {"examiner": f"{examiner} đang được phân công {row[0]} SKKN: bỏ phân công trước."}
            )
        con.execute(
            "DELETE FROM round_examiners WHERE round_id = ? AND examiner = ?", [round_id, examiner]
        )
        audit.record(con, actor, "council_remove", "round_examiner", f"{round_id}:{examiner}")
