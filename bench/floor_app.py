"""The browser benchmark's floors: bare Streamlit pages, served by their own `streamlit run`.

/            an empty page (a title): the framework's first paint
/trong-2     another empty page, for a click in the menu from one empty page to another
/dang-nhap   the login form's widgets (title, caption, a form with two fields and a button)
/nut         a button that reruns the page and shows a line: the cheapest click
/phieu       the scoring sheet's widgets and nothing else: bench/floor_sheet.py's draw (the one
             definition of that floor) on the rubric YAML at BENCH_SHEET_RUBRIC (the round's
             rubric, written by bench/browser.py; the 20-point template without it).
/<address>   at every address of the app's menu, with BENCH_REPLAY_CONTROL set: what the app
             sent in the runs bench/browser.py names there, played back (bench/replay.py)."""

import os
from pathlib import Path

import streamlit as st

from bench import floor_sheet, replay
from lib.access import navigation

RUBRIC = os.environ.get("BENCH_SHEET_RUBRIC", str(floor_sheet.RUBRIC))
CONTROL = os.environ.get("BENCH_REPLAY_CONTROL")


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


def sheet() -> None:
    floor_sheet.draw(floor_sheet.rubric(RUBRIC))


# A menu of page links in the sidebar, as app.py draws its own (Streamlit's is off in config).
PAGES = [
    st.Page(empty, title="Trang trống", default=True),
    st.Page(empty_2, title="Trang trống 2", url_path="trong-2"),
    st.Page(button, title="Nút", url_path="nut"),
    st.Page(login_form, title="Đăng nhập", url_path="dang-nhap"),
    st.Page(sheet, title="Phiếu", url_path="phieu"),
]
# The app's addresses: a played-back menu link asks for its page by the address's hash.
REPLAYED = [
    st.Page(lambda: replay.play(Path(CONTROL)), title=spec.title, url_path=spec.url_path)
    for spec in (navigation.PAGES if CONTROL else [])
]
page = st.navigation(PAGES + REPLAYED, position="hidden")
if page not in REPLAYED:  # a played-back page's sidebar is what the app sent
    with st.sidebar:
        for target in PAGES:
            st.page_link(target)
page.run()
