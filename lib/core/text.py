"""Vietnamese text helpers: NFC normalisation, folding for matching, and collation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Combining marks that change the letter itself (ă, â, ơ, ư, ê, ô) versus tone marks.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
# Dictionary order of tones: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_SPACES = re.compile(r"\s+")
# For matching only: a header written "Ho_va_ten" is the column "Họ và tên".
_SPACES_OR_UNDERSCORES = re.compile(r"[\s_]+")


def nfc(value: str) -> str:
    """Return the text in NFC with surrounding spaces removed and inner runs of spaces folded.

    Every other character is kept as typed ("5_6 tuổi" stays so): this is what is stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip() if value else ""


def fold(value: str) -> str:
    """Lower-case ASCII form for matching: no diacritics, đ→d, spaces and '_' as one space."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES_OR_UNDERSCORES.sub(" ", ascii_only.lower()).strip()


def _letters(value: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    primary: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", value.lower()):
        if ch in (_BREVE, _CIRCUMFLEX, _HORN) and primary:
            base = _ALPHABET[primary[-1]] if primary[-1] < len(_ALPHABET) else ""
            composed = unicodedata.normalize("NFC", base + ch)
            if composed in _RANK:
                primary[-1] = _RANK[composed]
        elif ch in _TONES:
            if tones:
                tones[-1] = _TONES[ch]
        elif unicodedata.combining(ch):
            continue
        else:
            primary.append(_RANK.get(ch, 100 + ord(ch)))
            tones.append(0)
    return tuple(primary), tuple(tones)


@lru_cache(maxsize=65536)  # pages sort the same few thousand names on every run
def vn_key(value: str) -> tuple:
    """Sort key in Vietnamese alphabetical order (Đ after D, Ư after U, tones secondary)."""
    primary, tones = _letters(value or "")
    return primary, tones


@lru_cache(maxsize=65536)
def vn_name_key(full_name: str) -> tuple:
    """Sort key for a person's name the Vietnamese way: given name (last word) first."""
    words = nfc(full_name).split(" ")
    return vn_key(words[-1]), vn_key(" ".join(words))


def vn_name_order(names: Sequence[str]) -> list[int]:
    """The positions of these names in vn_name_key order (stable: equal names keep theirs)."""
    return list(_name_order(tuple(names)))


@lru_cache(maxsize=32)
def _name_order(names: tuple[str, ...]) -> tuple[int, ...]:
    # Comparing the nested keys of a district's 1,842 people costs ~5 ms, and a page sorts the
    # same list on every run: the order is kept for the same names in the same order.
    keys = [vn_name_key(name) for name in names]
    return tuple(sorted(range(len(names)), key=keys.__getitem__))


# Everything Streamlit's markdown treats as syntax: CommonMark punctuation, its own directives
# (":red[…]", ":material/…:", emoji shortcodes) and LaTeX ("$").
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=&\"'])")


# GFM turns bare addresses into links after escapes are read (http://…, www.…, a@b.c); an
# invisible word joiner after the scheme, "www" or "@" keeps them text.
_JOINER = "\u2060"
_BARE_LINK = re.compile(r"(?i)\b(https?|ftp):(?=//)|\b(www)(?=\.)|(@)")


# What a widget's label renders (bold, italics, strikethrough, code, links, images, colours):
# fewer than st.markdown, because the label's text is also its accessible name, read aloud with
# every backslash, so only these are escaped.
_LABEL_MARKDOWN = re.compile(r"([\\`*_~\[\]$])")


def label_text(value: object) -> str:
    """User text made safe as a widget's label: shown as typed, a plain label left unchanged."""
    text = _BARE_LINK.sub(lambda m: m[0] + _JOINER, "" if value is None else str(value))
    return _LABEL_MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def literal(value: object) -> str:
    """User text made safe inside st.markdown: shown exactly as typed, never as formatting."""
    text = "" if value is None else str(value)
    text = _BARE_LINK.sub(lambda m: m[0] + _JOINER, text)
    # A line break must stay a break, not start a heading or list on the next line.
    return "  \n".join(_MARKDOWN.sub(r"\\\1", line) for line in text.splitlines() or [""])
