"""User text is text: payloads stored in the data appear escaped in every markdown element."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import yaml

from lib import demo
from lib.core import db
from lib.core.db import set_setting
from lib.core.text import literal
from lib.documents import organization
from lib.io import imports
from lib.scoring import meetings
from tests.apptest import app, login, open_page, open_tab, shown
from tests.documents_helpers import scored_round

PAYLOADS = {
    "link": "[bấm vào đây](https://evil.example/x)",
    "image": "![ảnh](https://evil.example/a.png)",
    "red": ":red[CẢNH BÁO GIẢ]",
    "badge": ":green-badge[Đã nộp]",
    "heading": "# KẾT LUẬN CỦA HỘI ĐỒNG: SKKN ĐẠT LOẠI A",
    "math": "$x$",
}
# Elements Streamlit renders as markdown (AppTest gives their markdown source).
MARKDOWN_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "success",
                  "warning", "error")  # fmt: skip


def plant(db_file) -> None:
    """Put the payloads where people type: plan, task, person, round, rubric, entry."""
    con = db.connect(db_file)
    demo.load_demo(con)
    p = PAYLOADS
    con.execute(
        "UPDATE plans SET title = ?, unit = ?, signer = ?, signer_title = ?",
        [p["heading"], p["link"], p["image"], p["red"]],
    )
    con.execute(
        "UPDATE tasks SET period_label = ?, content = ?, start_date = NULL, due_date = NULL "
        "WHERE position = 1",
        [p["badge"], p["math"]],
    )
    con.execute(
        "UPDATE people SET full_name = ? WHERE id = (SELECT person_id FROM users "
        "WHERE username = 'chutich')",
        [p["heading"]],
    )
    (rubric_yaml,) = con.execute("SELECT rubric_yaml FROM rounds LIMIT 1").fetchone()
    rubric = yaml.safe_load(rubric_yaml)
    rubric["name"] = p["link"]
    con.execute(
        "UPDATE rounds SET name = ?, level = ?, reopen_reason = ?, rubric_yaml = ?",
        [p["badge"], p["red"], p["heading"], yaml.safe_dump(rubric, allow_unicode=True)],
    )
    con.execute(
        "UPDATE entries SET title = ?, field = ?, withdrawn = true, withdrawn_reason = ?",
        [p["heading"], p["link"], p["math"] + " " + p["red"]],
    )
    con.close()


@pytest.fixture
def at(tmp_path, monkeypatch):
    db_file = tmp_path / "app.duckdb"
    plant(db_file)
    return login(app(db_file, monkeypatch), "chutich")


def markdown_sources(at) -> list[str]:
    return [str(e.value) for kind in MARKDOWN_KINDS for e in getattr(at, kind)]


def assert_literal(at, expected: list[str]) -> None:
    """No payload appears unescaped in any markdown element; the expected ones appear as text."""
    assert not at.exception
    sources = markdown_sources(at)
    for source in sources:
        for name, payload in PAYLOADS.items():
            assert payload not in source, f"{name} payload rendered as markdown: {source!r}"
    visible = "\n".join(shown(s) for s in sources)
    for name in expected:
        assert PAYLOADS[name] in visible, f"{name} payload not shown at all"


def test_plan_texts_on_the_plans_page(at):
    open_page(at, "pages/ke-hoach.py")
    assert_literal(at, ["heading", "link", "image", "red", "badge", "math"])


@pytest.mark.parametrize("path", ["pages/tong-quan.py", "pages/trinh-chieu.py", "pages/tien-do.py"])
def test_plan_texts_on_the_overview_pages(at, path):
    open_page(at, path)
    assert_literal(at, ["heading"])  # the person's name in the menu, the plan's title


def test_person_name_on_the_account_page(at):
    open_page(at, "pages/tai-khoan.py")
    assert_literal(at, ["heading"])


def test_round_reason_and_rubric_name_on_the_rounds_page(at):
    open_page(at, "pages/dot-cham.py")
    assert_literal(at, ["heading"])  # the reopen reason
    open_tab(at, "dc_the", "Mẫu phiếu chấm")
    assert_literal(at, ["link"])  # the rubric's name


def test_withdrawal_reason_on_the_entries_page(at):
    open_page(at, "pages/skkn.py")
    assert_literal(at, [])
    open_tab(at, "sk_the", "Sửa / rút SKKN")
    assert_literal(at, ["math", "red"])


def test_users_page(at):
    open_page(at, "pages/nguoi-dung.py")
    assert_literal(at, ["heading"])


def test_import_errors_quote_cells_as_text(at):
    open_page(at, "pages/nhap-du-lieu.py")
    header = "Họ và tên,Chức vụ,Tổ,Email"
    rows = [f"Nguyễn Văn {i},GV,Tổ 1,{p}" for i, p in enumerate(PAYLOADS.values())]
    data = "\n".join([header, *rows]).encode()
    problems = imports.preview(db.connect(":memory:"), "people", data, "ds.csv", None, None)
    assert any(PAYLOADS["link"] in str(p) for p in problems.problems)  # messages quote cells
    at.file_uploader[0].set_value(("ds.csv", data, "text/csv")).run()
    assert_literal(at, list(PAYLOADS))


@pytest.mark.parametrize(
    "address",
    ["https://evil.example/x", "HTTP://evil.example", "www.evil.example", "a@evil.example"],
)
def test_bare_addresses_do_not_become_links(address):
    """GFM links bare addresses even after escapes: the scheme, www or @ is broken invisibly."""
    escaped = literal(address)
    assert shown(escaped) == address
    for trigger in ("://", "www.", "www\\.", "@e"):
        assert trigger not in escaped.replace("\\:", ":")


def plant_documents(db_file) -> int:
    """The payloads in Thông tin đơn vị and in a round's recorded meeting; return the round."""
    plant(db_file)
    con = db.connect(db_file)
    values = list(PAYLOADS.values())
    for i, name in enumerate(organization.FIELDS):
        set_setting(con, organization.PREFIX + name, values[i % len(values)])
    (rid,) = con.execute("SELECT min(id) FROM rounds").fetchone()
    attendance = [
        replace(a, name=PAYLOADS["heading"] if i == 0 else a.name)
        for i, a in enumerate(meetings.default_attendance(con, rid))
    ]
    meetings.save_meeting(
        con, rid, "chutich", held_on=date(2025, 3, 27), starts_at="08:00", ends_at="10:30",
        place=PAYLOADS["link"], chaired_by=PAYLOADS["image"], secretary=PAYLOADS["red"],
        attendance=attendance, decisions=[meetings.Decision(PAYLOADS["badge"], 1, 0, 1, None)],
        content=PAYLOADS["math"],
    )  # fmt: skip
    con.close()
    return rid


def test_thong_tin_don_vi_page(tmp_path, monkeypatch):
    db_file = tmp_path / "app.duckdb"
    plant_documents(db_file)
    at = open_page(login(app(db_file, monkeypatch), "chutich"), "pages/thong-tin-don-vi.py")
    assert [t.value for t in at.text_input][:2] == [PAYLOADS["link"], PAYLOADS["image"]]
    assert_literal(at, [])


def test_documents_tab_meeting_and_its_refusals(tmp_path, monkeypatch):
    db_file = tmp_path / "app.duckdb"
    rid = plant_documents(db_file)
    at = open_page(login(app(db_file, monkeypatch), "chutich"), "pages/ket-qua-cham.py")
    next(s for s in at.selectbox if s.label == "Đợt chấm").set_value(rid).run()
    open_tab(at, "kq_the", "Văn bản")
    assert at.text_input(key=f"hop_dd_{rid}").value == PAYLOADS["link"]
    assert_literal(at, [])
    at.text_input(key=f"hop_bd_{rid}").set_value(PAYLOADS["link"])  # quoted by the refusal
    next(b for b in at.button if b.label == "Lưu thông tin cuộc họp").click().run()
    assert_literal(at, ["link"])


def test_a_scoring_sheet_on_the_results_page(tmp_path, monkeypatch):
    db_file = tmp_path / "app.duckdb"
    plant(db_file)
    con = db.connect(db_file)
    rid = scored_round(con, meeting=False, adjust=False)
    con.execute("UPDATE entries SET title = ? WHERE round_id = ?", [PAYLOADS["heading"], rid])
    con.execute("UPDATE sheets SET comment = ?", [PAYLOADS["image"]])
    con.close()
    at = open_page(login(app(db_file, monkeypatch), "chutich"), "pages/ket-qua-cham.py")
    next(s for s in at.selectbox if s.label == "Đợt chấm").set_value(rid).run()
    open_tab(at, "kq_the", "Phiếu chấm")
    assert_literal(at, ["heading", "image"])  # the SKKN's title, the examiner's overall comment
