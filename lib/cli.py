"""Command line `python -m lib.cli [--db PATH] …`: a thin wrapper over lib, same rules as the UI."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from lib import demo
from lib.access import sessions, users
from lib.access.permissions import ROLES
from lib.core import db
from lib.core.errors import Invalid
from lib.documents import catalog as documents
from lib.documents import organization, recognition
from lib.io import backup, exports, imports
from lib.scoring import assignment, entries, rounds, states
from lib.titles.commands import add_titles_commands

ACTOR = "cli"
Handler = Callable[[db.Connection, argparse.Namespace], str | None]


def read_password(prompt: str = "Mật khẩu: ") -> str:
    """Read a password from stdin when piped, else prompt twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise Invalid({"password": "Hai lần nhập mật khẩu không khớp."})
    return first


def cmd_init(con: db.Connection, args: argparse.Namespace) -> str:
    if args.demo:
        demo.load_demo(con)
        return f"Đã tạo {args.db} và nạp dữ liệu mẫu (kế hoạch 13/KH-MNAS, 4 tài khoản mẫu)."
    if demo.is_empty(con):
        # An empty database made on purpose must not get the demo on the app's first start.
        db.set_setting(con, "no_demo", "1")
    return f"Cơ sở dữ liệu {args.db} đã sẵn sàng."


def cmd_user_add(con: db.Connection, args: argparse.Namespace) -> str:
    new = users.check_new_user(con, args.username, args.name, args.role)
    password = read_password()
    problem = users.password_problem(password)
    if problem:
        raise Invalid({"password": problem})
    users.add_user(con, users.NewUser(**{**new.__dict__, "password": password}), ACTOR)
    return f"Đã tạo tài khoản {new.username} ({users.role_labels(new.roles)})."


def cmd_user_list(con: db.Connection, args: argparse.Namespace) -> str:
    df = users.list_users(con)
    if df.empty:
        return "Chưa có tài khoản nào."
    lines = [f"{'TÊN ĐĂNG NHẬP':<16} {'HỌ VÀ TÊN':<26} {'TRẠNG THÁI':<12} VAI TRÒ"]
    for row in df.itertuples():
        state = "hoạt động" if row.active else "đã khóa"
        if not row.has_password:
            state += " (chưa có MK)"
        lines.append(f"{row.username:<16} {row.full_name:<26} {state:<12} {row.roles}")
    return "\n".join(lines)


def cmd_user_passwd(con: db.Connection, args: argparse.Namespace) -> str:
    users.require_account(con, args.username)
    users.set_password(con, args.username, read_password("Mật khẩu mới: "), ACTOR)
    return f"Đã đổi mật khẩu của {args.username}."


def cmd_user_disable(con: db.Connection, args: argparse.Namespace) -> str:
    users.set_active(con, args.username, False, ACTOR)
    return f"Đã khóa tài khoản {args.username}."


def cmd_user_enable(con: db.Connection, args: argparse.Namespace) -> str:
    users.set_active(con, args.username, True, ACTOR)
    return f"Đã mở khóa tài khoản {args.username}."


def cmd_user_roles(con: db.Connection, args: argparse.Namespace) -> str:
    users.set_roles(con, args.username, args.role, ACTOR)
    return f"Vai trò của {args.username}: {users.role_labels(args.role)}."


def _configured_key_source() -> str | None:
    if os.environ.get(sessions.KEY_ENV):
        return f"biến môi trường {sessions.KEY_ENV}"
    secrets_file = Path(".streamlit/secrets.toml")
    if secrets_file.is_file():
        try:
            if tomllib.loads(secrets_file.read_text(encoding="utf-8")).get("cookie_key"):
                return f"cookie_key trong {secrets_file}"
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
    return None


def cmd_key_rotate(con: db.Connection, args: argparse.Namespace) -> str:
    ended = sessions.end_all(con)
    source = _configured_key_source()
    if source:
        return (
            f"Đã kết thúc {ended} phiên đăng nhập. Khóa ký cookie đang lấy từ {source}: hãy thay "
            "giá trị đó bằng khóa mới (ít nhất 32 byte ngẫu nhiên) rồi khởi động lại ứng dụng."
        )
    path = sessions.rotate_key(args.db)
    return f"Đã tạo khóa ký cookie mới trong {path} và kết thúc {ended} phiên đăng nhập."


def cmd_session_list(con: db.Connection, args: argparse.Namespace) -> str:
    df = sessions.live(con, args.user)
    if df.empty:
        return "Không có phiên đăng nhập nào đang mở."
    lines = [f"{'MÃ PHIÊN':<14} {'TÊN ĐĂNG NHẬP':<16} {'BẮT ĐẦU':<17} {'DÙNG LẦN CUỐI':<17} MÁY"]
    for row in df.itertuples():
        start, seen = (f"{t:%d/%m/%Y %H:%M}" for t in (row.created_at, row.last_seen))
        lines.append(f"{row.ref:<14} {row.username:<16} {start:<17} {seen:<17} {row.client}")
    return "\n".join(lines)


def cmd_session_end(con: db.Connection, args: argparse.Namespace) -> str:
    if args.all:
        return f"Đã kết thúc {sessions.end_all(con)} phiên đăng nhập."
    if args.user:
        ended = users.log_out_everywhere(con, args.user, ACTOR)
        return f"Đã kết thúc {ended} phiên đăng nhập của {args.user}."
    if not args.ref or not sessions.end_by_ref(con, args.ref):
        raise Invalid({"ref": f"Không có phiên đăng nhập mã '{args.ref}' (xem: session list)."})
    return f"Đã kết thúc phiên {args.ref}."


def _add_login_commands(sub: argparse._SubParsersAction) -> None:
    key = sub.add_parser("key", help="khóa ký cookie đăng nhập").add_subparsers(
        dest="key_command", required=True, metavar="LỆNH"
    )
    key.add_parser(
        "rotate", help="tạo khóa mới: mọi phiên đăng nhập kết thúc",
        description="Ghi khóa ngẫu nhiên mới vào tệp khóa cạnh tệp CSDL (quyền 0600) và kết thúc "
        "mọi phiên đăng nhập. Khóa đặt qua THIDUA_COOKIE_KEY hoặc secrets thì phải tự thay.",
    ).set_defaults(handler=cmd_key_rotate)  # fmt: skip
    group = sub.add_parser("session", help="phiên đăng nhập").add_subparsers(
        dest="session_command", required=True, metavar="LỆNH"
    )
    listing = group.add_parser("list", help="liệt kê phiên đăng nhập đang mở")
    listing.add_argument("--user", metavar="TÊN_ĐĂNG_NHẬP", help="chỉ phiên của tài khoản này")
    listing.set_defaults(handler=cmd_session_list)
    end = group.add_parser("end", help="kết thúc phiên đăng nhập")
    which = end.add_mutually_exclusive_group(required=True)
    which.add_argument("ref", nargs="?", metavar="MÃ_PHIÊN", help="mã phiên (từ session list)")
    which.add_argument("--user", metavar="TÊN_ĐĂNG_NHẬP", help="mọi phiên của tài khoản này")
    which.add_argument("--all", action="store_true", help="mọi phiên của mọi người")
    end.set_defaults(handler=cmd_session_end)


# --- import, export, backup, restore ---------------------------------------------------------


def cmd_import(con: db.Connection, args: argparse.Namespace) -> str:
    path = Path(args.file)
    if not path.is_file():
        raise Invalid({"file": f"Không có tệp {path}."})
    kind = imports.KINDS[args.kind]
    target = getattr(args, kind.target) if kind.target else None
    summary = imports.run_import(con, args.kind, path.read_bytes(), path.name, ACTOR, target)
    return f"{path.name}: {summary}"


def cmd_export(con: db.Connection, args: argparse.Namespace) -> str | None:
    spec = exports.EXPORTS[args.kind]
    data = exports.export(con, args.kind, getattr(args, spec.target or "", None), args.format)
    if args.output is None and args.format == "csv":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    out = Path(args.output or f"{args.kind}.{args.format}")
    out.write_bytes(data)
    return f"Đã xuất {exports.EXPORTS[args.kind].label.lower()} ra {out}."


def cmd_backup(con: db.Connection, args: argparse.Namespace) -> str:
    info = backup.backup(con, args.file)
    return f"Đã sao lưu {len(info.tables)} bảng ({info.rows} dòng) vào {args.file}."


def cmd_restore(con: db.Connection, args: argparse.Namespace) -> str:
    backup.read_manifest(args.file)  # refuse a bad file before touching anything
    con.close()  # the database file is replaced: nothing may hold it open
    info = backup.restore(args.file, args.db)
    return f"Đã khôi phục {args.db} từ {args.file} (bản sao lưu lúc {info.created})."


def add_file_commands(sub: argparse._SubParsersAction) -> None:
    """Register import, export, backup and restore."""
    kinds = list(imports.KINDS)
    imp = sub.add_parser(
        "import",
        help="nhập dữ liệu từ tệp CSV / Excel / Word",
        description="Kiểm tra toàn bộ tệp rồi ghi trong một giao dịch. Có lỗi thì in từng lỗi "
        "(dòng, cột) và không ghi gì.",
    )
    imp.add_argument("kind", choices=kinds, metavar="LOẠI", help=f"một trong: {', '.join(kinds)}")
    imp.add_argument("file", metavar="TỆP", help="tệp .xlsx, .csv hoặc .docx")
    imp.add_argument("--plan", metavar="SỐ", help="số kế hoạch nhận công việc, ví dụ 13/KH-MNAS")
    imp.add_argument("--round", metavar="ĐỢT", help="đợt chấm SKKN (mã hoặc tên)")
    imp.add_argument("--year", metavar="NĂM_HỌC", help="năm học thi đua, ví dụ 2024-2025")
    imp.set_defaults(handler=cmd_import)

    exp = sub.add_parser("export", help="xuất dữ liệu ra CSV (UTF-8 có BOM) hoặc Excel")
    exp.add_argument("kind", choices=list(exports.EXPORTS), metavar="LOẠI",
                     help=f"một trong: {', '.join(exports.EXPORTS)}")  # fmt: skip
    exp.add_argument("--plan", metavar="SỐ", help="chỉ công việc của kế hoạch này")
    exp.add_argument("--round", metavar="ĐỢT", help="đợt chấm SKKN (mã hoặc tên)")
    exp.add_argument("--format", choices=exports.FORMATS, default="csv", help="csv hoặc xlsx")
    exp.add_argument(
        "-o",
        "--output",
        metavar="TỆP",
        help="tệp ra (mặc định: CSV ra màn hình, Excel ra LOẠI.xlsx)",
    )
    exp.set_defaults(handler=cmd_export)

    bak = sub.add_parser("backup", help="sao lưu toàn bộ CSDL vào một tệp .zip")
    bak.add_argument("file", metavar="TỆP")
    bak.set_defaults(handler=cmd_backup)
    res = sub.add_parser(
        "restore",
        help="khôi phục toàn bộ CSDL từ tệp sao lưu",
        description="Kiểm tra tệp sao lưu, dựng lại CSDL ở tệp tạm, so số dòng từng bảng, rồi mới "
        "thay tệp CSDL. Tệp hỏng thì không thay gì.",
    )
    res.add_argument("file", metavar="TỆP")
    res.set_defaults(handler=cmd_restore)


# --- SKKN scoring rounds ------------------------------------------------------------------


def cmd_round_create(con: db.Connection, args: argparse.Namespace) -> str:
    rubric = rounds.load_rubric_file(args.rubric)
    round_id = rounds.create_round(
        con, ACTOR, args.name, rubric, level=args.level, school_year=args.year or "",
        examiners_per_entry=args.examiners, blind=args.blind,
    )  # fmt: skip
    r = rounds.require_round(con, round_id)
    return (
        f"Đã tạo đợt chấm số {r.id}: {r.name} ({r.rubric.name}, {r.examiners_per_entry} giám "
        f"khảo mỗi SKKN{', chấm ẩn danh' if r.blind else ''}). Trạng thái: {r.state_label}."
    )


def cmd_round_list(con: db.Connection, args: argparse.Namespace) -> str:
    df = rounds.list_rounds(con)
    if df.empty:
        return "Chưa có đợt chấm nào."
    lines = [f"{'SỐ':>3}  {'TRẠNG THÁI':<11} {'NĂM HỌC':<10} {'SKKN':>4} {'PHIẾU':>5}  TÊN"]
    for row in df.itertuples():
        lines.append(
            f"{row.id:>3}  {row.state_label:<11} {row.school_year or '—':<10} "
            f"{row.n_entries:>4} {row.n_submitted:>5}  {row.name}"
        )
    return "\n".join(lines)


def cmd_round_assign(con: db.Connection, args: argparse.Namespace) -> str:
    r = rounds.require_round_by_key(con, args.round)
    if args.skkn:
        entry = entries.require_entry_by_code(con, r.id, args.skkn)
        order = assignment.assign(con, entry.id, args.examiner, ACTOR)
        return f"Đã phân công {args.examiner} là GK{order} của {entry.code} ({r.name})."
    plan = assignment.auto_assign(con, r.id, ACTOR)
    lines = [f"{p.code}  GK{p.ord}  {p.examiner}" + ("  (cùng lĩnh vực)" if p.same_field else "")
             for p in plan.proposals]  # fmt: skip
    lines.append(
        f"Đã phân công {len(plan.proposals)} phiếu chấm." if plan.proposals
        else "Không có phân công nào cần thêm: mọi SKKN đã đủ giám khảo."
    )  # fmt: skip
    lines += [f"Lưu ý: {problem}" for problem in plan.problems]
    return "\n".join(lines)


def cmd_round_open(con: db.Connection, args: argparse.Namespace) -> str:
    r = states.open_round(con, rounds.require_round_by_key(con, args.round).id, ACTOR)
    return f"Đã mở đợt chấm số {r.id}: {r.name}. Giám khảo đã chấm được."


def cmd_round_confirm_thresholds(con: db.Connection, args: argparse.Namespace) -> str:
    r = rounds.require_round_by_key(con, args.round)
    states.confirm_thresholds(con, r.id, ACTOR)
    return f"Đã ghi: hội đồng đã xác nhận ngưỡng xếp loại của đợt chấm số {r.id}: {r.name}."


def cmd_round_close(con: db.Connection, args: argparse.Namespace) -> str:
    r = states.close_round(con, rounds.require_round_by_key(con, args.round).id, ACTOR)
    return f"Đã đóng đợt chấm số {r.id}: {r.name}."


def cmd_round_finalize(con: db.Connection, args: argparse.Namespace) -> str:
    r = recognition.publish_round(con, rounds.require_round_by_key(con, args.round).id, ACTOR)
    return f"Đã công bố kết quả đợt chấm số {r.id}: {r.name}. Phiếu chấm và kết quả đã khóa."


def _add_round_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("round", help="đợt chấm SKKN").add_subparsers(
        dest="round_command", required=True, metavar="LỆNH"
    )
    create = group.add_parser("create", help="tạo đợt chấm (trạng thái: chuẩn bị)")
    create.add_argument("name", metavar="TÊN", help="tên đợt chấm")
    create.add_argument("--rubric", required=True, metavar="TỆP.yaml",
                        help="mẫu phiếu chấm, vd. data/rubrics/mau-20-diem.yaml")  # fmt: skip
    create.add_argument("--level", default=rounds.DEFAULT_LEVEL, help="cấp (mặc định: cấp trường)")
    create.add_argument("--year", metavar="2024-2025", help="năm học")
    create.add_argument("--examiners", type=int, default=2, metavar="N",
                        help="số giám khảo mỗi SKKN (mặc định 2)")  # fmt: skip
    create.add_argument("--blind", action="store_true", help="chấm ẩn danh (ẩn tác giả)")
    create.set_defaults(handler=cmd_round_create)
    group.add_parser("list", help="liệt kê đợt chấm").set_defaults(handler=cmd_round_list)
    assign = group.add_parser(
        "assign", help="phân công giám khảo",
        description="Phân công tự động (--auto) hoặc một giám khảo cho một SKKN "
        "(--skkn MÃ --examiner TÊN_ĐĂNG_NHẬP). Phân công đã có không bao giờ bị đổi.",
    )  # fmt: skip
    assign.add_argument("round", metavar="ĐỢT", help="số hoặc tên đợt chấm")
    how = assign.add_mutually_exclusive_group(required=True)
    how.add_argument("--auto", action="store_true", help="phân công tự động những phiếu còn thiếu")
    how.add_argument("--skkn", metavar="MÃ", help="mã SKKN, vd. SKKN-001")
    assign.add_argument("--examiner", metavar="TÊN_ĐĂNG_NHẬP", help="giám khảo (cùng --skkn)")
    assign.set_defaults(handler=cmd_round_assign)
    for name, handler, text in (
        (
            "confirm-thresholds",
            cmd_round_confirm_thresholds,
            "ghi việc hội đồng đã xác nhận ngưỡng xếp loại (cần trước khi mở đợt)",
        ),
        ("open", cmd_round_open, "mở đợt chấm (giám khảo bắt đầu chấm)"),
        ("close", cmd_round_close, "đóng đợt chấm (giám khảo không chấm được nữa)"),
        ("finalize", cmd_round_finalize, "công bố kết quả: khóa phiếu và kết quả"),
    ):
        p = group.add_parser(name, help=text)
        p.add_argument("round", metavar="ĐỢT", help="số hoặc tên đợt chấm")
        p.set_defaults(handler=handler)


# --- Thông tin đơn vị and the council's documents (issue 13) ----------------------------------


def cmd_org_show(con: db.Connection, args: argparse.Namespace) -> str:
    org = organization.get(con)
    lines = [f"{label}: {getattr(org, name) or '(chưa khai báo)'}"
             for name, (label, _) in organization.FIELDS.items()]  # fmt: skip
    return "\n".join(lines)


def cmd_org_set(con: db.Connection, args: argparse.Namespace) -> str:
    values = {name: getattr(args, name) for name in organization.FIELDS
              if getattr(args, name) is not None}  # fmt: skip
    if not values:
        raise Invalid({"org": 'Hãy ghi ít nhất một trường, vd. --school-name "Trường mầm non …".'})
    organization.update(con, ACTOR, **values)
    return "Đã lưu Thông tin đơn vị.\n" + cmd_org_show(con, args)


def cmd_document(con: db.Connection, args: argparse.Namespace) -> str:
    r = rounds.require_round_by_key(con, args.round)
    build, suffix = documents.DOCUMENTS[args.kind]
    data = build(con, r.id, ACTOR)
    out = Path(args.output or f"{args.kind}-dot-{r.id}.{suffix}")
    out.write_bytes(data)
    return f"Đã lập {documents.LABELS[args.kind].lower()} của {r.name} ra {out}."


def _add_document_commands(sub: argparse._SubParsersAction) -> None:
    org = sub.add_parser("org", help="Thông tin đơn vị (tiêu đề mọi văn bản)").add_subparsers(
        dest="org_command", required=True, metavar="LỆNH"
    )
    org.add_parser("show", help="xem Thông tin đơn vị").set_defaults(handler=cmd_org_show)
    setter = org.add_parser("set", help="sửa Thông tin đơn vị (chỉ các trường được ghi)")
    for name, (label, _) in organization.FIELDS.items():
        setter.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="…", help=label)
    setter.set_defaults(handler=cmd_org_set)
    kinds = list(documents.DOCUMENTS)
    doc = sub.add_parser(
        "document", help="lập văn bản của đợt chấm (Word/Excel/zip)",
        description="Lập văn bản theo Nghị định 30/2020 từ Thông tin đơn vị và kết quả đợt chấm. "
        "Biên bản cần thông tin cuộc họp đã ghi; quyết định, giấy chứng nhận và hồ sơ cần kết "
        "quả đã công bố.",
    )  # fmt: skip
    doc.add_argument("kind", choices=kinds, metavar="LOẠI", help=f"một trong: {', '.join(kinds)}")
    doc.add_argument("--round", required=True, metavar="ĐỢT", help="số hoặc tên đợt chấm")
    doc.add_argument("-o", "--output", metavar="TỆP", help="tệp ra (mặc định: LOẠI-dot-N.đuôi)")
    doc.set_defaults(handler=cmd_document)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command, with Vietnamese help."""
    parser = argparse.ArgumentParser(
        prog="python -m lib.cli",
        description="Quản trị bảng điều khiển thi đua – khen thưởng từ dòng lệnh.",
    )
    parser.add_argument(
        "--db", help="tệp cơ sở dữ liệu (mặc định: $THIDUA_DB hoặc data/thidua.duckdb)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    init = sub.add_parser("init", help="tạo hoặc cập nhật cấu trúc cơ sở dữ liệu")
    init.add_argument("--demo", action="store_true", help="nạp dữ liệu mẫu vào CSDL trống")
    init.set_defaults(handler=cmd_init)

    user = sub.add_parser("user", help="quản lý tài khoản").add_subparsers(
        dest="user_command", required=True, metavar="LỆNH"
    )
    role_help = f"vai trò, lặp lại nếu nhiều: {', '.join(ROLES)}"
    add = user.add_parser(
        "add",
        help="thêm tài khoản",
        description="Thêm tài khoản. Mật khẩu được đọc từ stdin (khi chuyển hướng) hoặc hỏi khi "
        "chạy, không bao giờ là tham số dòng lệnh.",
    )
    add.add_argument("username", help="tên đăng nhập")
    add.add_argument("--name", required=True, help="họ và tên")
    add.add_argument("--role", action="append", required=True, choices=list(ROLES), help=role_help)
    add.set_defaults(handler=cmd_user_add)
    user.add_parser("list", help="liệt kê tài khoản").set_defaults(handler=cmd_user_list)
    for name, handler, text in (
        ("passwd", cmd_user_passwd, "đặt lại mật khẩu (đọc từ stdin hoặc hỏi)"),
        ("disable", cmd_user_disable, "khóa tài khoản"),
        ("enable", cmd_user_enable, "mở khóa tài khoản"),
    ):
        p = user.add_parser(name, help=text)
        p.add_argument("username", help="tên đăng nhập")
        p.set_defaults(handler=handler)
    roles = user.add_parser("roles", help="đặt lại vai trò")
    roles.add_argument("username", help="tên đăng nhập")
    roles.add_argument(
        "--role", action="append", required=True, choices=list(ROLES), help=role_help
    )
    roles.set_defaults(handler=cmd_user_roles)
    add_file_commands(sub)
    _add_round_commands(sub)
    _add_document_commands(sub)
    _add_login_commands(sub)
    add_titles_commands(sub)
    return parser


def open_database(path: Path, create: bool) -> db.Connection:
    """Open the --db file, refusing a missing folder, a missing file (unless create) or a file
    that is not a DuckDB database, each with a message instead of a traceback."""
    if not path.parent.is_dir():
        raise Invalid({"db": f"Không có thư mục {path.parent} (--db {path}): hãy kiểm tra lại "
                       "đường dẫn; dòng lệnh không tự tạo thư mục."})  # fmt: skip
    if path.is_dir():
        raise Invalid({"db": f"{path} là một thư mục, không phải tệp cơ sở dữ liệu."})
    if not create and not path.exists():
        raise Invalid({"db": f"Không có cơ sở dữ liệu {path}: hãy kiểm tra lại --db, hoặc tạo "
                       f"mới bằng lệnh “python -m lib.cli --db {path} init”."})  # fmt: skip
    try:
        return db.connect(path)
    except duckdb.Error as exc:
        raise Invalid({"db": f"Tệp {path} không phải cơ sở dữ liệu của ứng dụng (không mở được "
                       "bằng DuckDB, hoặc tệp đã hỏng): hãy kiểm tra lại --db. Chi tiết: "
                       f"{str(exc).splitlines()[0]}"}) from exc  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit code 0 ok, 1 refused input, 2 wrong usage (argparse)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "round_command", None) == "assign":
        if args.skkn and not args.examiner:
            parser.error("round assign --skkn cần --examiner TÊN_ĐĂNG_NHẬP")
        if args.auto and args.examiner:
            parser.error("round assign --auto không dùng cùng --examiner")
    args.db = db.db_path(args.db)
    handler: Handler = args.handler
    try:
        # Only init makes a new database file: a mistyped --db must not start an empty one.
        con = open_database(args.db, create=handler is cmd_init)
    except db.DatabaseLocked as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    except Invalid as exc:
        for message in exc.messages:
            print(f"Lỗi: {message}", file=sys.stderr)
        return 1
    try:
        output = handler(con, args)
        if output is not None:
            print(output)
    except Invalid as exc:
        for message in exc.messages:
            print(f"Lỗi: {message}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
