"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from lib.core.db import Connection, registered

# Every action word written to the log and how the council names it (one home: the log views
# and their filters read these; an action missing here would show as the raw word).
ACTIONS: dict[str, str] = {
    "create": "Tạo",
    "update": "Sửa",
    "delete": "Xóa",
    "copy": "Sao chép",
    "move": "Chuyển",
    "import": "Nhập từ tệp",
    "password": "Đổi mật khẩu",
    "roles": "Đổi vai trò",
    "enable": "Mở lại tài khoản",
    "disable": "Khóa tài khoản",
    "rubric": "Sửa mẫu phiếu",
    "council": "Sửa hội đồng",
    "council_remove": "Bỏ khỏi hội đồng",
    "withdraw": "Rút SKKN",
    "restore": "Khôi phục SKKN",
    "document": "Tài liệu",
    "conflict": "Ghi xung đột",
    "conflict_remove": "Xóa xung đột",
    "assign": "Phân công",
    "unassign": "Bỏ phân công",
    "save": "Lưu nháp",
    "submit": "Nộp phiếu",
    "reopen_sheet": "Mở lại phiếu",
    "override": "Điều chỉnh xếp loại",
    "open": "Mở đợt chấm",
    "close": "Đóng đợt chấm",
    "reopen_scoring": "Mở lại để chấm",
    "finalize": "Công bố kết quả",
    "reopen": "Mở lại đợt đã công bố",
    "meeting": "Ghi biên bản họp",
    "number": "Cấp số văn bản",
    "recognize": "Công nhận SKKN",
    "download": "Tải tệp",
    "login_failed": "Đăng nhập sai",
    "logout_everywhere": "Đăng xuất mọi nơi",
    "register": "Đăng ký thi đua",
    "to_round": "Đưa SKKN đăng ký vào đợt chấm",
    "evaluate": "Ghi đánh giá cuối năm",
    "rules": "Sửa quy chế thi đua",
    "lock_rules": "Khóa quy chế thi đua",
    "choose_cstdcs": "Chọn CSTĐCS trong chỉ tiêu",
    "paper_tally": "Nhập kết quả phiếu giấy",
    "medal": "Ghi Kỷ niệm chương",
    "thresholds": "Xác nhận ngưỡng xếp loại",
}


def action_label(action: str) -> str:
    """The council's word for a logged action."""
    return ACTIONS.get(action, action)


def as_json(value: Any) -> str | None:
    """A value as the audit log stores it (JSON, Vietnamese kept as is); None for none."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def record(
    con: Connection,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry to the audit log (inside the caller's transaction)."""
    con.execute(
        "INSERT INTO audit_log (actor, action, entity, entity_id, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [actor, action, entity, str(entity_id), as_json(before), as_json(after)],
    )


def record_rows(
    con: Connection,
    actor: str,
    action: str,
    entity: str,
    rows_sql: str,
    params: Sequence[object] = (),
    batch: pd.DataFrame | None = None,
) -> None:
    """Append one entry per row of `rows_sql` (entity_id, before, after as JSON) in one statement.

    `batch`, when given, is readable by the query as `batch`: an import's rows are audited set
    by set, never one statement a row."""
    sql = (
        "INSERT INTO audit_log (actor, action, entity, entity_id, before, after) "
        "SELECT ?, ?, ?, CAST(entity_id AS VARCHAR), CAST(before AS VARCHAR), "
        f"CAST(after AS VARCHAR) FROM ({rows_sql})"
    )
    with registered(con, **({} if batch is None else {"batch": batch})):
        con.execute(sql, [actor, action, entity, *params])


def latest(con: Connection, entity: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Return the newest audit entries, optionally for one kind of entity."""
    sql = "SELECT logged_at, actor, action, entity, entity_id, before, after FROM audit_log"
    params: list[Any] = []
    if entity:
        sql += " WHERE entity = ?"
        params.append(entity)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return con.execute(sql, params).df()
