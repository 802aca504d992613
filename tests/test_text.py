"""Vietnamese text helpers: user text shown literally inside markdown."""

from lib.core.text import literal


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
