"""Backup to one .zip and restore: a faithful round trip, and bad files refused with no change."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from lib import demo
from lib.access.people import add_person
from lib.core import db
from lib.core.errors import Invalid
from lib.io import backup
from tests.test_imports import snapshot


@pytest.fixture
def demo_file(tmp_path):
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    yield path, con
    con.close()


def test_round_trip_restores_every_row_and_sequences_continue(demo_file, tmp_path):
    path, con = demo_file
    before = snapshot(con)
    info = backup.backup(con, tmp_path / "sao-luu.zip")
    assert info.tables["people"] == 10 and info.tables["tasks"] == 10
    add_person(con, "Người thêm sau khi sao lưu")
    con.close()

    restored = backup.restore(tmp_path / "sao-luu.zip", path)
    assert restored.tables == info.tables
    con = db.connect(path)
    assert snapshot(con) == before
    new_id = add_person(con, "Người mới")  # the id sequence was restored too
    assert new_id == 11
    con.close()


def test_restore_into_a_new_file(demo_file, tmp_path):
    _, con = demo_file
    backup.backup(con, tmp_path / "b.zip")
    backup.restore(tmp_path / "b.zip", tmp_path / "moi" / "khac.duckdb")
    other = db.connect(tmp_path / "moi" / "khac.duckdb")
    assert snapshot(other) == snapshot(con)
    other.close()


def _tampered(source, dest, change):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item, data)


def _more_people(name, data):
    if name == backup.MANIFEST:
        manifest = json.loads(data)
        manifest["tables"]["people"] += 1
        return json.dumps(manifest).encode()
    return data


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda src, dst: dst.write_bytes(b"not a zip at all"), "không phải tệp sao lưu (.zip)"),
        (
            lambda src, dst: dst.write_bytes(src.read_bytes()[:-200]),
            "không phải tệp sao lưu (.zip)",
        ),
        (
            lambda src, dst: _tampered(src, dst, lambda n, d: None if n == backup.MANIFEST else d),
            "không phải tệp sao lưu của ứng dụng này",
        ),
        (lambda src, dst: _tampered(src, dst, _more_people), "không khớp với mục lục"),
        (
            lambda src, dst: _tampered(
                src, dst, lambda n, d: b"PAR1 broken" if n == "tasks.parquet" else d
            ),
            "Tệp sao lưu bị hỏng",
        ),
        (lambda src, dst: None, "Không có tệp"),
    ],
    ids=["garbage", "truncated", "no-manifest", "counts-differ", "broken-table", "missing"],
)
def test_bad_backup_is_refused_and_the_database_is_untouched(demo_file, tmp_path, make, message):
    path, con = demo_file
    good = tmp_path / "good.zip"
    backup.backup(con, good)
    add_person(con, "Chỉ có trong dữ liệu hiện tại")
    before = snapshot(con)
    con.close()
    bad = tmp_path / "bad.zip"
    make(good, bad)
    with pytest.raises(Invalid, match=re.escape(message)):
        backup.restore(bad, path)
    con = db.connect(path)
    assert snapshot(con) == before
    assert not [p.name for p in tmp_path.iterdir() if "khoi-phuc" in p.name]  # no leftovers


def test_backup_bytes_for_a_download_from_the_running_app(demo_file, tmp_path):
    _, con = demo_file
    data = backup.backup_bytes(con)
    (tmp_path / "tai-ve.zip").write_bytes(data)
    assert backup.read_manifest(tmp_path / "tai-ve.zip").tables["plans"] == 1
