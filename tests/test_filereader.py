"""Tests of reading uploads (lib.io.filereader and its modules): decoding, cells, headers."""

from __future__ import annotations

import datetime as dt
import io
import random
import unicodedata

import openpyxl
import pyarrow as pa
import pytest

from lib.io import fastcsv
from lib.io.columns import ColumnSpec, map_columns, normalize_header
from lib.io.dates import parse_date
from lib.io.filereader import read_table
from lib.io.uploads import MAX_BYTES, ROW_COLUMN, Problem

NAMES = ["Nguyễn Thị Quyên", "Trần Văn Hà Nội", "Đặng Thị Thuỷ", "Lê Hữu Đức"]
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Encode like Windows-1258: precomposed where the code page has it, else base + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in _TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + tones).encode("cp1258")
    return bytes(out)


def rows_of(df) -> list[list[str]]:
    return df.drop(columns=[ROW_COLUMN]).values.tolist()


def messages(problems: list[Problem]) -> str:
    return " | ".join(p.message for p in problems)


SAMPLE = "Mã SKKN,Họ và tên,Điểm\r\nSK01,Nguyễn Thị Quyên,8.5\r\nSK02,Trần Văn Hà Nội,9\r\n"


# --- encodings -------------------------------------------------------------------------------


def test_utf8_without_bom() -> None:
    df, problems = read_table(SAMPLE.encode("utf-8"), "ds.csv")
    assert problems == []
    assert list(df.columns) == [ROW_COLUMN, "Mã SKKN", "Họ và tên", "Điểm"]
    assert rows_of(df) == [["SK01", "Nguyễn Thị Quyên", "8.5"], ["SK02", "Trần Văn Hà Nội", "9"]]
    assert df[ROW_COLUMN].tolist() == [2, 3]


def test_utf8_with_bom_does_not_leak_into_first_header() -> None:
    df, problems = read_table(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "ds.csv")
    assert problems == []
    assert df.columns[1] == "Mã SKKN"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_unicode_text_is_tab_separated(encoding: str) -> None:
    text = SAMPLE.replace(",", "\t")
    data = text.encode(encoding) if encoding == "utf-16" else b"\xfe\xff" + text.encode(encoding)
    df, problems = read_table(data, "ds.txt")
    assert problems == []
    assert rows_of(df)[1] == ["SK02", "Trần Văn Hà Nội", "9"]


def test_cp1258_is_decoded_and_composed_to_nfc() -> None:
    text = "Mã SKKN;Họ và tên;Đơn vị\r\n" + "".join(
        f"SK0{i};{name};Hà Nội\r\n" for i, name in enumerate(NAMES, start=1)
    )
    data = cp1258(text)
    assert b"\xcc" in data or b"\xde" in data  # really has combining tone marks
    df, problems = read_table(data, "ds.csv")
    assert problems == []
    assert list(df.columns[1:]) == ["Mã SKKN", "Họ và tên", "Đơn vị"]
    assert df["Họ và tên"].tolist() == NAMES
    assert set(df["Đơn vị"]) == {"Hà Nội"}
    assert all(unicodedata.is_normalized("NFC", v) for v in df["Họ và tên"])


def test_utf16_without_bom() -> None:
    df, problems = read_table(SAMPLE.encode("utf-16-le"), "ds.csv")
    assert problems == []
    assert rows_of(df)[0] == ["SK01", "Nguyễn Thị Quyên", "8.5"]


def test_utf8_with_one_stray_byte_names_the_line_instead_of_mojibake() -> None:
    data = SAMPLE.encode("utf-8") + "SK03,Lê Hữu Đức,7\r\n".encode() + b"SK04,B\x96,6\r\n"
    df, problems = read_table(data, "ds.csv")
    assert df is None
    assert [p.row for p in problems] == [5]
    assert "UTF-8" in problems[0].message


def test_bytes_outside_cp1258_are_reported() -> None:
    df, problems = read_table(cp1258("Mã;Tên\nSK01;Hà Nội\n") + b"SK02;\x81\x8d\n", "ds.csv")
    assert df is None
    assert "bảng mã" in messages(problems)


def test_nfd_utf8_becomes_nfc() -> None:
    data = unicodedata.normalize("NFD", SAMPLE).encode("utf-8")
    df, _ = read_table(data, "ds.csv")
    assert df.columns[1] == "Mã SKKN"
    assert df["Họ và tên"].tolist()[1] == "Trần Văn Hà Nội"


# --- separators and shape ------------------------------------------------------------------


def test_semicolon_with_decimal_comma_and_commas_inside_fields() -> None:
    text = "Mã SKKN;Tên;Điểm\nSK01;Dạy tốt, học tốt;8,5\nSK02;Trẻ vui khoẻ;9\n"
    df, problems = read_table(text.encode("utf-8"), "ds.csv")
    assert problems == []
    assert rows_of(df) == [["SK01", "Dạy tốt, học tốt", "8,5"], ["SK02", "Trẻ vui khoẻ", "9"]]


@pytest.mark.parametrize("filename", ["ds.tsv", "ds.txt", "ds.csv"])
def test_tab_separator(filename: str) -> None:
    text = "Mã SKKN\tTên\tĐiểm\nSK01\tA, B\t7\n"
    df, problems = read_table(text.encode("utf-8"), filename)
    assert problems == []
    assert rows_of(df) == [["SK01", "A, B", "7"]]


def test_quoted_fields_with_separator_and_line_break_keep_excel_row_numbers() -> None:
    text = 'Mã;Ghi chú\nSK01;"dòng 1\ndòng 2; còn nữa"\nSK02;"nói ""tốt"""\n'
    df, problems = read_table(text.encode("utf-8"), "ds.csv")
    assert problems == []
    assert rows_of(df) == [["SK01", "dòng 1\ndòng 2; còn nữa"], ["SK02", 'nói "tốt"']]
    assert df[ROW_COLUMN].tolist() == [2, 3]


def test_blank_rows_dropped_and_file_rows_kept() -> None:
    text = "\n;;\nMã;Tên\n\nSK01;A\n ; \nSK02;B\n\n"
    df, problems = read_table(text.encode("utf-8"), "ds.csv")
    assert problems == []
    assert rows_of(df) == [["SK01", "A"], ["SK02", "B"]]
    assert df[ROW_COLUMN].tolist() == [5, 7]
    assert df.attrs["header_row"] == 3


def test_trailing_empty_columns_dropped_but_unnamed_data_kept() -> None:
    text = "Mã,Tên,,,\nSK01,A,x,,\nSK02,B,,,\n"
    df, problems = read_table(text.encode("utf-8"), "ds.csv")
    assert problems == []
    assert list(df.columns) == [ROW_COLUMN, "Mã", "Tên", "Cột C"]
    assert rows_of(df) == [["SK01", "A", "x"], ["SK02", "B", ""]]


def test_cells_and_headers_are_stripped_strings_and_numbers_stay_text() -> None:
    text = " Mã  SKKN , Điểm ,SĐT\n SK01 , 8 ,0912345678\n"
    df, _ = read_table(text.encode("utf-8"), "ds.csv")
    assert list(df.columns[1:]) == ["Mã SKKN", "Điểm", "SĐT"]
    assert rows_of(df) == [["SK01", "8", "0912345678"]]
    assert all(isinstance(v, str) for v in df["Điểm"])


# --- Excel -----------------------------------------------------------------------------------


def make_xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    wb.create_sheet("Trang 2")["A1"] = "không đọc trang này"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_numbers_dates_and_text() -> None:
    data = make_xlsx(
        [
            ["Mã SKKN", "Họ và tên", "Điểm", "Ngày nộp", "Mã số"],
            ["SK01", "Nguyễn Thị Quyên", 8, dt.datetime(2024, 3, 28), "007"],
            [None, None, None, None, None],
            ["SK02", " Trần Văn Hà Nội ", 8.5, dt.date(2024, 4, 1), 12],
            ["SK03", "Lê Hữu Đức", 0.1 + 0.2, None, None],
        ]
    )
    df, problems = read_table(data, "Danh sách.XLSX")
    assert problems == []
    assert list(df.columns[1:]) == ["Mã SKKN", "Họ và tên", "Điểm", "Ngày nộp", "Mã số"]
    assert rows_of(df) == [
        ["SK01", "Nguyễn Thị Quyên", "8", "28/03/2024", "007"],
        ["SK02", "Trần Văn Hà Nội", "8.5", "01/04/2024", "12"],
        ["SK03", "Lê Hữu Đức", "0.3", "", ""],
    ]
    assert df[ROW_COLUMN].tolist() == [2, 4, 5]


def test_xlsx_header_not_in_first_row() -> None:
    data = make_xlsx([[None], [None, None], ["Mã", "Tên"], ["SK01", "A"]])
    df, problems = read_table(data, "ds.xlsx")
    assert problems == []
    assert df.attrs["header_row"] == 3
    assert df[ROW_COLUMN].tolist() == [4]


# --- bad files ------------------------------------------------------------------------------


def assert_fails(data: bytes, filename: str, *words: str) -> None:
    df, problems = read_table(data, filename)
    assert df is None
    assert len(problems) == 1 and problems[0].row is None
    for word in words:
        assert word in problems[0].message


def test_empty_file() -> None:
    assert_fails(b"", "ds.csv", "rỗng")


def test_only_blank_lines_or_only_header() -> None:
    assert_fails(b"\r\n ;; \r\n", "ds.csv", "không có dữ liệu")
    assert_fails("Mã;Tên\n".encode(), "ds.csv", "chỉ có dòng tiêu đề")


def test_oversize_file_names_the_limit() -> None:
    assert_fails(b"a" * (MAX_BYTES + 1), "ds.csv", "10 MB")


def test_corrupt_xlsx() -> None:
    assert_fails(b"PK\x03\x04 not really a zip", "ds.xlsx", "Tệp Excel bị hỏng")
    assert_fails(SAMPLE.encode(), "ds.xlsx", "Tệp Excel bị hỏng")


def test_binary_garbage_as_csv() -> None:
    rng = random.Random(7)
    garbage = bytes(rng.randrange(256) for _ in range(3000))
    assert_fails(garbage, "ds.csv", "không phải văn bản")


def test_xlsx_renamed_to_csv_says_what_it_is() -> None:
    assert_fails(make_xlsx([["Mã"], ["SK01"]]), "ds.csv", "Excel")


@pytest.mark.parametrize(
    ("filename", "word"), [("ds.xls", ".xls"), ("ds.pdf", ".pdf"), ("ds", "không có đuôi")]
)
def test_unsupported_extension(filename: str, word: str) -> None:
    assert_fails(SAMPLE.encode(), filename, "không hỗ trợ", word)


@pytest.mark.parametrize("filename", ["a.csv", "a.txt", "a.tsv", "a.xlsx"])
def test_never_raises_on_random_bytes(filename: str) -> None:
    rng = random.Random(filename)
    for size in (1, 2, 3, 10, 200, 5000):
        data = bytes(rng.randrange(256) for _ in range(size))
        df, problems = read_table(data, filename)
        assert df is not None or problems


# --- headers -------------------------------------------------------------------------------


def test_normalize_header() -> None:
    assert normalize_header("Mã SKKN") == normalize_header("ma_skkn") == "ma_skkn"
    assert normalize_header("MA  SKKN") == normalize_header(" Mã\nSKKN (*)") == "ma_skkn"
    assert normalize_header("Đơn vị:") == "don_vi"


SPECS = [
    ColumnSpec("ma_skkn", True, ("mã sáng kiến",), label="Mã SKKN"),
    ColumnSpec("tac_gia", True, ("họ và tên", "tên tác giả"), label="Tác giả"),
    ColumnSpec("ghi_chu", False, label="Ghi chú"),
]


def frame(text: str):
    df, problems = read_table(text.encode("utf-8"), "ds.csv")
    assert problems == []
    return df


@pytest.mark.parametrize("header", ["Mã SKKN", "ma_skkn", "MA  SKKN", "Mã sáng kiến", "mã skkn*"])
def test_map_columns_matches_name_label_and_aliases(header: str) -> None:
    df, problems = map_columns(frame(f"{header};Họ và tên;GK1\nSK01;A;8\n"), SPECS)
    assert problems == []
    assert list(df.columns) == [ROW_COLUMN, "ma_skkn", "tac_gia", "GK1", "ghi_chu"]
    assert df.iloc[0].tolist() == [2, "SK01", "A", "8", ""]


def test_missing_required_column_names_it() -> None:
    df, problems = map_columns(frame("Họ và tên;Điểm\nA;8\n"), SPECS)
    assert df is None
    assert problems == [
        Problem(1, "Mã SKKN", "Thiếu cột bắt buộc “Mã SKKN”. Các cột đang có: “Họ và tên”, “Điểm”.")
    ]
    assert str(problems[0]).startswith("Dòng 1, cột “Mã SKKN”: Thiếu cột bắt buộc")


def test_duplicate_columns_are_a_problem() -> None:
    df, problems = map_columns(frame("Mã SKKN;ma_skkn;Tác giả\nSK01;SK01;A\n"), SPECS)
    assert df is None
    assert [p.column for p in problems] == ["Mã SKKN"]
    assert "“Mã SKKN”, “ma_skkn”" in problems[0].message


def test_title_row_above_header_is_skipped() -> None:
    text = "DANH SÁCH SKKN NĂM HỌC 2023-2024;;\nMã SKKN;Tác giả;Ghi chú\nSK01;A;\nSK02;B;x\n"
    df, problems = map_columns(frame(text), SPECS)
    assert problems == []
    assert df[["ma_skkn", "tac_gia", "ghi_chu"]].values.tolist() == [
        ["SK01", "A", ""],
        ["SK02", "B", "x"],
    ]
    assert df[ROW_COLUMN].tolist() == [3, 4]
    assert df.attrs["header_row"] == 2


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/03/2024", dt.date(2024, 3, 27)),
        ("7/3/24", dt.date(2024, 3, 7)),
        ("27-03-2024", dt.date(2024, 3, 27)),
        ("27.03.2024", dt.date(2024, 3, 27)),
        (" 2024-03-27 ", dt.date(2024, 3, 27)),
        ("2024-03-27 00:00:00", dt.date(2024, 3, 27)),
        ("45379", dt.date(2024, 3, 28)),
        ("45379.0", dt.date(2024, 3, 28)),
        ("ngày 27 tháng 03 năm 2024", dt.date(2024, 3, 27)),
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_parse_date_accepts(text: str, expected: dt.date) -> None:
    assert parse_date(text) == (expected, None)


@pytest.mark.parametrize("text", ["31/02/2024", "03/28/2024", "12345", "99999", "hôm qua", "2024"])
def test_parse_date_rejects_with_message(text: str) -> None:
    value, error = parse_date(text)
    assert value is None
    assert error is not None and f"“{text}”" in error and "27/03/2024" in error


def test_parse_date_empty_is_not_an_error() -> None:
    assert parse_date("  ") == (None, None)


# --- the fast reader -------------------------------------------------------------------------

_PIECES = ["a", "Hà", "Nội", "ê\u0301", " ", "  ", "\u00a0", "\ufeff", "\u200b", "\t", ",", ";",
           '"', '""', "\r\n", "\n", "\r", "'=", "x y", "\u3000", "\u2028", "1"]  # fmt: skip


def _outcome(data: bytes, filename: str):
    df, problems = read_table(data, filename)
    if df is None:
        return None, [str(p) for p in problems]
    return (list(df.columns), df.values.tolist(), df.attrs["header_row"]), []


@pytest.mark.parametrize("seed", range(40))
def test_fast_reader_reads_exactly_what_csv_reader_reads(seed: int, monkeypatch) -> None:
    rng = random.Random(seed)
    fast = fastcsv.read_text_fast
    used = []
    for _ in range(50):
        width = rng.randrange(1, 4)
        lines = []
        for _ in range(rng.randrange(1, 6)):
            cells = ["".join(rng.choice(_PIECES) for _ in range(rng.randrange(4)))
                     for _ in range(width)]  # fmt: skip
            lines.append(rng.choice(",;,,").join(cells))
        text = rng.choice(["\r\n", "\n"]).join(lines) + rng.choice(["", "\n", "\r\n\r\n"])
        data = text.encode(rng.choice(["utf-8", "utf-8-sig", "utf-16"]))
        monkeypatch.setattr(fastcsv, "read_text_fast", lambda *a: used.append(r := fast(*a)) or r)
        got = _outcome(data, "ds.csv")
        monkeypatch.setattr(fastcsv, "read_text_fast", lambda *a: None)
        assert got == _outcome(data, "ds.csv"), repr(text)
    assert sum(r is not None for r in used) >= 10  # the fast reader really read files


def test_fast_reader_keeps_file_row_numbers_across_blank_and_multiline_rows() -> None:
    text = 'Mã;Ghi chú\r\n\r\nSK01;"dòng 1\r\ndòng 2"\r\n;\r\n SK02 ;\u00a0B\u200b\r\n'
    df, problems = read_table(text.encode("utf-8"), "ds.csv")
    assert problems == []
    assert rows_of(df) == [["SK01", "dòng 1\r\ndòng 2"], ["SK02", "B"]]
    assert df[ROW_COLUMN].tolist() == [3, 5]


def test_space_bytes_are_exactly_python_spaces_bom_and_zero_width_space() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    values = pa.array(chars, pa.large_string())
    data, offsets = fastcsv._bytes_of(values)
    found = fastcsv._space_at(data, offsets[:-1])
    expected = [c.isspace() or c in "\ufeff\u200b" for c in chars]
    assert found.tolist() == expected


@pytest.mark.parametrize("inner", [False, True])
def test_only_cells_a_cleaning_leaves_alone_are_skipped(inner: bool) -> None:
    rng = random.Random(11)
    cells = ["".join(rng.choice(_PIECES + ["à", "ệ", "ﬁ", "@"]) for _ in range(rng.randrange(5)))
             for _ in range(5000)]  # fmt: skip
    values = pa.array(cells, pa.large_string())
    flagged = fastcsv._needs_fix(values, inner)
    spaces = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
    for cell, flag in zip(cells, flagged.tolist(), strict=True):
        clean = cell.strip(spaces + "\ufeff\u200b")
        if inner:
            clean = " ".join(clean.split())
            clean = clean[1:] if clean[:1] == "'" and clean[1:2] in tuple("=+-@") else clean
        assert flag or clean == cell, repr(cell)


def test_a_cell_longer_than_csv_allows_is_refused_as_before() -> None:
    text = 'Mã,Ghi chú\nSK01,"' + "x" * 200_000 + '"\nSK02,B\n'
    assert_fails(text.encode("utf-8"), "ds.csv", "ô quá dài")
