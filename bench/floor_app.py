"""The browser benchmark's floors: bare Streamlit pages, served by their own `streamlit run`.

/            an empty page (a title): the framework's first paint
/trong-2     another empty page, for a click in the menu from one empty page to another
/dang-nhap   the login form's widgets (title, caption, a form with two fields and a button)
/nut         a button that reruns the page and shows a line: the cheapest click
/phieu       the scoring sheet's widgets and nothing else: the same number and kinds (a total
             line, per criterion a points field and a comment field with on_change, per
             section a heading and a subtotal, an overall comment, a submit button); the
             criteria per section come from BENCH_SHEET_SECTIONS (e.g. "3,4,4")."""

import os
from decimal import Decimal, InvalidOperation

import streamlit as st

SECTIONS = [int(n) for n in os.environ.get("BENCH_SHEET_SECTIONS", "3,4,4").split(",")]


def empty() -> None:
    st.title("Trang trống")


def empty_2() -> None:
    st.title("Trang trống 2")


def button() -> None:
    st.title("Nút")
    if st.button("Bấm"):
        st.markdown(f"Đã bấm {st.session_state.get('lan', 0) + 1}")
        st.session_state["lan"] = st.session_state.get("lan", 0) + 1


def login_form() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Thi đua – Khen thưởng")
        st.caption("Trang trống có cùng các widget của form đăng nhập")
        if st.session_state.get("vao"):
            st.success("Đã vào")
            return
        with st.form("dang_nhap"):
            st.subheader("Đăng nhập")
            st.text_input("Tên đăng nhập")
            st.text_input("Mật khẩu", type="password")
            if st.form_submit_button("Đăng nhập"):
                st.session_state["vao"] = True
                st.rerun()


def _points(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ".")) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _saved(key: str) -> None:
    st.session_state.setdefault("luu", {})[key] = st.session_state[key]


def sheet() -> None:
    codes = [[f"{s + 1}.{c + 1}" for c in range(n)] for s, n in enumerate(SECTIONS)]
    total = sum(_points(st.session_state.get(f"d_{c}", "")) for group in codes for c in group)
    with st.container(key="phieu_thanh_tong"):
        st.markdown(f"**Tổng điểm: {total}**")
        st.caption("Mọi thay đổi được lưu tự động")
    for s, group in enumerate(codes):
        st.markdown(f"##### Phần {s + 1}")
        for c in group:
            points, note = st.columns([2, 3])
            points.text_input(f"{c}. Tiêu chí", key=f"d_{c}", on_change=_saved, args=(f"d_{c}",))
            note.text_input(f"Nhận xét {c}", key=f"n_{c}", on_change=_saved, args=(f"n_{c}",))
        sub = sum(_points(st.session_state.get(f"d_{c}", "")) for c in group)
        st.caption(f"Cộng phần {s + 1}: **{sub}**")
    st.text_area("Nhận xét chung", key="chung", on_change=_saved, args=("chung",))
    if st.button("Nộp phiếu", type="primary", width="stretch"):
        st.session_state["nop"] = st.session_state.get("nop", 0) + 1
    if st.session_state.get("nop"):
        st.caption(f"Đã bấm {st.session_state['nop']} lần")


# A menu of page links in the sidebar, as app.py draws its own (Streamlit's is off in config).
PAGES = [
    st.Page(empty, title="Trang trống", default=True),
    st.Page(empty_2, title="Trang trống 2", url_path="trong-2"),
    st.Page(button, title="Nút", url_path="nut"),
    st.Page(login_form, title="Đăng nhập", url_path="dang-nhap"),
    st.Page(sheet, title="Phiếu", url_path="phieu"),
]
page = st.navigation(PAGES, position="hidden")
with st.sidebar:
    for target in PAGES:
        st.page_link(target)
page.run()
