"""The `titles` commands of `python -m lib.cli`: lists, paper tallies, the meeting, documents."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from lib.access.identity import name_key
from lib.access.permissions import User
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.documents.meetings import Attendance
from lib.io import exports
from lib.io.dates import parse_date
from lib.io.filereader import read_table
from lib.titles import ballots, documents, meeting
from lib.titles import eligibility as el
from lib.titles.rules import CONFIRM_NOTE, check_school_year, load_rules_file

# Whoever runs the command line holds the database file: they act as the council's admin.
CLI_ADMIN = User("cli", "Dòng lệnh", frozenset({"admin"}), 0)


def _write(data: bytes, output: str | None, what: str) -> str | None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    Path(output).write_bytes(data)
    return f"Đã xuất {what} ra {output}."


def cmd_eligibility(con: Connection, args: argparse.Namespace) -> str | None:
    """Print or write the eligibility table of a school year."""
    year = check_school_year(args.year)
    if args.rules:
        path = Path(args.rules)
        if not path.is_file():
            raise Invalid({"rules": f"Không có tệp quy chế {path}."})
        rules = load_rules_file(path)
    else:
        rules = None
    table = el.export_table(el.eligibility(con, year, rules))
    fmt = args.format or ("xlsx" if (args.output or "").endswith(".xlsx") else "csv")
    if fmt == "xlsx":
        data = exports.to_xlsx(table, "Đủ điều kiện", notes=[CONFIRM_NOTE])
        return _write(data, args.output or f"du-dieu-kien-{year}.xlsx", "danh sách đủ điều kiện")
    return _write(exports.to_csv(table), args.output, "danh sách đủ điều kiện")


def cmd_medal(con: Connection, args: argparse.Namespace) -> str | None:
    """Print or write who may be proposed for the medal in a school year."""
    year = check_school_year(args.year)
    df = el.medal_list(con, year)[["ho_ten", "so_nam", "du_dieu_kien", "ly_do"]].copy()
    df["du_dieu_kien"] = df["du_dieu_kien"].map({True: "co", False: "khong"})
    if (args.output or "").endswith(".xlsx"):
        return _write(
            exports.to_xlsx(df, "Kỷ niệm chương"), args.output, "danh sách Kỷ niệm chương"
        )
    return _write(exports.to_csv(df), args.output, "danh sách Kỷ niệm chương")


def cmd_tally(con: Connection, args: argparse.Namespace) -> str:
    """Record a file of paper-ballot tallies, all or nothing."""
    path = Path(args.file)
    if not path.is_file():
        raise Invalid({"file": f"Không có tệp {path}."})
    table, problems = read_table(path.read_bytes(), path.name)
    if table is None or problems:
        raise Invalid({f"p{i}": str(p) for i, p in enumerate(problems)} or "Không đọc được tệp.")
    n = ballots.save_paper_file(con, CLI_ADMIN, args.year, table)
    return f"{path.name}: đã ghi kết quả phiếu giấy của {n} dòng."


def cmd_results(con: Connection, args: argparse.Namespace) -> str | None:
    """Print or write the titles decided by the vote."""
    df = ballots.results(con, check_school_year(args.year))
    if (args.output or "").endswith(".xlsx"):
        return _write(exports.to_xlsx(df, "Kết quả bình xét"), args.output, "kết quả bình xét")
    return _write(exports.to_csv(df), args.output, "kết quả bình xét")


def cmd_document(con: Connection, args: argparse.Namespace) -> str:
    """Write one titles document of a school year as Word."""
    data = documents.document(con, args.kind, args.year, CLI_ADMIN.username)
    out = args.output or documents.file_name(args.kind, args.year)
    Path(out).write_bytes(data)
    return f"Đã lập {documents.DOCUMENTS[args.kind][1].lower()} ra {out}."


def cmd_meeting(con: Connection, args: argparse.Namespace) -> str:
    """Record the year's bình xét meeting: the voting members (plus --member), --absent ones."""
    year = check_school_year(args.year)
    on, problem = parse_date(args.date)
    if problem:
        raise Invalid({"date": f"Ngày họp: {problem}"})
    people = meeting.council_members(con, args.chair)
    known = {name_key(a.name) for a in people}
    people += [Attendance(n, meeting.MEMBER, True) for n in args.member if name_key(n) not in known]
    absent: dict[str, str] = {}
    for item in args.absent:
        name, _, reason = item.partition(":")
        absent[name_key(name)] = reason.strip()
    unknown = set(absent) - {name_key(a.name) for a in people}
    if unknown:
        raise Invalid({"absent": "--absent: không có thành viên " + ", ".join(
            a for a in args.absent if name_key(a.partition(":")[0]) in unknown) + "."})  # fmt: skip
    people = [replace(a, present=False, reason=absent[name_key(a.name)])
              if name_key(a.name) in absent else a for a in people]  # fmt: skip
    people = [replace(a, duty=meeting.SECRETARY)
              if name_key(a.name) == name_key(args.secretary) and a.duty == meeting.MEMBER else a
              for a in people]  # fmt: skip
    people.sort(key=lambda a: meeting.duty_rank(a.duty))  # stable: the secretary goes last
    saved = meeting.save_meeting(
        con, CLI_ADMIN, year, held_on=on, starts_at=args.start, ends_at=args.end,
        place=args.place, chaired_by=args.chair, secretary=args.secretary, attendance=people,
    )  # fmt: skip
    return (f"Đã ghi cuộc họp bình xét năm học {year}: ngày {saved.held_on:%d/%m/%Y}, có mặt "
            f"{saved.present}/{len(saved.attendance)} thành viên.")  # fmt: skip


def add_titles_commands(sub: argparse._SubParsersAction) -> None:
    """Add `titles eligibility` and `titles medal` to the command line."""
    group = sub.add_parser("titles", help="thi đua: đủ điều kiện danh hiệu, Kỷ niệm chương")
    commands = group.add_subparsers(dest="titles_command", required=True, metavar="LỆNH")
    elig = commands.add_parser(
        "eligibility", help="danh sách đủ điều kiện LĐTT, CSTĐCS, TTLĐTT, TTLĐXS",
        description="Cột: ho_ten, to, danh_hieu (LDTT/CSTDCS/TTLDTT/TTLDXS), du_dieu_kien "
        "(co/khong), ly_do. Không có -o thì in CSV ra màn hình.",
    )  # fmt: skip
    elig.add_argument("--year", required=True, metavar="2024-2025", help="năm học")
    elig.add_argument("--rules", metavar="TỆP.yaml", help="quy chế khác quy chế đã lưu của năm học")
    elig.add_argument("--format", choices=["csv", "xlsx"], help="mặc định csv (hoặc theo đuôi -o)")
    elig.add_argument("-o", "--output", metavar="TỆP", help="tệp ghi ra")
    elig.set_defaults(handler=cmd_eligibility)
    medal = commands.add_parser(
        "medal", help="xét Kỷ niệm chương 'Vì sự nghiệp giáo dục'",
        description="Cột: ho_ten, so_nam, du_dieu_kien (co/khong), ly_do.",
    )  # fmt: skip
    medal.add_argument("--year", required=True, metavar="2024-2025", help="năm học")
    medal.add_argument("-o", "--output", metavar="TỆP", help="tệp ghi ra (.csv hoặc .xlsx)")
    medal.set_defaults(handler=cmd_medal)
    tally = commands.add_parser(
        "tally", help="nhập kết quả phiếu giấy (CSV/Excel)",
        description="Cột: ho_ten, danh_hieu, dong_y, khong_dong_y, co_mat. Có lỗi thì không "
        "ghi dòng nào.",
    )  # fmt: skip
    tally.add_argument("--year", required=True, metavar="2024-2025", help="năm học")
    tally.add_argument("file", metavar="TỆP", help="tệp .csv hoặc .xlsx")
    tally.set_defaults(handler=cmd_tally)
    res = commands.add_parser(
        "results", help="kết quả bình xét: ho_ten, danh_hieu, ket_qua (dat/khong_dat), ly_do"
    )
    res.add_argument("--year", required=True, metavar="2024-2025", help="năm học")
    res.add_argument("-o", "--output", metavar="TỆP", help="tệp ghi ra (.csv hoặc .xlsx)")
    res.set_defaults(handler=cmd_results)
    meet = commands.add_parser(
        "meeting", help="ghi thông tin cuộc họp bình xét (cho biên bản và số có mặt)",
        description="Thành phần: các tài khoản quản trị, giám khảo (thành viên bỏ phiếu) và "
        "những người ghi ở --member; --absent \"Họ tên: lý do\" ghi vắng.",
    )  # fmt: skip
    meet.add_argument("--year", required=True, metavar="2024-2025", help="năm học")
    meet.add_argument("--date", required=True, metavar="24/05/2024", help="ngày họp")
    meet.add_argument("--start", required=True, metavar="14:00", help="giờ bắt đầu")
    meet.add_argument("--end", required=True, metavar="16:30", help="giờ kết thúc")
    meet.add_argument("--place", required=True, help="địa điểm")
    meet.add_argument("--chair", required=True, metavar="HỌ_TÊN", help="chủ trì")
    meet.add_argument("--secretary", required=True, metavar="HỌ_TÊN", help="thư ký")
    meet.add_argument("--member", action="append", default=[], metavar="HỌ_TÊN",
                      help="thành viên không có tài khoản (lặp lại được)")  # fmt: skip
    meet.add_argument("--absent", action="append", default=[], metavar="HỌ_TÊN: LÝ_DO",
                      help="thành viên vắng và lý do (lặp lại được)")  # fmt: skip
    meet.set_defaults(handler=cmd_meeting)
    kinds = list(documents.DOCUMENTS)
    doc = commands.add_parser(
        "document", help="văn bản bình xét thi đua (Word)",
        description="; ".join(f"{k}: {label}" for k, (_, label) in documents.DOCUMENTS.items()),
    )  # fmt: skip
    doc.add_argument("kind", choices=kinds, metavar="LOẠI", help=f"một trong: {', '.join(kinds)}")
    doc.add_argument("--year", required=True, metavar="2024-2025", help="năm học")
    doc.add_argument("-o", "--output", metavar="TỆP", help="tệp .docx ghi ra (mặc định theo loại)")
    doc.set_defaults(handler=cmd_document)
