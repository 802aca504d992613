"""Nhập dữ liệu: pick a kind, upload, preview with problems marked, confirm, see the summary."""

import streamlit as st

from lib import ui
from lib.access.permissions import can_import_data
from lib.core import clock
from lib.core.text import literal
from lib.io import backup, exports, imports
from lib.ui import downloads

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
}
admin = ui.require(can_import_data)
con = ui.connection()

st.title("Nhập dữ liệu")
flash = st.session_state.pop("nhap_ket_qua", None)
if flash:
    message, shown = flash
    st.success(message, icon=":material/task_alt:")
    if shown is not None and not shown.empty:
        st.caption("Dữ liệu hiện có sau khi nhập:")
        ui.dataframe(shown, hide_index=True, width="stretch")

kinds = imports.KINDS
kind_name = st.selectbox(
    "Loại dữ liệu", list(kinds), format_func=lambda k: kinds[k].label, key="nhap_loai"
)
kind = kinds[kind_name]
st.caption(kind.help)

target = None
if kind.target:
    chooser = imports.TARGETS[kind.target]
    choices = chooser.choices(con)
    if not choices:
        st.info(chooser.empty)
        st.stop()
    target = st.selectbox(
        chooser.label, list(choices), format_func=choices.get, key=f"nhap_{kind.target}"
    )

if kind.columns:
    ui.download_button(
        "Tải mẫu Excel",
        data=exports.template_xlsx(kind_name),
        file_name=f"mau-nhap-{kind_name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key=f"mau_{kind_name}",
    )

attempt = st.session_state.setdefault("nhap_lan", 0)
upload = st.file_uploader(
    f"Chọn tệp để nhập ({', '.join(kind.extensions)})",
    key=f"nhap_tep_{kind_name}_{attempt}",
    max_upload_size=imports.MAX_MB,
)
st.caption(
    f"Tệp tối đa {imports.MAX_MB} MB. Tệp CSV: UTF-8 (có hoặc không có BOM), UTF-16 hoặc "
    "Windows-1258; phân cách bằng dấu phẩy, chấm phẩy hoặc tab. Chưa ghi gì cho đến khi bấm "
    "“Nhập dữ liệu”; tệp có lỗi thì không ghi dòng nào."
)


def progress_bar():
    bar = st.progress(0.0, text="Đang đọc tệp…")
    return bar, lambda fraction, text: bar.progress(min(fraction, 1.0), text=text)


if upload is not None:
    data = upload.getvalue()
    key = (kind_name, target, upload.file_id, len(data))
    cached = st.session_state.get("nhap_xem")
    if cached is None or cached[0] != key:
        bar, report = progress_bar()
        checked = imports.preview(con, kind_name, data, upload.name, target, report)
        bar.empty()
        st.session_state["nhap_xem"] = (key, checked)
    else:
        checked = cached[1]

    if checked.problems:
        st.error(
            f"Tệp có {len(checked.problems)} lỗi, chưa ghi gì vào dữ liệu. "
            "Hãy sửa tệp theo từng lỗi dưới đây rồi tải lên lại.",
            icon=":material/error:",
        )
        st.markdown("\n".join(f"- {literal(p)}" for p in checked.problems[:100]))
        if len(checked.problems) > 100:
            st.caption(f"… và {len(checked.problems) - 100} lỗi khác.")
    for warning in checked.warnings:
        st.warning(literal(warning), icon=":material/warning:")

    if not checked.table.empty:
        total = len(checked.table)
        st.subheader("Xem trước")
        st.caption(
            f"{total} dòng đọc được"
            + (" — các ô có lỗi được tô đỏ." if checked.problems else ".")
            + (" Chỉ hiện 500 dòng (dòng có lỗi lên trước)." if total > 500 else "")
        )
        ui.dataframe(imports.styled_preview(checked), hide_index=True, width="stretch")

    if checked.ok:
        st.info(
            f"Sẽ thêm {checked.added}, cập nhật {checked.updated}, "
            f"giữ nguyên {checked.unchanged} dòng.",
            icon=":material/info:",
        )
        if st.button("Nhập dữ liệu", type="primary", key="nhap_xac_nhan"):
            bar, report = progress_bar()
            try:
                summary = imports.run_import(
                    con, kind_name, data, upload.name, admin.username, target, report
                )
            except imports.Refused as exc:
                bar.empty()
                st.session_state.pop("nhap_xem", None)
                ui.show_errors(exc.errors)
            else:
                shown = exports.imported_data(con, summary)
                st.session_state["nhap_ket_qua"] = (
                    literal(f"Đã nhập {upload.name}. {summary}"),
                    shown,
                )
                st.session_state.pop("nhap_xem", None)
                st.session_state["nhap_lan"] = attempt + 1  # a fresh, empty uploader
                st.rerun()

with st.expander("Xuất dữ liệu ra tệp", icon=":material/file_download:"):
    for name, spec in exports.EXPORTS.items():
        chosen = target if spec.target == kind.target else None
        st.markdown(f"**{spec.label}**" + (f" — {literal(chosen)}" if chosen else ""))
        left, right = st.columns(2)
        for column, fmt, label in ((left, "xlsx", "Excel (.xlsx)"), (right, "csv", "CSV")):
            # Built only when clicked, on another thread: it gets its own database cursor.
            cursor = con.cursor()
            ui.download_button(
                label,
                where=column,
                data=downloads.on_click(
                    cursor, admin.username, "export", exports.deferred(cursor, name, chosen, fmt),
                    f"{name}.{fmt}", MIME[fmt], {"kind": name, "target": chosen},
                ),
                file_name=f"{name}.{fmt}",
                mime=MIME[fmt],
                key=f"xuat_{name}_{fmt}",
                icon=":material/download:",
            )  # fmt: skip

with st.expander("Sao lưu toàn bộ dữ liệu", icon=":material/backup:"):
    st.caption(
        "Một tệp .zip chứa mọi bảng của cơ sở dữ liệu, kèm mục lục số dòng. Khôi phục bằng lệnh "
        "`python -m lib.cli restore TỆP.zip` khi ứng dụng đã dừng."
    )
    backup_con = con.cursor()  # the file is built on click, on another thread
    backup_name = f"thidua-sao-luu-{clock.today():%Y-%m-%d}.zip"
    ui.download_button(
        "Tải tệp sao lưu",
        data=downloads.on_click(
            backup_con,
            admin.username,
            "backup",
            lambda: backup.backup_bytes(backup_con),
            backup_name,
            MIME["zip"],
        ),
        file_name=backup_name,
        mime=MIME["zip"],
        key="sao_luu",
        icon=":material/download:",
    )
