"""Vietnamese text helpers: what is stored, what is matched, user text shown literally."""

from lib.core.text import fold, label_text, literal, nfc


def test_literal_escapes_every_markdown_construct():
    payload = "[bấm](http://x) ![a](http://x/a.png) :red[ĐẠT] **đậm** # KẾT LUẬN $x$ <b>"
    escaped = literal(payload)
    for construct in ("[bấm]", "![a]", ":red[", "**", "$x$", "<b>"):
        assert construct not in escaped
    assert "\\# KẾT LUẬN" in escaped  # no heading
    # Nothing lost but the escapes and the invisible joiners that keep addresses from linking.
    assert escaped.replace("\\", "").replace("\u2060", "") == payload


def test_literal_keeps_lines_and_vietnamese():
    assert literal("Dòng 1\n# Dòng 2") == "Dòng 1  \n\\# Dòng 2"
    assert literal(None) == "" and literal("Lê Thu Hà") == "Lê Thu Hà"


def test_stored_text_keeps_underscores_and_folds_only_spaces():
    # "5_6 tuổi" is what the teacher typed; a header "Ho_va_ten" still matches "Họ và tên".
    assert nfc("  Trẻ 5_6 tuổi   học__vẽ ") == "Trẻ 5_6 tuổi học__vẽ"
    assert fold("Ho_va_ten") == fold("Họ và tên") == "ho va ten"


def test_a_widget_label_escapes_only_what_a_label_renders():
    plain = "I.1. Đặt vấn đề (tối đa 1,5) - mục 2/3 # 1."
    assert label_text(plain) == plain  # its accessible name is read aloud as it is
    assert label_text("**đậm** [a](https://e.vn)") == "\\*\\*đậm\\*\\* \\[a\\](https:\u2060//e.vn)"
