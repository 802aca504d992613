"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from lib.core.db import Connection


def _json(value: Any) -> str | None:
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
        [actor, action, entity, str(entity_id), _json(before), _json(after)],
    )


def entries(con: Connection, entity: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Return the newest audit entries, optionally for one kind of entity."""
    sql = "SELECT logged_at, actor, action, entity, entity_id, before, after FROM audit_log"
    params: list[Any] = []
    if entity:
        sql += " WHERE entity = ?"
        params.append(entity)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return con.execute(sql, params).df()
