"""Exports and backups downloaded from the app are audited and do not stay served at /media/…."""

from __future__ import annotations

import json

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from lib.io import backup, exports
from lib.ui import downloads


def test_a_backup_download_is_audited_with_who_and_what(demo_con):
    name = "thidua-sao-luu-2024-05-01.zip"
    cursor = demo_con.cursor()
    data = downloads.on_click(
        cursor, "chutich", "backup", lambda: backup.backup_bytes(cursor), name, "application/zip"
    )()
    assert data[:2] == b"PK"
    row = demo_con.execute(
        "SELECT actor, action, entity, entity_id, after, logged_at FROM audit_log "
        "WHERE entity = 'backup'"
    ).fetchall()
    assert len(row) == 1
    actor, action, entity, entity_id, after, logged_at = row[0]
    assert (actor, action, entity, entity_id) == ("chutich", "download", "backup", name)
    assert json.loads(after) == {"file": name, "bytes": len(data)}
    assert logged_at is not None


def test_an_export_download_is_audited_with_its_kind(demo_con):
    cursor = demo_con.cursor()
    build = exports.deferred(cursor, "people", None, "csv")
    detail = {"kind": "people", "target": None}
    downloads.on_click(cursor, "thuky", "export", build, "people.csv", "text/csv", detail)()
    (after,) = demo_con.execute(
        "SELECT after FROM audit_log WHERE entity = 'export' AND actor = 'thuky'"
    ).fetchone()
    assert json.loads(after)["kind"] == "people"


def test_a_served_download_can_be_dropped_from_streamlits_media_store():
    """The private calls `forget` relies on still exist and do what it expects."""
    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    data, mime, name = b"PK secret backup", "application/zip", "sao-luu.zip"
    placeholder = manager.add_deferred(lambda: data, mime, "1.(2).3", name)
    url = manager.execute_deferred(placeholder)  # what a click does
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    assert storage.get_file(file_id).content == data  # served at /media/… to anyone now
    assert downloads.forget(manager, data, mime, name) is True
    with pytest.raises(MediaFileStorageError):
        storage.get_file(file_id)
    assert downloads.forget(manager, data, mime, name) is False
