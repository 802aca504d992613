"""Văn bản from the command line and the pages: org show|set, document KIND, the meeting form."""

import zipfile
from datetime import date

import pytest

from lib import cli, demo
from lib.core import db
from lib.documents import organization
from lib.scoring import meetings
from tests.apptest import app, downloads, login, open_page, open_tab, texts
from tests.documents_helpers import scored_round
from tests.docx_checks import all_text, open_docx


def run(path, capsys, *args):
    code = cli.main(["--db", str(path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def scored_db(path, **kw):
    con = db.connect(path)
    demo.load_demo(con)
    rid = scored_round(con, **kw)
    con.close()
    return rid


def test_org_show_and_set(tmp_path, capsys):
    path = tmp_path / "t.duckdb"
    assert cli.main(["--db", str(path), "init", "--demo"]) == 0
    code, out, _ = run(path, capsys, "org", "show")
    assert code == 0 and "Cơ quan chủ quản: UBND QUẬN LONG BIÊN" in out
    assert "Địa chỉ: (chưa khai báo)" in out  # the plan gives none: nothing invented
    code, out, _ = run(path, capsys, "org", "set", "--governing-body", "UBND PHƯỜNG BỒ ĐỀ")
    assert code == 0 and "Cơ quan chủ quản: UBND PHƯỜNG BỒ ĐỀ" in out
    code, _, err = run(path, capsys, "org", "set", "--school-name", "")
    assert code == 1 and "Tên đơn vị: không được để trống." in err
    con = db.connect(path)
    assert organization.get(con).school_name == "Trường mầm non Ánh Sao"
    con.close()


def test_document_bien_ban_refuses_without_a_meeting_then_writes_it(tmp_path, capsys):
    path = tmp_path / "t.duckdb"
    rid = scored_db(path, meeting=False, adjust=False)
    out_file = tmp_path / "bb.docx"
    code, _, err = run(path, capsys, "document", "bien-ban", "--round", str(rid), "-o",
                       str(out_file))  # fmt: skip
    assert code == 1 and "Chưa ghi thông tin cuộc họp" in err and not out_file.exists()
    con = db.connect(path)
    meetings.save_meeting(
        con, rid, "chutich", held_on=date(2025, 3, 27), starts_at="14:00", ends_at="16:00",
        place="Phòng họp", chaired_by="Nguyễn Thị Quyên", secretary="Lê Thu Hà",
        attendance=meetings.default_attendance(con, rid), decisions=[],
    )  # fmt: skip
    con.close()
    code, out, _ = run(path, capsys, "document", "bien-ban", "--round", str(rid), "-o",
                       str(out_file))  # fmt: skip
    assert code == 0 and str(out_file) in out
    assert "Long Biên, ngày 27 tháng 3 năm 2025" in all_text(open_docx(out_file.read_bytes()))
    code, _, err = run(path, capsys, "document", "ho-so", "--round", str(rid))
    assert code == 1 and "chưa công bố" in err
    assert run(path, capsys, "round", "finalize", str(rid))[0] == 0
    con = db.connect(path)  # stored at publication, before any document is asked for
    assert con.execute("SELECT count(*) FROM recognitions WHERE round_id = ?", [rid]).fetchone()[0]
    con.close()
    target = tmp_path / "hs.zip"
    assert run(path, capsys, "document", "ho-so", "--round", str(rid), "-o", str(target))[0] == 0
    assert "manifest.csv" in zipfile.ZipFile(target).namelist()


def test_the_admin_edits_thong_tin_don_vi_on_its_page(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/thong-tin-don-vi.py")
    assert at.text_input(key="org_governing_body").value == "UBND QUẬN LONG BIÊN"
    at.text_input(key="org_governing_body").set_value("UBND PHƯỜNG PHÚC LỢI")
    at.text_input(key="org_code").set_value("")
    at.button[0].click().run()
    assert "Chữ viết tắt tên đơn vị" in texts(at)  # refused, named by field
    at.text_input(key="org_code").set_value("MNAS")
    at.button[0].click().run()
    assert "Đã lưu Thông tin đơn vị." in texts(at)
    con = db.connect(path)
    assert organization.get(con).governing_body == "UBND PHƯỜNG PHÚC LỢI"
    con.close()
    staff = login(app(path, monkeypatch), "giaovien")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        staff.switch_page("pages/thong-tin-don-vi.py")


def test_the_documents_tab_records_the_meeting_and_offers_each_document(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    rid = scored_db(path, meeting=False, adjust=False)
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    next(s for s in at.selectbox if s.label == "Đợt chấm").set_value(rid).run()
    open_tab(at, "kq_the", "Văn bản")
    buttons = downloads(at)
    assert buttons["Biên bản họp hội đồng chấm SKKN (Word)"] is True  # no meeting yet
    assert buttons["Bảng tổng hợp kết quả chấm SKKN (Excel)"] is False
    at.text_input(key=f"hop_bd_{rid}").set_value("8:00")
    at.text_input(key=f"hop_kt_{rid}").set_value("7:00")
    next(b for b in at.button if b.label == "Lưu thông tin cuộc họp").click().run()
    shown = texts(at)
    assert "Ngày họp: bắt buộc." in shown and "Giờ kết thúc phải sau giờ bắt đầu." in shown
    con = db.connect(path)
    assert meetings.get_meeting(con, rid) is None
    con.close()
    at.date_input(key=f"hop_ngay_{rid}").set_value(date(2025, 2, 5))
    at.text_input(key=f"hop_kt_{rid}").set_value("10:30")
    at.text_input(key=f"hop_dd_{rid}").set_value("Phòng họp")
    at.text_input(key=f"hop_tk_{rid}").set_value("Lê Thu Hà")  # the demo council has no Thư ký
    next(b for b in at.button if b.label == "Lưu thông tin cuộc họp").click().run()
    assert "Đã lưu thông tin cuộc họp của hội đồng." in texts(at)
    buttons = downloads(at)
    assert buttons["Biên bản họp hội đồng chấm SKKN (Word)"] is False
    con = db.connect(path)
    meeting = meetings.get_meeting(con, rid)
    con.close()
    assert meeting is not None and (meeting.starts_at, meeting.ends_at) == ("08:00", "10:30")
    assert meeting.chaired_by == "Nguyễn Thị Quyên" and len(meeting.attendance) == 3
