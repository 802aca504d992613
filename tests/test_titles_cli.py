"""`titles eligibility`, `medal` and `meeting` on the command line."""

import csv
import io

import openpyxl

from lib import cli
from lib.core import db
from lib.titles.rules import default_yaml
from tests.titles_helpers import evaluate, school


def _db(tmp_path):
    con = db.connect(tmp_path / "t.duckdb")
    ids = school(con)
    evaluate(con, ids["Lê Thị Bình"], months="10")
    evaluate(con, ids["Phạm Thu Cúc"], days="45")
    con.close()
    return str(tmp_path / "t.duckdb")


def _rows(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_eligibility_csv_has_the_documented_columns_and_reasons(tmp_path, capsys):
    path = _db(tmp_path)
    assert cli.main(["--db", path, "titles", "eligibility", "--year", "2023-2024"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert list(rows[0]) == ["ho_ten", "to", "danh_hieu", "du_dieu_kien", "ly_do"]
    by = {(r["ho_ten"], r["danh_hieu"]): r for r in rows}
    assert by[("Lê Thị Bình", "LDTT")]["du_dieu_kien"] == "co"
    assert by[("Phạm Thu Cúc", "LDTT")]["ly_do"] == "Nghỉ 45 ngày làm việc (≥ 40)"
    assert by[("Tổ A", "TTLDTT")]["to"] == "Tổ A"  # collective rows carry the tổ in ho_ten
    assert {r["danh_hieu"] for r in rows} == {"LDTT", "CSTDCS", "TTLDTT", "TTLDXS"}


def test_eligibility_with_another_quy_che_file_and_xlsx(tmp_path, capsys):
    path = _db(tmp_path)
    strict = tmp_path / "chat.yaml"
    strict.write_text(default_yaml().replace("value: 10\n", "value: 11\n", 1), encoding="utf-8")
    out = tmp_path / "ds.xlsx"
    code = cli.main(["--db", path, "titles", "eligibility", "--year", "2023-2024",
                     "--rules", str(strict), "-o", str(out)])  # fmt: skip
    assert code == 0 and out.exists()
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ho_ten", "to", "danh_hieu", "du_dieu_kien", "ly_do")
    binh = next(r for r in rows if r[0] == "Lê Thị Bình" and r[2] == "LDTT")
    assert binh[3] == "khong" and binh[4] == "Công tác 10 tháng (cần từ 11)"
    bad = tmp_path / "hong.yaml"
    bad.write_text("name: [", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["--db", path, "titles", "eligibility", "--year", "2023-2024",
                     "--rules", str(bad)]) == 1  # fmt: skip
    assert "Lỗi cú pháp YAML" in capsys.readouterr().err


def test_medal_csv(tmp_path, capsys):
    path = _db(tmp_path)
    assert cli.main(["--db", path, "titles", "medal", "--year", "2023-2024"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert list(rows[0]) == ["ho_ten", "so_nam", "du_dieu_kien", "ly_do"]
    assert {r["ly_do"] for r in rows} == {"Chưa có ngày vào ngành"}
    assert cli.main(["--db", path, "titles", "medal", "--year", "2023"]) == 1


def test_paper_tally_file_then_results(tmp_path, capsys):
    path = _db(tmp_path)
    con = db.connect(path)
    from lib.titles import registrations as reg
    from tests.titles_helpers import user

    reg.save_registration(con, user(con, "chutich"), "2023-2024",
                          con.execute("SELECT id FROM people WHERE full_name = 'Lê Thị Bình'")
                          .fetchone()[0], "LDTT")  # fmt: skip
    con.close()
    bad = tmp_path / "sai.csv"
    bad.write_text("ho_ten,danh_hieu,dong_y,khong_dong_y,co_mat\n"
                   "Lê Thị Bình,LDTT,5,1,4\nNgười Lạ,LDTT,1,0,4\n", encoding="utf-8")  # fmt: skip
    assert cli.main(["--db", path, "titles", "tally", "--year", "2023-2024", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Dòng 2: Đồng ý + không đồng ý (6) nhiều hơn số có mặt (4)." in err
    assert "Dòng 3, cột “ho_ten”: “Người Lạ” không có trong danh sách đề nghị LĐTT." in err
    good = tmp_path / "dung.csv"
    good.write_text("ho_ten,danh_hieu,dong_y,khong_dong_y,co_mat\nlê thị bình,LĐTT,3,1,4\n",
                    encoding="utf-8")  # fmt: skip
    assert cli.main(["--db", path, "titles", "tally", "--year", "2023-2024", str(good)]) == 0
    capsys.readouterr()
    assert cli.main(["--db", path, "titles", "results", "--year", "2023-2024"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows == [{"ho_ten": "Lê Thị Bình", "danh_hieu": "LDTT", "ket_qua": "dat",
                     "ly_do": "3/4 đồng ý (75%)"}]  # fmt: skip


def test_the_meeting_from_the_command_line_makes_the_minutes(tmp_path, capsys):
    from lib.demo import DEMO_ORGANIZATION
    from lib.documents import organization
    from lib.titles import ballots, meeting
    from lib.titles import registrations as reg
    from tests.docx_checks import all_text, open_docx
    from tests.titles_helpers import user

    path = _db(tmp_path)
    con = db.connect(path)
    organization.update(con, "test", **DEMO_ORGANIZATION)
    admin = user(con, "chutich")
    binh = con.execute("SELECT id FROM people WHERE full_name = 'Lê Thị Bình'").fetchone()[0]
    reg.save_registration(con, admin, "2023-2024", binh, "LDTT")
    con.close()
    base = ["--db", path, "titles", "meeting", "--year", "2023-2024", "--date", "24/05/2024",
            "--start", "14:00", "--end", "16:30", "--place", "Phòng họp",
            "--chair", "Nguyễn Thị Quyên", "--secretary", "Hoàng Văn Công"]  # fmt: skip
    assert cli.main([*base, "--absent", "Người Lạ: ốm"]) == 1
    assert "--absent: không có thành viên Người Lạ: ốm." in capsys.readouterr().err
    assert cli.main([*base, "--member", "Hoàng Văn Công", "--member", "Mai Thu Thảo",
                     "--absent", "Mai Thu Thảo: đi học"]) == 0  # fmt: skip
    assert "có mặt 2/3 thành viên" in capsys.readouterr().out
    con = db.connect(path)
    record = meeting.get_meeting(con, "2023-2024")
    assert [(a.name, a.duty, a.present) for a in record.attendance] == [
        ("Nguyễn Thị Quyên", "Chủ tịch HĐ", True), ("Mai Thu Thảo", "Ủy viên", False),
        ("Hoàng Văn Công", "Thư ký HĐ", True)]  # fmt: skip
    ballots.save_paper_tally(con, admin, "2023-2024", f"p:{binh}", "LDTT", "2", "0", "2")
    con.close()
    out = tmp_path / "bb.docx"
    assert cli.main(["--db", path, "titles", "document", "bien-ban", "--year", "2023-2024",
                     "-o", str(out)]) == 0  # fmt: skip
    text = all_text(open_docx(out.read_bytes()))
    assert "Vắng (đi học)" in text and "Long Biên, ngày 24 tháng 5 năm 2024" in text
