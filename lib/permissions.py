"""Access rules: every page and command asks one of these can_<verb>_<thing> functions."""

from __future__ import annotations

from dataclasses import dataclass

# Role codes and how the council names them.
ROLES: dict[str, str] = {
    "admin": "Quản trị (Chủ tịch, Thư ký HĐ)",
    "examiner": "Giám khảo (Thành viên HĐ)",
    "staff": "CBGVNV (xem)",
}


@dataclass(frozen=True)
class User:
    """A logged-in person: account name, display name and roles."""

    username: str
    name: str
    roles: frozenset[str]
    person_id: int

    @property
    def is_admin(self) -> bool:
        """Tell whether the user holds the admin role."""
        return "admin" in self.roles


def can_view_overview(user: User | None) -> bool:
    """Everyone logged in sees the overview."""
    return user is not None


def can_view_plans(user: User | None) -> bool:
    """Everyone logged in reads plans and their progress."""
    return user is not None


def can_edit_plans(user: User | None) -> bool:
    """Only the council's chair and secretary write plans and tasks."""
    return user is not None and user.is_admin


def can_manage_own_account(user: User | None) -> bool:
    """Everyone logged in may see their account and change their own password."""
    return user is not None


def can_manage_users(user: User | None) -> bool:
    """Only admins add, disable and change accounts."""
    return user is not None and user.is_admin


def can_import_data(user: User | None) -> bool:
    """Only admins import files, export lists, and back up or restore the database."""
    return user is not None and user.is_admin
