"""The app's pages as data: file, title, icon, menu section and the rule that admits a user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.access.permissions import (
    User,
    can_import_data,
    can_manage_organization,
    can_manage_own_account,
    can_manage_rounds,
    can_manage_titles,
    can_manage_users,
    can_register_titles,
    can_score,
    can_view_dossier,
    can_view_overview,
    can_view_plans,
    can_vote_titles,
)


@dataclass(frozen=True)
class PageSpec:
    """One screen of the app and who may open it."""

    path: str
    title: str
    icon: str
    section: str
    url_path: str
    allowed: Callable[[User | None], bool]


# Each file is named by its address. Until app.py's st.navigation first runs in a new server
# process, Streamlit looks the address of a request up among the files in pages/: an address no
# file bears (a bookmark of /phieu-cham opened first after a restart) got Streamlit's English
# "Page not found" over the login form; a file it finds is handed to app.py by ui.require.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/tong-quan.py", "Tổng quan", ":material/dashboard:", "Chung", "tong-quan",
             can_view_overview),
    PageSpec("pages/ke-hoach.py", "Kế hoạch", ":material/event_note:", "Chung", "ke-hoach",
             can_view_plans),
    PageSpec("pages/tien-do.py", "Tiến độ", ":material/insights:", "Chung", "tien-do",
             can_view_plans),
    PageSpec("pages/trinh-chieu.py", "Trình chiếu", ":material/co_present:", "Chung", "trinh-chieu",
             can_view_plans),
    PageSpec("pages/phieu-cham.py", "Phiếu chấm của tôi", ":material/rate_review:", "Chấm SKKN",
             "phieu-cham", can_score),
    PageSpec("pages/ket-qua-cham.py", "Kết quả chấm", ":material/leaderboard:", "Chấm SKKN",
             "ket-qua-cham", can_view_overview),
    PageSpec("pages/dot-cham.py", "Đợt chấm", ":material/event_available:", "Chấm SKKN",
             "dot-cham", can_manage_rounds),
    PageSpec("pages/skkn.py", "SKKN và phân công", ":material/assignment_ind:", "Chấm SKKN",
             "skkn", can_manage_rounds),
    PageSpec("pages/dang-ky-thi-dua.py", "Đăng ký thi đua", ":material/how_to_reg:", "Thi đua",
             "dang-ky-thi-dua", can_register_titles),
    PageSpec("pages/binh-xet-thi-dua.py", "Bình xét thi đua", ":material/military_tech:", "Thi đua",
             "binh-xet-thi-dua", can_manage_titles),
    PageSpec("pages/bo-phieu-thi-dua.py", "Bỏ phiếu thi đua", ":material/how_to_vote:", "Thi đua",
             "bo-phieu-thi-dua", can_vote_titles),
    PageSpec("pages/ho-so-thi-dua.py", "Hồ sơ thi đua", ":material/workspace_premium:",
             "Thi đua", "ho-so-thi-dua", can_view_dossier),
    PageSpec("pages/nguoi-dung.py", "Người dùng", ":material/manage_accounts:", "Quản trị",
             "nguoi-dung", can_manage_users),
    PageSpec("pages/nhap-du-lieu.py", "Nhập dữ liệu", ":material/upload_file:", "Quản trị",
             "nhap-du-lieu", can_import_data),
    PageSpec("pages/thong-tin-don-vi.py", "Thông tin đơn vị", ":material/domain:", "Quản trị",
             "thong-tin-don-vi", can_manage_organization),
    PageSpec("pages/tai-khoan.py", "Tài khoản của tôi", ":material/account_circle:", "Cá nhân",
             "tai-khoan", can_manage_own_account),
)  # fmt: skip


def pages_for(user: User | None) -> list[PageSpec]:
    """The pages this user may open, in menu order; none for a visitor who is not logged in."""
    return [page for page in PAGES if user is not None and page.allowed(user)]


def landing_for(user: User | None) -> PageSpec | None:
    """The first page after login: an examiner's own sheets (unless they also run the council),
    everyone else's the first page of their menu."""
    pages = pages_for(user)
    if not pages:
        return None
    if user is not None and can_score(user) and not user.is_admin:
        return next(page for page in pages if page.allowed is can_score)
    return pages[0]


def default_for(user: User | None, requested: str) -> PageSpec | None:
    """The page Streamlit serves at the app's root in this run: the landing page, unless the
    address asked for is the landing page's own (Streamlit finds the default page at "/" only,
    so opened at "/phieu-cham" it would say "Page not found"); then another of the user's."""
    landing = landing_for(user)
    if landing is None or landing.url_path != requested:
        return landing
    return next((page for page in pages_for(user) if page != landing), landing)
