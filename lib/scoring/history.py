"""A round's history (the Nhật ký): each logged change as a Vietnamese sentence, with the
values before and after on demand."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from lib.access.permissions import ROUND_STATES
from lib.core.audit import action_label
from lib.core.clock import stamp
from lib.core.db import Connection
from lib.scoring.conflicts import CONFLICT_KINDS
from lib.scoring.rubric import format_number, parse_number

# The round's entities: their audit ids start with the round id (lib.scoring.rounds).
_ENTITIES = ("round_examiner", "entry", "conflict", "assignment", "sheet", "grade_override")
# The council's words for the fields a snapshot holds (details column).
_FIELDS = {
    "name": "Tên", "level": "Cấp", "school_year": "Năm học",
    "examiners_per_entry": "Số giám khảo mỗi SKKN", "max_gap": "Chênh lệch tối đa",
    "blind": "Chấm ẩn danh", "deadline": "Hạn chấm", "rubric": "Mẫu phiếu", "state": "Trạng thái",
    "reason": "Lý do", "duty": "Nhiệm vụ", "fields": "Lĩnh vực", "code": "Mã", "title": "Tên SKKN",
    "field": "Lĩnh vực", "group_name": "Tổ", "authors": "Tác giả", "document": "Tài liệu",
    "withdrawn": "Đã rút", "kind": "Loại", "note": "Ghi chú", "examiner": "Giám khảo",
    "order": "Thứ tự", "status": "Trạng thái phiếu", "scores": "Điểm", "comments": "Nhận xét",
    "overall": "Nhận xét chung", "version": "Lần lưu", "grade": "Xếp loại",
}  # fmt: skip
# Stored codes in the council's words, by the field that holds them.
_WORDS = {
    "state": {k: v.lower() for k, v in ROUND_STATES.items()},
    "status": {"draft": "nháp", "submitted": "đã nộp"},
    "kind": {k: v.lower() for k, v in CONFLICT_KINDS.items()},
}


def _load(text: object) -> dict[str, Any]:
    if not isinstance(text, str) or not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}


def _word(value: Any, key: str = "") -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_word(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(_word(v) for v in value) or "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if value is None or value == "":
        return "—"
    return _WORDS.get(key, {}).get(value, value) if isinstance(value, str) else str(value)


def _total(snapshot: dict[str, Any]) -> str:
    """The sum of a sheet snapshot's points, the Vietnamese way ("14,5")."""
    total = Decimal(0)
    for value in (snapshot.get("scores") or {}).values():
        try:
            total += parse_number(value) or Decimal(0)
        except (ValueError, InvalidOperation):
            continue
    return format_number(total)


def details(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed, one field a line: "Tên: A → B" (a new or removed thing: its values)."""
    lines = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if before and after and old == new:
            continue
        label = _FIELDS.get(key, key)
        if not before:
            lines.append(f"{label}: {_word(new, key)}")
        elif not after:
            lines.append(f"{label}: {_word(old, key)} (trước)")
        else:
            lines.append(f"{label}: {_word(old, key)} → {_word(new, key)}")
    return "\n".join(lines)


def sentence(action: str, actor: str, target: dict[str, str], before: dict, after: dict) -> str:
    """One logged change as the council would say it ("Lê Thu Hà nộp phiếu SKKN-003: 14,5
    điểm"); target holds the entry code and the examiner's name where the change has them."""
    code, who = target.get("code", ""), target.get("examiner", "")
    own = not who or target.get("examiner_username") == target.get("actor_username")
    of = "" if own else f" của {who}"
    reason = after.get("reason") or ""
    because = f": {reason}" if reason else ""
    said = {
        ("round", "create"): f"tạo đợt chấm “{after.get('name', '')}”",
        ("round", "update"): "sửa thông tin đợt chấm",
        ("round", "rubric"): f"sửa mẫu phiếu chấm “{after.get('name', '')}”",
        ("round", "open"): "mở đợt chấm",
        ("round", "close"): "đóng đợt chấm",
        ("round", "reopen_scoring"): f"mở lại đợt để chấm{because}",
        ("round", "finalize"): "công bố kết quả",
        ("round", "reopen"): f"mở lại đợt đã công bố{because}",
        ("round_examiner", "council"): (
            f"sửa nhiệm vụ của {who} trong hội đồng: {after.get('duty', '')}"
            if before
            else f"thêm {who} vào hội đồng ({after.get('duty', '')})"
        ),
        ("round_examiner", "council_remove"): f"bỏ {who} khỏi hội đồng",
        ("entry", "create"): f"đăng ký {code}: {after.get('title', '')}",
        ("entry", "update"): f"sửa {code}",
        ("entry", "document"): (
            f"tải lên tài liệu của {code}: {after['document']}"
            if after.get("document")
            else f"xóa tài liệu của {code}"
        ),
        ("entry", "withdraw"): f"rút {code}{because}",
        ("entry", "restore"): f"khôi phục {code}",
        ("conflict", "conflict"): (
            f"ghi xung đột của {who} với {code} ({_word(after.get('kind'), 'kind')})"
        ),
        ("conflict", "conflict_remove"): f"xóa xung đột của {who} với {code}",
        ("assignment", "assign"): f"phân công {who} chấm {code} ({after.get('order', '')})",
        ("assignment", "unassign"): (f"bỏ phân công {who} chấm {code} ({before.get('order', '')})"),
        ("sheet", "save"): f"lưu nháp phiếu {code}{of}",
        ("sheet", "submit"): f"nộp phiếu {code}{of}: {_total(after)} điểm",
        ("sheet", "import"): f"nhập từ tệp phiếu {code}{of}: {_total(after)} điểm",
        ("sheet", "reopen_sheet"): f"mở lại phiếu {code}{of}{because}",
        ("grade_override", "override"): (
            f"điều chỉnh xếp loại {code}: {after['grade']}{because}"
            if after.get("grade")
            else f"bỏ điều chỉnh xếp loại {code}{because}"
        ),
    }.get((target.get("entity", ""), action))
    if said is None:
        said = f"{action_label(action).lower()} {code or who}".rstrip()
    return f"{actor} {said}"


def _target(entity: str, entity_id: str) -> dict[str, str]:
    """The entry code and examiner an audit id names ("3:SKKN-001:gk1", "3:gk1", "3")."""
    _, _, rest = entity_id.partition(":")
    if entity in ("conflict", "assignment", "sheet"):
        code, _, examiner = rest.rpartition(":")
        return {"entity": entity, "code": code, "examiner_username": examiner}
    if entity == "round_examiner":
        return {"entity": entity, "examiner_username": rest}
    if entity in ("entry", "grade_override"):
        return {"entity": entity, "code": rest}
    return {"entity": entity}


def round_history(con: Connection, round_id: int, limit: int = 2000) -> pd.DataFrame:
    """The round's history, newest first: logged_at, time (as 15:42 27/03/2024), actor,
    actor_name, action, action_label, entity_id (internal, for filtering), sentence
    (Vietnamese, names not ids), details (the values before and after, a changed field a line)."""
    rows = con.execute(
        "SELECT logged_at, actor, action, entity, entity_id, before, after FROM audit_log "
        "WHERE (entity = 'round' AND entity_id = ?) OR (list_contains(?, entity) "
        "AND entity_id LIKE ?) ORDER BY id DESC LIMIT ?",
        [str(round_id), list(_ENTITIES), f"{round_id}:%", limit],
    ).fetchall()
    names = dict(
        con.execute(
            "SELECT u.username, p.full_name FROM users u JOIN people p ON p.id = u.person_id"
        ).fetchall()
    )
    records = []
    for logged_at, actor, action, entity, entity_id, before_text, after_text in rows:
        before, after = _load(before_text), _load(after_text)
        target = _target(entity, entity_id)
        target["actor_username"] = actor
        if "examiner_username" in target:
            target["examiner"] = names.get(target["examiner_username"], target["examiner_username"])
        actor_name = names.get(actor, actor)
        records.append(
            {
                "logged_at": logged_at, "time": stamp(logged_at), "actor": actor,
                "actor_name": actor_name, "action": action, "action_label": action_label(action),
                "entity_id": entity_id,
                "sentence": sentence(action, actor_name, target, before, after),
                "details": details(before, after),
            }
        )  # fmt: skip
    columns = ["logged_at", "time", "actor", "actor_name", "action", "action_label", "entity_id",
               "sentence", "details"]  # fmt: skip
    return pd.DataFrame(records, columns=columns)
