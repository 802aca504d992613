"""Import a people list: match people by name, update details, create accounts and roles."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pandas as pd

from lib.access.identity import name_key
from lib.access.permissions import ROLES
from lib.access.users import USERNAME
from lib.core import audit
from lib.core.db import Connection
from lib.core.text import fold
from lib.io.columns import ColumnSpec
from lib.io.dates import parse_date
from lib.io.imports import arrays, pipeline
from lib.io.imports.pipeline import KINDS, Checked, Kind, Progress, Summary, register
from lib.io.uploads import Problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

PEOPLE_COLUMNS = (
    ColumnSpec("ho_ten", True, ("Họ tên", "Họ và tên", "Tên cán bộ"), "Họ và tên"),
    ColumnSpec("chuc_vu", True, ("Chức danh",), "Chức vụ"),
    ColumnSpec("to", True, ("Tổ chuyên môn", "Tổ/Bộ phận", "Bộ phận"), "Tổ"),
    ColumnSpec("email", False, ("E-mail", "Thư điện tử"), "Email"),
    ColumnSpec("ngay_vao_nganh", False, (), "Ngày vào ngành"),
    ColumnSpec("ten_dang_nhap", False, ("Tài khoản", "username"), "Tên đăng nhập"),
    ColumnSpec("vai_tro", False, ("Quyền",), "Vai trò"),
)
_ROLE_WORDS: dict[str, str] = {
    **{code: code for code in ROLES},
    **{fold(label.split(" (")[0]): code for code, label in ROLES.items()},
    "quan tri": "admin",
    "quan tri vien": "admin",
    "giam khao": "examiner",
    "thanh vien hd": "examiner",
    "cbgvnv": "staff",
    "xem": "staff",
}
_ROLES_ACCEPTED = "; ".join(f"{code} ({ROLES[code].split(' (')[0]})" for code in ROLES)


@dataclass
class _PeoplePlan:
    new_people: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)  # username, person (id or new index)
    roles: list[tuple[str, str]] = field(default_factory=list)
    new_accounts: int = 0


def check_people(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check a people list: names, dates, e-mails, usernames and roles; match people by name."""
    kind = KINDS["people"]
    label = {c.name: c.label for c in kind.columns}
    checked = Checked(kind="people", table=pipeline.shown_rows(kind, table))
    problems = checked.problems
    existing: dict[str, list[tuple]] = {}
    for row in con.execute(
        "SELECT p.id, p.full_name, p.position, p.group_name, p.email, p.start_date, u.username "
        "FROM people p LEFT JOIN users u ON u.person_id = p.id ORDER BY p.id"
    ).fetchall():
        existing.setdefault(name_key(row[1]), []).append(row)
    owners = dict(con.execute("SELECT username, person_id FROM users").fetchall())
    held: dict[str, set[str]] = {}
    for username, role in con.execute("SELECT username, role FROM user_roles").fetchall():
        held.setdefault(username, set()).add(role)

    out = _PeoplePlan()
    seen_names: dict[str, int] = {}
    seen_users: dict[str, int] = {}
    records = arrays.records(table, [c.name for c in kind.columns])
    for index, (row, cells) in enumerate(records):
        pipeline.report_progress(progress, index, len(records))
        bad = len(problems)

        def problem(column: str, message: str, row: int = row) -> None:
            problems.append(Problem(row, label[column], message))

        name = cells["ho_ten"]
        key = name_key(name)
        if not name:
            problem("ho_ten", "Họ và tên đang trống.")
        elif key in seen_names:
            problem("ho_ten", pipeline.duplicate_row(seen_names[key]))
        else:
            seen_names[key] = row
        start, message = parse_date(cells["ngay_vao_nganh"])
        if message:
            problem("ngay_vao_nganh", message)
        email = cells["email"]
        if email and not _EMAIL.match(email):
            problem("email", f"Email “{email}” không hợp lệ (ví dụ: ten@truong.edu.vn).")
        username = cells["ten_dang_nhap"].lower()
        if username and not USERNAME.match(username):
            problem(
                "ten_dang_nhap",
                f"Tên đăng nhập “{username}” không hợp lệ: 2–32 ký tự gồm chữ thường không dấu, "
                "số, dấu chấm, gạch ngang hoặc gạch dưới.",
            )
        elif username in seen_users:
            problem("ten_dang_nhap", f"Tên đăng nhập “{username}” đã dùng ở dòng "
                    f"{seen_users[username]}.")  # fmt: skip
        elif username:
            seen_users[username] = row
        roles: list[str] = []
        for word in (w.strip() for w in cells["vai_tro"].split(";")):
            if not word:
                continue
            code = _ROLE_WORDS.get(fold(word))
            if code is None:
                problem("vai_tro", f"Vai trò “{word}” không có. Chỉ nhận: {_ROLES_ACCEPTED}.")
            elif code not in roles:
                roles.append(code)
        if roles and not username:
            problem("vai_tro", "Có vai trò nhưng không có tên đăng nhập: hãy ghi tên đăng nhập.")

        matches = existing.get(key, []) if name else []
        if len(matches) > 1:
            problem("ho_ten", f"Trong dữ liệu đã có {len(matches)} người tên “{name}”; "
                    "không biết cập nhật người nào.")  # fmt: skip
        person = matches[0] if len(matches) == 1 else None
        if username and username in owners and (person is None or owners[username] != person[0]):
            problem("ten_dang_nhap", f"Tên đăng nhập “{username}” đã là tài khoản của người khác.")
        if person is not None and person[6] and username and person[6] != username:
            problem(
                "ten_dang_nhap",
                f"{person[1]} đã có tài khoản “{person[6]}”; đổi tên đăng nhập không làm qua "
                "nhập tệp.",
            )
        if len(problems) > bad:
            continue

        fields = {
            "full_name": name,
            "position": cells["chuc_vu"],
            "group_name": cells["to"],
            "email": email,
            "start_date": start,
        }
        if person is None:
            out.new_people.append({"row": row, **fields})
            checked.added += 1
            if username:
                out.accounts.append({"username": username, "new": len(out.new_people) - 1})
                out.roles.extend((username, r) for r in roles or ["staff"])
            continue
        person_id, _, position, group_name, old_email, old_start, account = person
        # An empty cell keeps what is stored: a short list must not wipe details.
        current = {"position": position, "group_name": group_name, "email": old_email,
                   "start_date": old_start}  # fmt: skip
        wanted = {k: (fields[k] if fields[k] not in ("", None) else v) for k, v in current.items()}
        changed = wanted != current
        if changed:
            out.updates.append({"id": person_id, **wanted})
        if username and not account:
            out.accounts.append({"username": username, "id": person_id})
            out.roles.extend((username, r) for r in roles or ["staff"])
            changed = True
        elif username:
            # Roles are only added here; taking one away is done on the "Người dùng" page.
            missing = [r for r in roles if r not in held.get(username, set())]
            out.roles.extend((username, r) for r in missing)
            changed = changed or bool(missing)
        if changed:
            checked.updated += 1
        else:
            checked.unchanged += 1
    out.new_accounts = len(out.accounts)
    checked.payload = out
    return checked


def _person_json(table: str) -> str:
    """A person's details in `table` as JSON, the same keys before and after an import (the name
    matched, so it is the stored one)."""
    return (
        f"to_json({{full_name: people.full_name, position: {table}.position, "
        f"group_name: {table}.group_name, email: {table}.email, "
        f"start_date: {table}.start_date::DATE}})"
    )


def _audit_accounts(con: Connection, out: _PeoplePlan, new_ids: list[int], actor: str) -> None:
    """One entry per account created (person, roles) and per account given more roles."""
    if not out.roles:
        return
    created = {a["username"]: a["id"] if "id" in a else new_ids[a["new"]] for a in out.accounts}
    added: dict[str, list[str]] = {}
    for username, role in out.roles:
        added.setdefault(username, []).append(role)
    held: dict[str, list[str]] = {}
    for username, role in con.execute(
        "SELECT username, role FROM user_roles WHERE username IN (SELECT unnest(?)) ORDER BY role",
        [sorted(added)],
    ).fetchall():
        held.setdefault(username, []).append(role)
    rows = []
    for username, roles in added.items():
        before = sorted(set(held.get(username, [])) - set(roles))
        if username in created:
            after = {"person_id": created[username], "roles": sorted(roles)}
            rows.append(("create", username, None, json.dumps(after)))
        else:
            rows.append(("roles", username, json.dumps(before), json.dumps(sorted(held[username]))))
    for action in ("create", "roles"):
        frame = pd.DataFrame(
            [r[1:] for r in rows if r[0] == action], columns=["username", "before", "after"]
        )
        if len(frame):
            audit.record_rows(
                con, actor, action, "user",
                "SELECT username AS entity_id, before, after FROM batch", batch=frame,
            )  # fmt: skip


def write_people(con: Connection, checked: Checked, actor: str) -> Summary:
    """Insert new people, update matched ones, create accounts without a password; in batches."""
    out: _PeoplePlan = checked.payload
    new_ids: list[int] = []
    if out.new_people:
        new_ids = [
            int(r[0])
            for r in con.execute(
                "SELECT nextval('people_id_seq') FROM range(?)", [len(out.new_people)]
            ).fetchall()
        ]
        frame = pd.DataFrame(out.new_people).assign(id=new_ids)
        frame["start_date"] = pd.to_datetime(frame["start_date"]).dt.date
        pipeline.insert_batch(
            con,
            "INSERT INTO people (id, full_name, position, group_name, email, start_date) "
            "SELECT id, full_name, position, group_name, email, start_date::DATE FROM batch",
            frame,
        )
        audit.record_rows(
            con, actor, "create", "person",
            f"SELECT id AS entity_id, NULL AS before, {_person_json('people')} AS after "
            "FROM people WHERE id IN (SELECT id FROM batch)",
            batch=frame[["id"]],
        )  # fmt: skip
    if out.updates:
        frame = pd.DataFrame(out.updates)
        frame["start_date"] = pd.to_datetime(frame["start_date"]).dt.date
        # Before the update, so each entry holds the values it replaced.
        audit.record_rows(
            con, actor, "update", "person",
            f"SELECT people.id AS entity_id, {_person_json('people')} AS before, "
            f"{_person_json('batch')} AS after "
            "FROM batch JOIN people ON people.id = batch.id",
            batch=frame,
        )  # fmt: skip
        pipeline.insert_batch(
            con,
            "UPDATE people SET position = batch.position, group_name = batch.group_name, "
            " email = batch.email, start_date = batch.start_date::DATE "
            "FROM batch WHERE people.id = batch.id",
            frame,
        )
    if out.accounts:
        frame = pd.DataFrame(
            {
                "username": [a["username"] for a in out.accounts],
                "person_id": [a["id"] if "id" in a else new_ids[a["new"]] for a in out.accounts],
            }
        )
        # No password hash: the account cannot log in until an admin sets a password.
        pipeline.insert_batch(
            con,
            "INSERT INTO users (username, person_id, password_hash) "
            "SELECT username, person_id, NULL FROM batch",
            frame,
        )
    if out.roles:
        frame = pd.DataFrame(out.roles, columns=["username", "role"])
        pipeline.insert_batch(con, "INSERT INTO user_roles SELECT username, role FROM batch", frame)
    _audit_accounts(con, out, new_ids, actor)
    detail = ""
    if out.new_accounts:
        detail = (
            f"Tạo {out.new_accounts} tài khoản chưa có mật khẩu: quản trị viên đặt mật khẩu trên "
            "trang “Người dùng” trước khi họ đăng nhập."
        )
    return Summary("people", checked.added, checked.updated, checked.unchanged, detail)


register(
    Kind(
        name="people",
        label="Danh sách cán bộ, giáo viên",
        extensions=(".xlsx", ".csv", ".txt"),
        read=pipeline.read_columns,
        check=check_people,
        write=write_people,
        columns=PEOPLE_COLUMNS,
        example=(
            "Nguyễn Thị Lan",
            "Giáo viên",
            "Tổ Mẫu giáo lớn",
            "lan.nt@truong.edu.vn",
            "01/09/2015",
            "lannt",
            "staff",
        ),  # fmt: skip
        help="Người trùng họ tên (không phân biệt hoa thường) được cập nhật; có tên đăng nhập "
        "thì tạo tài khoản chưa có mật khẩu. Vai trò: admin, examiner, staff, cách nhau bằng “;”.",
    )
)
