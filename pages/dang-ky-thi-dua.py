"""Đăng ký thi đua: everyone registers their own title and SKKN; admins see and do everyone's."""

import streamlit as st

from lib import ui
from lib.access.permissions import (
    can_manage_titles,
    can_register_titles,
    why_cannot_edit_registration,
)
from lib.core import clock
from lib.core.text import literal
from lib.titles import registration_documents as rd
from lib.titles import registrations as reg
from lib.titles import skkn
from lib.titles.rules import GROUP_TITLES, PERSON_TITLES, TITLE_NAMES, default_year, year_choices
from lib.ui import downloads

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

user = ui.require(can_register_titles)
con = ui.connection()
admin = can_manage_titles(user)

st.title("Đăng ký thi đua")
ui.show_saved("dktd_flash")


def done(message: str) -> None:
    ui.saved("dktd_flash", message)


today = clock.today()
years = year_choices(con, today)
start = default_year(con, today)
year = st.selectbox(
    "Năm học", years, index=years.index(start) if start in years else 0, key="dktd_nam"
)
is_open = reg.registration_open(con, year)
if is_open:
    st.info(f"Đăng ký thi đua năm học {year} đang mở.", icon=":material/event_available:")
else:
    st.warning(f"Đăng ký thi đua năm học {year} đã đóng.", icon=":material/lock:")

TITLE_LABELS = {code: f"{short} – {TITLE_NAMES[code]}" for code, short in PERSON_TITLES.items()}

st.subheader("Đăng ký của tôi")
mine = reg.get_registration(con, year, user.person_id)
refused = why_cannot_edit_registration(user, user.person_id, is_open)
if mine:
    st.caption(
        f"Đã đăng ký: {TITLE_LABELS[mine.title]}"
        + (" · SKKN đã được đưa vào đợt chấm" if mine.entry_id else "")
    )
else:
    st.caption("Bạn chưa đăng ký danh hiệu thi đua năm học này.")
if refused:
    st.info(refused)
with st.form("dktd_cua_toi"):
    titles = list(TITLE_LABELS)
    title = st.radio(
        "Danh hiệu",
        titles,
        format_func=TITLE_LABELS.get,
        horizontal=True,
        index=titles.index(mine.title) if mine else 0,
        disabled=bool(refused),
        key=f"dktd_dh_{year}",
    )
    skkn_title = st.text_input(
        "Tên SKKN sẽ viết (nếu có)",
        value=mine.skkn_title if mine else "",
        disabled=bool(refused),
        key=f"dktd_skkn_{year}",
    )
    skkn_field = st.text_input(
        "Lĩnh vực",
        value=mine.skkn_field if mine else "",
        disabled=bool(refused),
        key=f"dktd_lv_{year}",
    )
    left, right = st.columns(2)
    save = left.form_submit_button("Lưu đăng ký", type="primary", disabled=bool(refused))
    drop = right.form_submit_button("Rút đăng ký", disabled=bool(refused) or mine is None)
problem = rd.why_not(con)
if mine:
    mine_name = f"ban-dang-ky-thi-dua-{year}.docx"
    cursor = con.cursor()  # built on another thread
    ui.download_button(
        "Tải bản đăng ký thi đua (Word)",
        data=downloads.on_click(
            cursor, user.username, "document",
            lambda cursor=cursor: rd.registration_docx(cursor, user, year, user.person_id),
            mine_name, DOCX,
            {"kind": "ban-dang-ky", "year": year},
        ) if not problem else b"",
        file_name=mine_name, mime=DOCX, key="dktd_ban_dk", disabled=problem is not None,
        help=problem,
    )  # fmt: skip
if save:
    with ui.errors_shown():
        reg.save_registration(con, user, year, user.person_id, title, skkn_title, skkn_field)
        done("Đã lưu đăng ký thi đua của bạn.")
if drop:
    with ui.errors_shown():
        reg.withdraw_registration(con, user, year, user.person_id)
        done("Đã rút đăng ký thi đua của bạn.")

if not admin:
    st.stop()

st.divider()
st.subheader("Toàn trường")
left, right = st.columns([3, 1])
if right.button("Đóng đăng ký" if is_open else "Mở lại đăng ký", key="dktd_mo_dong"):
    with ui.errors_shown():
        reg.set_registration_open(con, user, year, not is_open)
        done("Đã đóng đăng ký." if is_open else "Đã mở lại đăng ký.")
table = reg.registrations_table(con, year)
missing = table[~table["registered"]]
left.metric("Đã đăng ký", f"{int(table['registered'].sum())}/{len(table)}")
if len(missing):
    named = list(missing["full_name"][: reg.MISSING_SHOWN])
    more = len(missing) - len(named)
    st.warning(
        f"Chưa đăng ký ({ui.count_text(len(missing))}): " + literal(", ".join(named))
        + (f" và {ui.count_text(more)} người nữa (Danh hiệu “Chưa đăng ký” trong bảng dưới)."
           if more else "")
    )  # fmt: skip
ui.dataframe(
    table.assign(
        title=[PERSON_TITLES.get(t, "Chưa đăng ký") for t in table["title"]],
        in_round=table["entry_id"].notna(),
    )[["full_name", "group_name", "title", "skkn_title", "skkn_field", "in_round"]],
    hide_index=True,
    width="stretch",
    column_config={
        "full_name": "Họ và tên",
        "group_name": "Tổ",
        "title": "Danh hiệu",
        "skkn_title": "Tên SKKN",
        "skkn_field": "Lĩnh vực",
        "in_round": st.column_config.CheckboxColumn("Đã vào đợt chấm"),
    },
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
a, b = st.columns(2)
for where, (build, suffix, mime, label) in zip(
    (a, b),
    (
        (rd.summary_xlsx, "xlsx", XLSX, "Tải bảng tổng hợp đăng ký (Excel)"),
        (rd.summary_docx, "docx", DOCX, "Tải bảng tổng hợp đăng ký (Word)"),
    ),
    strict=True,
):
    name, cursor = f"tong-hop-dang-ky-thi-dua-{year}.{suffix}", con.cursor()
    ui.download_button(
        label,
        data=downloads.on_click(
            cursor, user.username, "document", lambda build=build, cursor=cursor: build(
                cursor, year), name, mime, {"kind": "tong-hop-dang-ky", "year": year},
        ) if not problem else b"",
        file_name=name, mime=mime, key=f"dktd_tai_{suffix}", where=where,
        disabled=problem is not None, help=problem,
    )  # fmt: skip
if problem:
    st.caption(problem)

names = dict(zip(table["person_id"].astype(int), table["full_name"], strict=True))
tab_for, tab_groups, tab_round = st.tabs(
    ["Đăng ký thay", "Danh hiệu tập thể", "Đưa SKKN vào đợt chấm"]
)
with tab_for:
    person = st.selectbox("Cán bộ", list(names), format_func=names.get, key="dktd_nguoi")
    theirs = reg.get_registration(con, year, person)
    with st.form(f"dktd_thay_{year}_{person}"):
        other_title = st.radio(
            "Danh hiệu",
            list(TITLE_LABELS),
            format_func=TITLE_LABELS.get,
            horizontal=True,
            index=list(TITLE_LABELS).index(theirs.title) if theirs else 0,
        )
        other_skkn = st.text_input("Tên SKKN (nếu có)", value=theirs.skkn_title if theirs else "")
        other_field = st.text_input("Lĩnh vực", value=theirs.skkn_field if theirs else "")
        if st.form_submit_button("Lưu đăng ký thay", type="primary"):
            with ui.errors_shown():
                reg.save_registration(con, user, year, person, other_title, other_skkn, other_field)
                done(f"Đã lưu đăng ký của {literal(names[person])}.")
    if theirs:
        theirs_name, cursor = f"ban-dang-ky-thi-dua-{year}-{person}.docx", con.cursor()
        ui.download_button(
            "Tải bản đăng ký thi đua của người này (Word)",
            data=downloads.on_click(
                cursor, user.username, "document",
                lambda cursor=cursor, person=person: rd.registration_docx(
                    cursor, user, year, person), theirs_name, DOCX,
                {"kind": "ban-dang-ky", "year": year, "person": person},
            ) if not problem else b"",
            file_name=theirs_name, mime=DOCX, key="dktd_ban_dk_thay",
            disabled=problem is not None, help=problem,
        )  # fmt: skip
with tab_groups:
    current = reg.group_registrations(con, year)
    options = ["", *GROUP_TITLES]
    labels = {"": "Chưa đăng ký"} | {c: f"{s} – {TITLE_NAMES[c]}" for c, s in GROUP_TITLES.items()}
    with st.form("dktd_to"):
        chosen = {
            g: st.selectbox(
                literal(g),
                options,
                index=options.index(current.get(g, "")),
                format_func=labels.get,
                key=f"dktd_to_{g}",
            )
            for g in reg.group_names(con)
        }
        if st.form_submit_button("Lưu danh hiệu tập thể", type="primary"):
            with ui.errors_shown():
                for g, t in chosen.items():
                    if t != current.get(g, ""):
                        reg.save_group_registration(con, user, year, g, t or None)
                done("Đã lưu đăng ký danh hiệu tập thể.")
with tab_round:
    pending = reg.pending_entries(con, year)
    rounds_df = skkn.rounds_taking_entries(con, year)
    if pending.empty:
        st.info("Không còn SKKN đã đăng ký nào chưa vào đợt chấm.")
    elif rounds_df.empty:
        st.info(
            f"Chưa có đợt chấm năm học {year} đang chuẩn bị hoặc đang chấm: tạo ở trang “Đợt chấm”."
        )
    else:
        ui.dataframe(
            pending[["full_name", "group_name", "skkn_title", "skkn_field"]],
            hide_index=True,
            width="stretch",
            column_config={
                "full_name": "Tác giả",
                "group_name": "Tổ",
                "skkn_title": "Tên SKKN",
                "skkn_field": "Lĩnh vực",
            },
        )
        round_labels = dict(zip(rounds_df["id"].astype(int), rounds_df["label"], strict=True))
        round_id = st.selectbox(
            "Đợt chấm", list(round_labels), format_func=round_labels.get, key="dktd_dot"
        )
        if st.button("Đưa các SKKN này vào đợt chấm", type="primary", key="dktd_vao_dot"):
            with ui.errors_shown():
                for pid in pending["person_id"].astype(int):
                    reg.make_entry(con, user, year, pid, round_id)
                done(f"Đã đưa {len(pending)} SKKN vào đợt chấm.")
