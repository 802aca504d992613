"""Downloads built on click: audited (who, what, when), then dropped from the media store."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from streamlit.runtime import Runtime
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import _calculate_file_id

from lib.core import audit
from lib.core.db import Connection
from lib.io import exports

# Streamlit serves a clicked download at /media/<hash> to anyone holding the address, with no
# login, until two later script runs have ended (minutes on a quiet server). The browser fetches
# it within a second of the click; after this many seconds (THIDUA_DOWNLOAD_SECONDS) it is deleted.
EXPIRE_SECONDS = float(os.environ.get("THIDUA_DOWNLOAD_SECONDS", "30"))
_LOG = logging.getLogger(__name__)


def forget(manager: MediaFileManager, data: bytes, mime: str, file_name: str) -> bool:
    """Delete a served download from Streamlit's media store now; tell whether it was there."""
    file_id = _calculate_file_id(data, mime, file_name)
    # Streamlit has no public call for this; its own clean-up uses the same lock and method.
    with manager._lock:
        if file_id not in manager._file_metadata:
            return False
        manager._delete_file(file_id)
        return True


def _forget_later(data: bytes, mime: str, file_name: str) -> None:
    if not Runtime.exists():
        return
    manager = Runtime.instance().media_file_mgr

    def run() -> None:
        try:
            forget(manager, data, mime, file_name)
        except Exception:  # Streamlit's internals moved: the file then lives its normal life
            _LOG.exception("could not drop the download %s from the media store", file_name)

    timer = threading.Timer(EXPIRE_SECONDS, run)
    timer.daemon = True
    timer.start()


def on_click(
    con: Connection,
    actor: str,
    what: str,
    build: Callable[[], bytes],
    file_name: str,
    mime: str,
    detail: dict | None = None,
) -> Callable[[], bytes]:
    """A download button's data: built when clicked, recorded in the audit log, then expired.

    `con` must be a cursor of its own: the click runs on another thread.
    """

    def run() -> bytes:
        data = build()
        after = {"file": file_name, "bytes": len(data), **(detail or {})}
        audit.record(con, actor, "download", what, file_name, after=after)
        _forget_later(data, mime, file_name)
        return data

    return run


def csv_export(
    con: Connection,
    actor: str,
    table: Callable[[Connection], object],
    file_name: str,
    detail: dict,
) -> Callable[[], bytes]:
    """A CSV download's data: the table lib builds when clicked, on a cursor of its own, audited
    as an export (a long list is offered whole this way rather than drawn)."""
    cursor = con.cursor()  # the click runs on another thread
    return on_click(cursor, actor, "export", lambda: exports.to_csv(table(cursor)),
                    file_name, "text/csv", detail)  # fmt: skip
