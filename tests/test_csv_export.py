"""A long list offered as a CSV download: built on its own cursor when clicked, and audited."""

import threading

import pandas as pd

from lib.core import audit
from lib.ui import downloads


def test_the_csv_is_built_when_clicked_on_another_thread_and_recorded(demo_con, monkeypatch):
    monkeypatch.setattr(downloads, "_forget_later", lambda *args: None)  # no Streamlit runtime
    asked: list[object] = []

    def table(cursor):
        asked.append(cursor)
        return pd.DataFrame({"Họ và tên": ["Lê Thu Hà"], "Số phiếu": [3]})

    data = downloads.csv_export(demo_con, "chutich", table, "ds.csv", {"kind": "test"})
    assert asked == []  # nothing built while the page draws
    found: list[bytes] = []
    click = threading.Thread(target=lambda: found.append(data()))  # Streamlit's click thread
    click.start()
    click.join()
    assert found[0].decode("utf-8-sig").splitlines() == ["Họ và tên,Số phiếu", "Lê Thu Hà,3"]
    assert asked and asked[0] is not demo_con
    row = audit.latest(demo_con, "export").iloc[0]
    assert row["action"] == "download" and row["entity_id"] == "ds.csv"
