"""The scoring sheet as a fragment: a field edit reruns only the sheet (app.py does not run), so
the sheet itself checks the login and membership, reads by key, and shows what was stored."""

import functools
from decimal import Decimal

import yaml
from streamlit.testing.v1 import AppTest, local_script_runner

from lib.access import sessions
from lib.core import db
from lib.scoring import sheets, states, worklist
from tests.apptest import app, login, open_page, shown, texts
from tests.scoring_helpers import user
from tests.test_scoring_pages import mine, point, prepare, stored


def rerun_sheet(at: AppTest) -> AppTest:
    """Run what the browser asks for when a field of the sheet changes: the sheet alone."""
    fragments = list(at._fragment_storage._fragments)  # noqa: SLF001 - AppTest has no API
    original = local_script_runner.RerunData
    local_script_runner.RerunData = functools.partial(original, fragment_id_queue=fragments[-1:])
    try:
        return at.run()
    finally:
        local_script_runner.RerunData = original


def opened_sheet(tmp_path, monkeypatch) -> tuple[AppTest, object, int]:
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    return at, path, entry_id


def typed_after_the_login_ended(at: AppTest, path) -> None:
    """Log this window out elsewhere (another window, or the chair), then type I.2 = 0,75."""
    con = db.connect(path)
    sessions.end(con, at.session_state["login_session"])
    con.close()
    point(at, "I.2").set_value("0,75")
    rerun_sheet(at)


def test_a_field_edit_reruns_only_the_sheet_stores_it_and_updates_the_total(tmp_path, monkeypatch):
    at, path, entry_id = opened_sheet(tmp_path, monkeypatch)
    point(at, "I.1").set_value(",5")
    rerun_sheet(at)
    point(at, "II.3").set_value("7,25")
    rerun_sheet(at)
    assert not at.exception
    # Only the sheet ran: the menu and the page title (outside it) were not drawn again.
    assert not at.sidebar.markdown and not at.title
    shown = texts(at)
    assert "Tổng điểm: 7,75 / 20" in shown and "Đã lưu tự động lúc" in shown
    assert point(at, "I.1").value == "0,5"
    assert stored(path, entry_id) == {"I.1": Decimal("0.5"), "II.3": Decimal("7.25")}


def test_an_edit_after_the_login_ended_is_not_stored_and_the_login_form_shows(
    tmp_path, monkeypatch
):
    at, path, entry_id = opened_sheet(tmp_path, monkeypatch)
    point(at, "I.1").set_value("0,5")
    rerun_sheet(at)
    typed_after_the_login_ended(at, path)
    assert not at.exception
    assert stored(path, entry_id) == {"I.1": Decimal("0.5")}
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]


def test_an_edit_typed_after_the_login_ended_is_saved_once_the_examiner_logs_in_again(
    tmp_path, monkeypatch
):
    at, path, entry_id = opened_sheet(tmp_path, monkeypatch)
    typed_after_the_login_ended(at, path)
    assert "Đăng nhập lại: ô bạn vừa sửa sẽ được lưu ngay." in texts(at)
    assert stored(path, entry_id) == {}
    login(at, "giamkhao1")  # the same tab: the sheet's address is kept
    assert not at.exception
    assert point(at, "I.2").value == "0,75"
    assert stored(path, entry_id) == {"I.2": Decimal("0.75")}
    assert "Đã lưu ô bạn sửa trước khi đăng nhập lại" in texts(at)


def test_what_one_examiner_typed_after_their_login_ended_is_never_shown_to_another(
    tmp_path, monkeypatch
):
    at, path, entry_id = opened_sheet(tmp_path, monkeypatch)
    typed_after_the_login_ended(at, path)
    login(at, "giamkhao2")
    assert not at.exception
    assert "0,75" not in [box.value for box in at.text_input]
    assert "phieu_cho_luu" not in at.session_state
    assert stored(path, entry_id) == {}


def test_an_edit_after_the_round_closed_is_refused_at_the_sheet(tmp_path, monkeypatch):
    at, path, entry_id = opened_sheet(tmp_path, monkeypatch)
    con = db.connect(path)
    states.close_round(con, 1, "chutich")
    con.close()
    point(at, "I.1").set_value("0,5")
    rerun_sheet(at)
    assert not at.exception
    assert "Đợt chấm đã đóng." in texts(at) and stored(path, entry_id) == {}
    assert all(box.disabled for box in at.text_input)


def test_own_sheet_is_read_by_key_for_members_of_an_opened_round_only(tmp_path):
    con = prepare(tmp_path / "app.duckdb", state="draft")
    entry_id = int(worklist.my_assignments(con, "giamkhao1", include_draft_rounds=True)
                   .iloc[0]["entry_id"])  # fmt: skip
    assert sheets.own_sheet(con, entry_id, "giamkhao1") is None  # the round has not opened
    states.open_round(con, 1, "chutich")
    own = sheets.own_sheet(con, entry_id, "giamkhao1")
    assert own is not None and own.entry.id == entry_id and own.round.state == "open"
    assert own.sheet.assigned and own.sheet.id is None
    others = [u for u in ("giamkhao2", "giamkhao3", "giamkhao4")
              if entry_id not in set(worklist.my_assignments(con, u)["entry_id"])]  # fmt: skip
    assert others and sheets.own_sheet(con, entry_id, others[0]) is None
    assert sheets.own_sheet(con, 999_999, "giamkhao1") is None
    con.close()


def test_what_a_save_returns_is_what_the_database_holds(tmp_path):
    con = prepare(tmp_path / "app.duckdb")
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    gk = user(con, "giamkhao1")
    steps = [
        {"points": {"I.1": "0,5", "II.3": "7,25"}},
        {"notes": {"II.3": "Biện pháp hay"}, "overall": "Tốt"},
        {"points": {"I.1": ""}},  # cleared: the row goes
        {"points": {"II.3": "7,25"}},  # unchanged: nothing written
        {"notes": {"II.3": ""}, "points": {"I.2": "0,75"}},
    ]
    for change in steps:
        done = sheets.autosave(con, gk, entry_id, **change)
        fresh = sheets.get_sheet(con, entry_id, "giamkhao1")
        assert done.sheet == fresh
        assert done.view is not None and done.view.sheet == fresh
    assert fresh.values == {"II.3": Decimal("7.25"), "I.2": Decimal("0.75")}
    assert fresh.comments == {} and fresh.comment == "Tốt"
    con.close()


def test_each_points_field_suggests_a_mark_its_criterion_takes(tmp_path, monkeypatch):
    at, _, _ = opened_sheet(tmp_path, monkeypatch)
    fields = [t for t in at.text_input if "(tối đa " in t.label]
    assert fields
    for field in fields:
        most = Decimal(field.label.rsplit("(tối đa ", 1)[1].rstrip(")").replace(",", "."))
        example = Decimal(field.placeholder.rsplit("ví dụ ", 1)[1].replace(",", "."))
        assert 0 < example <= most, field.label


def test_the_total_line_names_every_field_not_saved(tmp_path, monkeypatch):
    at, path, entry_id = opened_sheet(tmp_path, monkeypatch)
    for code, typed in (("I.1", "abc"), ("II.3", "99"), ("I.2", "0,5")):
        point(at, code).set_value(typed)
        rerun_sheet(at)
    line = next(shown(c.value) for c in at.caption if "Chưa lưu" in shown(c.value))
    assert "I.1" in line and "II.3" in line and "I.2" not in line
    assert stored(path, entry_id) == {"I.2": Decimal("0.5")}


def test_a_criterion_label_from_a_rubric_file_is_text_on_the_sheet(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    payload = "[bấm](https://evil.example/x) **đậm** ![ảnh](https://evil.example/a.png)"
    for rid, text in con.execute("SELECT id, rubric_yaml FROM rounds").fetchall():
        rubric = yaml.safe_load(text)
        rubric["criteria"][0]["label"] = payload
        con.execute("UPDATE rounds SET rubric_yaml = ? WHERE id = ?",
                    [yaml.safe_dump(rubric, allow_unicode=True), rid])  # fmt: skip
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    con.close()
    at = open_page(login(app(path, monkeypatch), "giamkhao1"), "pages/phieu-cham.py")
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    label = next(t.label for t in at.text_input if "(tối đa " in t.label)
    # A widget label renders links, images and bold: each escaped, the text shown as typed.
    assert label.startswith(
        "I.1. \\[bấm\\](https:\u2060//evil.example/x) \\*\\*đậm\\*\\* !\\[ảnh\\]"
    )
