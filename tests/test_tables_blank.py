"""Tables leave a missing value empty: Streamlit's grey "None" means nothing to a council."""

import pytest

from tests.apptest import app, login, open_page

PAGES = ["pages/ke-hoach.py", "pages/tien-do.py", "pages/skkn.py", "pages/ket-qua-cham.py",
         "pages/binh-xet-thi-dua.py", "pages/nguoi-dung.py"]  # fmt: skip


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


@pytest.mark.parametrize("path", PAGES)
def test_every_table_shows_missing_values_as_empty_cells(at, path):
    login(at, "chutich")
    open_page(at, path)
    assert not at.exception and at.dataframe, path
    for frame in at.dataframe:
        assert frame.proto.HasField("placeholder") and frame.proto.placeholder == ""
