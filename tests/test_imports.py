"""Imports of a corpus of good and bad files made here: exact outcome, or refusal and no change."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata

import openpyxl
import pytest

from lib.access import users
from lib.io import imports
from lib.io.imports import Refused, preview, run_import
from lib.io.uploads import MAX_BYTES
from tests.docx_factory import build_plan_docx
from tests.test_docx_plan import CHAIR, EXPECTED
from tests.test_filereader import cp1258

PEOPLE_HEADER = [
    "Họ và tên",
    "Chức vụ",
    "Tổ",
    "Email",
    "Ngày vào ngành",
    "Tên đăng nhập",
    "Vai trò",
]
TASK_HEADER = ["Thời gian", "Nội dung", "Bộ phận thực hiện", "Lãnh đạo phụ trách", "Ghi chú",
               "Trạng thái", "Hạn"]  # fmt: skip
PLAN = "13/KH-MNAS"
TABLES = ("people", "users", "user_roles", "plans", "tasks", "audit_log", "settings")


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every table the imports may touch, to prove nothing changed."""
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def csv_bytes(rows: list[list[str]], sep: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if encoding == "cp1258":
        return cp1258(text)
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def refused(con, kind: str, data: bytes, filename: str, target: str | None = None) -> list[str]:
    """Import a bad file: it must be refused with messages and leave every table as it was."""
    before = snapshot(con)
    with pytest.raises(Refused) as info:
        run_import(con, kind, data, filename, "test", target)
    assert snapshot(con) == before
    assert [str(p) for p in preview(con, kind, data, filename, target).problems] == [
        str(p) for p in info.value.problems
    ]
    return [str(p) for p in info.value.problems]


def person(con, name: str) -> tuple:
    return con.execute(
        "SELECT p.full_name, p.position, p.group_name, p.email, p.start_date, u.username, "
        " u.password_hash FROM people p LEFT JOIN users u ON u.person_id = p.id "
        "WHERE p.full_name = ?",
        [name],
    ).fetchone()


def roles(con, username: str) -> set[str]:
    rows = con.execute("SELECT role FROM user_roles WHERE username = ?", [username]).fetchall()
    return {r[0] for r in rows}


# --- people ------------------------------------------------------------------------------------


def test_people_are_added_with_accounts_that_cannot_log_in_yet(demo_con):
    data = csv_bytes(
        [
            PEOPLE_HEADER,
            ["Trần Thị Bình", "Thư ký HĐ", "Tổ Văn phòng", "binh@truong.edu.vn", "01/09/2012",
             "thuky_binh", "admin; giám khảo"],
            ["Lý Văn Cường", "Bảo vệ", "Tổ Văn phòng", "", "", "", ""],
        ]
    )  # fmt: skip
    summary = run_import(demo_con, "people", data, "ds.csv", "chutich")
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    assert "1 tài khoản chưa có mật khẩu" in str(summary)
    assert person(demo_con, "Trần Thị Bình") == (
        "Trần Thị Bình", "Thư ký HĐ", "Tổ Văn phòng", "binh@truong.edu.vn",
        dt.date(2012, 9, 1), "thuky_binh", None,
    )  # fmt: skip
    assert roles(demo_con, "thuky_binh") == {"admin", "examiner"}
    assert person(demo_con, "Lý Văn Cường")[5] is None
    # No password: the login widget never gets this account until an admin sets one.
    assert "thuky_binh" not in users.credentials(demo_con)["usernames"]
    log = demo_con.execute("SELECT actor, action, entity FROM audit_log").fetchall()
    assert ("chutich", "import", "people") in log


def test_people_match_by_name_ignoring_case_spaces_and_unicode_form(demo_con):
    count = demo_con.execute("SELECT count(*) FROM people").fetchone()[0]
    nfd = unicodedata.normalize("NFD", "  nguyễn thị   QUYÊN ")
    data = csv_bytes(
        [["Họ tên", "Chức vụ", "Tổ", "Email"], [nfd, "", "", "quyen@truong.edu.vn"],
         ["Lê Thu Hà", "Phó hiệu trưởng, Thành viên HĐ", "Ban giám hiệu", ""]]
    )  # fmt: skip
    summary = run_import(demo_con, "people", data, "ds.csv", "test")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert demo_con.execute("SELECT count(*) FROM people").fetchone()[0] == count
    # Empty cells keep what was stored; the filled one is written.
    assert person(demo_con, "Nguyễn Thị Quyên")[1:4] == (
        "Hiệu trưởng, Chủ tịch HĐ", "Ban giám hiệu", "quyen@truong.edu.vn"
    )  # fmt: skip


def test_existing_account_gets_added_roles_never_removed(demo_con):
    data = csv_bytes([PEOPLE_HEADER, ["Đỗ Thị Lan", "Giáo viên", "Tổ Mẫu giáo nhỡ", "", "",
                                      "giaovien", "giám khảo"]])  # fmt: skip
    summary = run_import(demo_con, "people", data, "ds.csv", "test")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    assert roles(demo_con, "giaovien") == {"staff", "examiner"}
    again = run_import(demo_con, "people", data, "ds.csv", "test")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


NAMES = ["Nguyễn Thị Thuỷ", "Đặng Văn Hưởng", "Lê Hữu Đức"]


@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_people_in_every_encoding_and_separator(con, encoding, sep):
    rows = [["Họ và tên", "Chức vụ", "Tổ"]] + [[n, "Giáo viên", "Tổ Nhà trẻ"] for n in NAMES]
    summary = run_import(con, "people", csv_bytes(rows, sep, encoding), "ds.csv", "test")
    assert summary.added == 3
    stored = [r[0] for r in con.execute("SELECT full_name FROM people ORDER BY id").fetchall()]
    assert stored == NAMES
    assert all(unicodedata.is_normalized("NFC", n) for n in stored)


def test_people_from_xlsx_with_a_real_date_cell(con):
    data = xlsx_bytes(
        [["DANH SÁCH CÁN BỘ NĂM HỌC 2024-2025"], PEOPLE_HEADER,
         ["Hoàng Mai Anh", "Giáo viên", "Tổ Mẫu giáo bé", None, dt.datetime(2018, 8, 15), "maianh",
          "staff"]]
    )  # fmt: skip
    summary = run_import(con, "people", data, "ds.xlsx", "test")
    assert summary.added == 1
    assert person(con, "Hoàng Mai Anh")[4:6] == (dt.date(2018, 8, 15), "maianh")


# --- tasks -------------------------------------------------------------------------------------


def test_tasks_are_added_with_status_labels_due_dates_and_inherited_periods(demo_con):
    data = csv_bytes(
        [
            TASK_HEADER,
            ["Tháng 9/2024", "Họp hội đồng đầu năm", "HĐTĐKT", "Đ/c Quyên", "", "Hoàn thành", ""],
            ["", "Phân công giám khảo", "HĐSKKN", "Đ/c Quyên", "Lưu ý", "đang thực hiện",
             "2024-09-20"],
            ["Quý IV/2024", "Tổng kết", "HĐTĐKT", "", "", "", "5/12/24"],
            ["Tháng 12/2024", "Báo cáo", "HĐTĐKT", "", "", "Hủy", "45657"],
        ],
        sep=";",
    )  # fmt: skip
    summary = run_import(demo_con, "tasks", data, "viec.csv", "test", PLAN)
    assert (summary.added, summary.updated, summary.unchanged) == (4, 0, 0)
    rows = demo_con.execute(
        "SELECT period_label, content, note, status, start_date, due_date FROM tasks "
        "WHERE position > 10 ORDER BY position"
    ).fetchall()
    assert rows == [
        ("Tháng 9/2024", "Họp hội đồng đầu năm", "", "done", dt.date(2024, 9, 1),
         dt.date(2024, 9, 30)),
        ("Tháng 9/2024", "Phân công giám khảo", "Lưu ý", "doing", dt.date(2024, 9, 1),
         dt.date(2024, 9, 20)),
        ("Quý IV/2024", "Tổng kết", "", "todo", dt.date(2024, 10, 1), dt.date(2024, 12, 5)),
        ("Tháng 12/2024", "Báo cáo", "", "cancelled", dt.date(2024, 12, 1),
         dt.date(2024, 12, 31)),
    ]  # fmt: skip


def test_a_task_whose_time_is_not_understood_is_said_so_before_the_import(demo_con):
    data = csv_bytes(
        [
            TASK_HEADER,
            ["Tháng 13/2024", "Việc không có tháng ấy", "HĐTĐKT", "", "", "", ""],
            ["Quý V/2024", "Có hạn ghi riêng", "HĐTĐKT", "", "", "", "20/12/2024"],
            ["Tháng 9/2024", "Việc đọc được", "HĐTĐKT", "", "", "", ""],
        ],
    )  # fmt: skip
    checked = preview(demo_con, "tasks", data, "viec.csv", PLAN)
    assert not checked.problems and checked.added == 3  # a warning: the import still runs
    assert [(w.row, w.column) for w in checked.warnings] == [(2, "Thời gian")]
    assert "“Tháng 13/2024”" in checked.warnings[0].message


def test_tasks_reimport_updates_matched_rows_and_counts_the_rest(demo_con):
    query = (
        "SELECT id, period_label, content, unit, leader, status, done_on IS NOT NULL "
        "FROM tasks ORDER BY status = 'done', position"
    )
    todo, other = demo_con.execute(query).fetchall()[:2]
    assert todo[5] != "done" and other[5] != "done"
    rows = [TASK_HEADER[:4] + ["Trạng thái"], [*todo[1:5], "Hoàn thành"], [*other[1:5], ""]]
    summary = run_import(demo_con, "tasks", xlsx_bytes(rows), "viec.xlsx", "test", PLAN)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    after = {r[0]: r for r in demo_con.execute(query).fetchall()}
    assert after[todo[0]][5:] == ("done", True)
    assert after[other[0]] == other  # an empty status cell keeps the stored status
    assert demo_con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 10


# --- plan from Word ----------------------------------------------------------------------------

DATES = [(dt.date(2024, 3, 1), dt.date(2024, 3, 31))] * 5 + [
    (dt.date(2024, 5, 1), dt.date(2024, 5, 31))
] * 2 + [
    (dt.date(2024, 3, 27), dt.date(2024, 5, 31)),
    (dt.date(2024, 10, 1), dt.date(2024, 10, 31)),
    (dt.date(2024, 11, 1), dt.date(2024, 11, 30)),
]  # fmt: skip


@pytest.mark.parametrize("options", [{}, {"merged": False, "headers": "variant"}])
def test_word_plan_from_the_seed_imports_all_ten_rows(con, options):
    summary = run_import(con, "plan", build_plan_docx(**options), "13-KH-MNAS.docx", "test")
    assert (summary.added, summary.target) == (10, PLAN)
    plan = con.execute(
        "SELECT code, title, unit, place, issued_on, signer, year, school_year FROM plans"
    ).fetchall()
    assert plan == [
        (PLAN, "Công tác thi đua, khen thưởng năm 2024", "TRƯỜNG MẦM NON ÁNH SAO", "Long Biên",
         dt.date(2024, 3, 27), "Nguyễn Thị Quyên", 2024, "2023-2024")
    ]  # fmt: skip
    rows = con.execute(
        "SELECT period_label, content, unit, leader, status, start_date, due_date "
        "FROM tasks ORDER BY position"
    ).fetchall()
    assert rows == [
        (p, c, u, CHAIR, "todo", *d) for (p, c, u), d in zip(EXPECTED, DATES, strict=True)
    ]


def test_word_plan_preview_shows_rows_with_derived_dates(con):
    checked = preview(con, "plan", build_plan_docx(), "kh.docx")
    assert checked.ok and checked.added == 10
    assert list(checked.table["Hạn"])[:1] == ["31/03/2024"]
    assert list(checked.table["__row__"]) == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12]


# --- bad files: one clear message each, nothing written ------------------------------------------


def test_missing_required_column(demo_con):
    data = csv_bytes([["Chức vụ", "Tổ"], ["Giáo viên", "Tổ Nhà trẻ"]])
    assert refused(demo_con, "people", data, "ds.csv") == [
        "Dòng 1, cột “Họ và tên”: Thiếu cột bắt buộc “Họ và tên”. Các cột đang có: “Chức vụ”, “Tổ”."
    ]


def test_a_tasks_file_given_as_people_names_the_missing_columns(demo_con):
    data = csv_bytes([TASK_HEADER, ["Tháng 9/2024", "Họp", "HĐ", "Quyên", "", "", ""]])
    problems = refused(demo_con, "people", data, "viec.csv")
    assert [p.split(":")[0] for p in problems] == [
        "Dòng 1, cột “Họ và tên”", "Dòng 1, cột “Chức vụ”", "Dòng 1, cột “Tổ”"
    ]  # fmt: skip


def test_duplicate_rows(demo_con):
    people = csv_bytes([PEOPLE_HEADER[:3], ["Trần An", "GV", "Tổ 1"], ["trần  an", "GV", "Tổ 2"]])
    assert refused(demo_con, "people", people, "ds.csv") == [
        "Dòng 3, cột “Họ và tên”: Dòng này trùng với dòng 2. Hãy xoá một trong hai dòng."
    ]
    tasks = csv_bytes([TASK_HEADER[:4], ["Tháng 9/2024", "Họp", "HĐ", "Q"], ["", "họp", "HĐ", "Q"]])
    assert refused(demo_con, "tasks", tasks, "viec.csv", PLAN) == [
        "Dòng 3, cột “Nội dung”: Dòng này trùng với dòng 2. Hãy xoá một trong hai dòng."
    ]


@pytest.mark.parametrize(
    ("kind", "filename", "shown"),
    [("people", "ke-hoach.docx", ".docx"), ("plan", "ds.csv", ".csv"), ("tasks", "a.pdf", ".pdf")],
)
def test_wrong_kind_of_file(demo_con, kind, filename, shown):
    problems = refused(demo_con, kind, build_plan_docx(), filename, PLAN)
    assert len(problems) == 1
    assert problems[0].startswith("Sai loại tệp: “") and f"là tệp {shown}" in problems[0]


@pytest.mark.parametrize("kind, filename", [("people", "ds.csv"), ("plan", "kh.docx")])
def test_empty_file(demo_con, kind, filename):
    assert refused(demo_con, kind, b"", filename) == ["Tệp rỗng, không có dữ liệu."]


@pytest.mark.parametrize("kind, filename", [("people", "ds.xlsx"), ("plan", "kh.docx")])
def test_file_over_the_limit_says_the_limit(demo_con, kind, filename):
    (problem,) = refused(demo_con, kind, b"x" * (MAX_BYTES + 1), filename)
    assert "Tệp quá lớn" in problem and "Giới hạn là 10 MB" in problem.replace("giới", "Giới")


@pytest.mark.parametrize(
    ("kind", "filename", "message"),
    [
        ("people", "ds.xlsx", "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. "
         "Hãy mở bằng Excel và lưu lại."),
        ("plan", "kh.docx", "Tệp Word bị hỏng hoặc không đúng định dạng .docx. Hãy lưu lại."),
    ],
)  # fmt: skip
def test_corrupt_xlsx_and_docx(demo_con, kind, filename, message):
    data = (xlsx_bytes([PEOPLE_HEADER]) if kind == "people" else build_plan_docx())[:3000]
    assert refused(demo_con, kind, data, filename) == [message]


def test_csv_row_split_by_an_unquoted_separator(demo_con):
    data = (
        "Họ và tên;Chức vụ;Tổ;Tên đăng nhập;Vai trò\nTrần An;GV;Tổ 1;an;admin;examiner\n"
    ).encode()
    assert refused(demo_con, "people", data, "ds.csv") == [
        "Dòng 2, cột “Cột F”: Có 1 dòng (2) nhiều ô hơn dòng tiêu đề. Thường do một ô chứa dấu "
        "phân cách (“,” hoặc “;”) mà không đặt trong ngoặc kép. Hãy mở tệp bằng Excel và lưu "
        "lại, hoặc đặt ô đó trong ngoặc kép."
    ]


def test_bad_dates(demo_con):
    people = csv_bytes([PEOPLE_HEADER[:5], ["Trần An", "GV", "Tổ 1", "", "31/02/2020"]])
    assert refused(demo_con, "people", people, "ds.csv") == [
        "Dòng 2, cột “Ngày vào ngành”: Ngày “31/02/2020” không hợp lệ. "
        "Hãy ghi dạng ngày/tháng/năm, ví dụ 27/03/2024."
    ]
    tasks = csv_bytes([TASK_HEADER[:4] + ["Hạn"], ["Tháng 9/2024", "Họp", "HĐ", "Q", "cuối tháng"]])
    assert refused(demo_con, "tasks", tasks, "viec.csv", PLAN) == [
        "Dòng 2, cột “Hạn”: Ngày “cuối tháng” không hợp lệ. "
        "Hãy ghi dạng ngày/tháng/năm, ví dụ 27/03/2024."
    ]


def test_unknown_status(demo_con):
    data = csv_bytes(
        [TASK_HEADER[:4] + ["Trạng thái"], ["Tháng 9/2024", "Họp", "HĐ", "Q", "Xong rồi"]]
    )
    assert refused(demo_con, "tasks", data, "viec.csv", PLAN) == [
        "Dòng 2, cột “Trạng thái”: Trạng thái “Xong rồi” không có. Chỉ nhận: “Chưa bắt đầu”, "
        "“Đang thực hiện”, “Hoàn thành”, “Hủy”."
    ]


def test_unknown_role(demo_con):
    data = csv_bytes(
        [PEOPLE_HEADER, ["Trần An", "GV", "Tổ 1", "", "", "tran.an", "staff;hiệu phó"]]
    )
    assert refused(demo_con, "people", data, "ds.csv") == [
        "Dòng 2, cột “Vai trò”: Vai trò “hiệu phó” không có. Chỉ nhận: admin (Quản trị); "
        "examiner (Giám khảo); staff (CBGVNV)."
    ]


def test_account_problems_are_all_listed_at_once(demo_con):
    data = csv_bytes(
        [
            PEOPLE_HEADER,
            ["Trần An", "GV", "Tổ 1", "an@", "", "Trần An", ""],
            ["Lê Bình", "GV", "Tổ 1", "", "", "giamkhao1", ""],
            ["Lê Thu Hà", "GV", "Tổ 1", "", "", "lethuha", ""],
            ["Phan Cúc", "GV", "Tổ 1", "", "", "", "admin"],
            ["", "GV", "Tổ 1", "", "", "", ""],
        ]
    )
    assert refused(demo_con, "people", data, "ds.csv") == [
        "Dòng 2, cột “Email”: Email “an@” không hợp lệ (ví dụ: ten@truong.edu.vn).",
        "Dòng 2, cột “Tên đăng nhập”: Tên đăng nhập “trần an” không hợp lệ: 2–32 ký tự gồm chữ "
        "thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.",
        "Dòng 3, cột “Tên đăng nhập”: Tên đăng nhập “giamkhao1” đã là tài khoản của người khác.",
        "Dòng 4, cột “Tên đăng nhập”: Lê Thu Hà đã có tài khoản “giamkhao1”; đổi tên đăng nhập "
        "không làm qua nhập tệp.",
        "Dòng 5, cột “Vai trò”: Có vai trò nhưng không có tên đăng nhập: hãy ghi tên đăng nhập.",
        "Dòng 6, cột “Họ và tên”: Họ và tên đang trống.",
    ]


def test_tasks_need_an_existing_plan(demo_con):
    data = csv_bytes([TASK_HEADER[:4], ["Tháng 9/2024", "Họp", "HĐ", "Q"]])
    assert refused(demo_con, "tasks", data, "viec.csv", None) == [
        "Hãy chọn kế hoạch để nhập công việc vào: 13/KH-MNAS."
    ]
    assert refused(demo_con, "tasks", data, "viec.csv", "99/KH") == [
        "Không có kế hoạch số “99/KH”. Các kế hoạch: 13/KH-MNAS."
    ]


def test_word_plan_already_imported_or_without_schedule(demo_con):
    assert refused(demo_con, "plan", build_plan_docx(), "kh.docx") == [
        "cột “Số kế hoạch”: Đã có kế hoạch số 13/KH-MNAS; không nhập lại."
    ]
    problems = refused(demo_con, "plan", build_plan_docx(with_schedule=False), "kh.docx")
    assert problems[0] == "Không tìm thấy bảng tiến độ (cột THỜI GIAN, NỘI DUNG…)"


def test_each_kind_imports_into_an_empty_database_through_run_import(con):
    # What the removed per-kind entry points (import_people/_tasks/_plan) were tested for.
    people = csv_bytes([PEOPLE_HEADER[:3], ["An", "GV", "Tổ"]])
    assert run_import(con, "people", people, "a.csv", "test").added == 1
    assert refused(con, "people", csv_bytes([PEOPLE_HEADER[:3], ["", "GV", "Tổ"]]), "b.csv") == [
        "Dòng 2, cột “Họ và tên”: Họ và tên đang trống."
    ]
    summary = run_import(con, "plan", build_plan_docx(), "kh.docx", "test")
    assert (summary.added, summary.target) == (10, PLAN)
    tasks = csv_bytes([TASK_HEADER[:4], ["Tháng 12/2024", "Họp", "", ""]])
    assert run_import(con, "tasks", tasks, "t.csv", "test", PLAN).added == 1
    assert con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 11
    audited = con.execute(
        "SELECT actor, action, entity, entity_id, after FROM audit_log WHERE action = 'import' "
        "ORDER BY id"
    ).fetchall()
    assert [row[:4] for row in audited] == [
        ("test", "import", "people", "a.csv"),
        ("test", "import", "plan", "kh.docx"),
        ("test", "import", "tasks", "t.csv"),
    ]
    assert json.loads(audited[2][4]) == {
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "target": PLAN,
        "size": len(tasks),
        "sha256": hashlib.sha256(tasks).hexdigest(),
    }


def audit_rows(con, entity: str) -> list[tuple]:
    return [
        (action, entity_id, json.loads(before or "null"), json.loads(after or "null"))
        for action, entity_id, before, after in con.execute(
            "SELECT action, entity_id, before, after FROM audit_log WHERE entity = ? ORDER BY id",
            [entity],
        ).fetchall()
    ]


def test_people_import_audits_every_person_and_account_with_before_and_after(con):
    first = csv_bytes([PEOPLE_HEADER[:3], ["An", "GV", "Tổ 1"]])
    run_import(con, "people", first, "a.csv", "test")
    (pid,) = con.execute("SELECT id FROM people WHERE full_name = 'An'").fetchone()
    second = csv_bytes(
        [PEOPLE_HEADER, ["An", "Tổ trưởng", "", "", "01/09/2015", "an", "examiner"],
         ["Bình", "NV", "Văn phòng", "", "", "", ""], ["Chi", "GV", "Tổ 1", "", "", "", ""]]
    )  # fmt: skip
    run_import(con, "people", second, "b.csv", "test")
    run_import(con, "people", second, "b.csv", "test")  # nothing changes: nothing logged
    people = audit_rows(con, "person")
    before = {"full_name": "An", "position": "GV", "group_name": "Tổ 1", "email": "",
              "start_date": None}  # fmt: skip
    assert [r for r in people if r[1] == str(pid)] == [
        ("create", str(pid), None, before),
        ("update", str(pid), before,
         {**before, "position": "Tổ trưởng", "start_date": "2015-09-01"}),
    ]  # fmt: skip
    assert sorted(r[3]["full_name"] for r in people if r[1] != str(pid)) == ["Bình", "Chi"]
    assert len(people) == 4
    assert audit_rows(con, "user") == [
        ("create", "an", None, {"person_id": pid, "roles": ["examiner"]})
    ]
    summaries = con.execute(
        "SELECT actor, entity_id, after FROM audit_log WHERE action = 'import' ORDER BY id"
    ).fetchall()
    assert [s[:2] for s in summaries] == [("test", "a.csv"), ("test", "b.csv"), ("test", "b.csv")]
    assert json.loads(summaries[1][2])["sha256"] == hashlib.sha256(second).hexdigest()
    assert json.loads(summaries[2][2])["unchanged"] == 3


def test_tasks_import_audits_every_task_written_with_before_and_after(con):
    run_import(con, "plan", build_plan_docx(), "kh.docx", "test")
    tasks = [["Tháng 12/2024", "Họp tổng kết", "HĐTĐKT", "Đ/c Quyên", "", "", "20/12/2024"]]
    run_import(con, "tasks", csv_bytes([TASK_HEADER, *tasks]), "t.csv", "test", PLAN)
    (tid,) = con.execute("SELECT id FROM tasks WHERE content = 'Họp tổng kết'").fetchone()
    created = [r for r in audit_rows(con, "task") if r[1] == str(tid)]
    assert created == [
        ("create", str(tid), None,
         {"period_label": "Tháng 12/2024", "start_date": "2024-12-01", "due_date": "2024-12-20",
          "content": "Họp tổng kết", "unit": "HĐTĐKT", "leader": "Đ/c Quyên", "note": "",
          "status": "todo"}),
    ]  # fmt: skip
    tasks[0][4:6] = ["Mời cấp trên", "Hoàn thành"]
    run_import(con, "tasks", csv_bytes([TASK_HEADER, *tasks]), "t2.csv", "test", PLAN)
    updated = [r for r in audit_rows(con, "task") if r[0] == "update"]
    old = {"unit": "HĐTĐKT", "leader": "Đ/c Quyên", "note": "", "status": "todo",
           "due_date": "2024-12-20"}  # fmt: skip
    assert updated == [("update", str(tid), old, {**old, "note": "Mời cấp trên", "status": "done"})]


def test_preview_marks_problem_cells_on_their_row_and_column(demo_con):
    data = csv_bytes([PEOPLE_HEADER, ["Trần An", "GV", "Tổ 1", "", "hôm qua", "", "boss"],
                      ["Lê Bình", "GV", "Tổ 1", "", "", "", ""]])  # fmt: skip
    checked = preview(demo_con, "people", data, "ds.csv")
    table = imports.preview_table(checked)
    assert list(table["Dòng"]) == [2, 3]
    assert table.loc[0, "Lỗi"].startswith("Ngày vào ngành: Ngày “hôm qua”")
    assert "Vai trò: Vai trò “boss” không có" in table.loc[0, "Lỗi"]
    assert table.loc[1, "Lỗi"] == ""
    html = imports.styled_preview(checked).to_html()
    selectors = re.search(r"([^{}]+)\{\s*background-color: #fde2e1", html)[1]
    # Exactly the two bad cells: "Ngày vào ngành" (column 5) and "Vai trò" (7) of the first row.
    assert set(re.findall(r"row\d+_col\d+", selectors)) == {"row0_col5", "row0_col7"}
