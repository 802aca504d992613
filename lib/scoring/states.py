"""A round's state machine: chuẩn bị → đang chấm → đã đóng → đã công bố, and back with a reason.

Publishing reads the results (results never change a state), so this module imports results
one way and results knows nothing of it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lib.access.permissions import why_cannot_edit_round, why_cannot_open_round
from lib.core import audit
from lib.core.db import Connection, get_setting, set_setting, transaction
from lib.core.errors import Invalid
from lib.core.text import nfc
from lib.scoring import results
from lib.scoring.rounds import STATES, Round, require_round
from lib.scoring.rubric import Rubric

# (from, to) -> audit action; every other change is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "open"): "open",
    ("open", "closed"): "close",
    ("closed", "open"): "reopen_scoring",
    ("closed", "final"): "finalize",
    ("final", "closed"): "reopen",
}
NEEDS_REASON = {"reopen_scoring", "reopen"}


def set_state(con: Connection, round_id: int, to: str, actor: str, reason: str = "") -> Round:
    """Move a round to another state, checking the rules of that change; return it after."""
    with transaction(con):
        r = require_round(con, round_id)
        action = TRANSITIONS.get((r.state, to))
        if action is None:
            raise Invalid(
                {"state": f"Không chuyển được đợt chấm từ '{r.state_label}' sang "
                 f"'{STATES.get(to, to)}'."}
            )  # fmt: skip
        reason = nfc(reason or "")
        if action in NEEDS_REASON and not reason:
            raise Invalid({"reason": "Hãy ghi lý do mở lại."})
        if action == "open":
            row = con.execute(
                "SELECT count(*) FROM entries WHERE round_id = ? AND NOT withdrawn", [round_id]
            ).fetchone()
            if not row or row[0] == 0:
                raise Invalid({"state": "Chưa có SKKN nào trong đợt chấm: hãy đăng ký SKKN trước."})
            if problem := why_cannot_open_round(r, thresholds_confirmed(con, round_id)):
                raise Invalid({"thresholds": problem})
        if action == "finalize":
            problem = why_cannot_publish(con, round_id)
            if problem:
                raise Invalid({"state": problem})
            con.execute(
                "UPDATE rounds SET state = ?, finalized_by = ?, finalized_at = "
                "current_localtimestamp(), updated_at = current_localtimestamp() WHERE id = ?",
                [to, actor, round_id],
            )
        elif action == "reopen":
            con.execute(
                "UPDATE rounds SET state = ?, reopen_reason = ?, finalized_by = NULL, "
                "finalized_at = NULL, updated_at = current_localtimestamp() WHERE id = ?",
                [to, reason, round_id],
            )
        else:
            con.execute(
                "UPDATE rounds SET state = ?, updated_at = current_localtimestamp() WHERE id = ?",
                [to, round_id],
            )
        after: dict[str, Any] = {"state": to}
        if reason:
            after["reason"] = reason
        audit.record(con, actor, action, "round", round_id, {"state": r.state}, after)
    return require_round(con, round_id)


def _thresholds_key(round_id: int) -> str:
    return f"round:{round_id}:thresholds_confirmed"


def thresholds_fingerprint(rubric: Rubric) -> str:
    """The grade thresholds as one hash: a confirmation holds only for the thresholds seen."""
    rules = [[g.grade, str(g.min_total), sorted((k, str(v)) for k, v in g.min_section.items())]
             for g in rubric.grades]  # fmt: skip
    return hashlib.sha256(json.dumps(rules).encode()).hexdigest()


def thresholds_confirmed(con: Connection, round_id: int) -> bool:
    """Whether the council confirmed the round's current grade thresholds (a change of them
    undoes the confirmation)."""
    stored = get_setting(con, _thresholds_key(round_id))
    if not stored:
        return False
    return json.loads(stored)["fingerprint"] == thresholds_fingerprint(
        require_round(con, round_id).rubric
    )


def confirm_thresholds(con: Connection, round_id: int, actor: str) -> None:
    """Record that the council confirmed the round's grade thresholds as they are now."""
    with transaction(con):
        r = require_round(con, round_id)
        if problem := why_cannot_edit_round(r):
            raise Invalid({"thresholds": problem})
        grades = {g.grade: str(g.min_total) for g in r.rubric.grades}
        value = {"fingerprint": thresholds_fingerprint(r.rubric), "by": actor}
        set_setting(con, _thresholds_key(round_id), json.dumps(value))
        audit.record(con, actor, "thresholds", "round", round_id, None, grades)


def open_round(con: Connection, round_id: int, actor: str) -> Round:
    """Chuẩn bị → đang chấm: examiners can score."""
    return set_state(con, round_id, "open", actor)


def close_round(con: Connection, round_id: int, actor: str) -> Round:
    """Đang chấm → đã đóng: no more scoring; examiners may see each other's sheets."""
    return set_state(con, round_id, "closed", actor)


def reopen_scoring(con: Connection, round_id: int, actor: str, reason: str) -> Round:
    """Đã đóng → đang chấm again, with a reason (e.g. a third examiner is needed)."""
    return set_state(con, round_id, "open", actor, reason)


def finalize_round(con: Connection, round_id: int, actor: str) -> Round:
    """Đã đóng → đã công bố: locks sheets and results, publishes them to staff."""
    return set_state(con, round_id, "final", actor)


def reopen_round(con: Connection, round_id: int, actor: str, reason: str) -> Round:
    """Đã công bố → đã đóng: an admin action with a recorded reason."""
    return set_state(con, round_id, "closed", actor, reason)


def why_cannot_publish(con: Connection, round_id: int) -> str | None:
    """Why the round's results cannot be published yet (entries still waiting for a third
    examiner or the chair's decision, or kept entries with no sheet and no decision), or None."""
    df = results.results(con, round_id)
    problems = []
    waiting = results.unsettled(con, round_id, df)
    if waiting:
        problems.append(
            "còn SKKN cần giám khảo thứ 3 hoặc quyết định của Chủ tịch HĐ: " + ", ".join(waiting)
        )
    empty = results.unscored(df)
    if empty:
        problems.append("còn SKKN chưa có phiếu chấm nào được nộp: " + ", ".join(empty)
                        + " (chấm hoặc rút các SKKN này trước)")  # fmt: skip
    return "Chưa công bố được: " + "; ".join(problems) + "." if problems else None
