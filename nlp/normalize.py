"""Pure Vietnamese text normalisation: Unicode form, look-alike letters, tone placement, accents."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "TONE_MARKS",
    "accentless_lower",
    "fix_tone_placement",
    "fold",
    "normalize_text",
    "remove_invisible",
    "strip_diacritics",
]

# The five Vietnamese tone marks as combining characters (huyền, sắc, hỏi, ngã, nặng).
TONE_MARKS = frozenset("\u0300\u0301\u0309\u0303\u0323")

# U+00D0 (Icelandic eth) and U+0189 (African D) look like Đ and are typed for it by some keyboards.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u0189": "\u0110", "\u00f0": "\u0111"})

# Zero-width characters, BOM, soft hyphen and bidi controls carry no meaning in a petition.
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# C0/C1 control characters other than tab and newline; also lone surrogates, which cannot be encoded.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES_RE = re.compile(r"\s*\n\s*")

# A syllable whose nucleus is oa, oe or uy with no final consonant: old style puts the tone on the
# second vowel (hoà, khoẻ, thuỷ), the style used in today's administrative text on the first
# (hòa, khỏe, thủy). Matched on NFD text so the tone is a separate combining mark.
_OLD_TONE_RE = re.compile(
    r"(?<![^\W\d_])"  # start of a word
    r"([b-df-hj-np-tv-zđ]*)"  # initial consonants (no vowels)
    r"([oOuU])"  # first vowel of the nucleus
    r"([aAeEyY])([\u0300\u0301\u0309\u0303\u0323])"  # second vowel carrying the tone
    r"(?![^\W\d_]|[\u0300-\u036f])",  # end of word: no final consonant, no more marks (hoặc)
    re.IGNORECASE,
)


def remove_invisible(text: str) -> str:
    """Drop zero-width, bidi and control characters; keep tabs and newlines as whitespace."""
    return _CONTROL_RE.sub(" ", _INVISIBLE_RE.sub("", text))


def _move_tone(match: re.Match[str]) -> str:
    initial, first, second, tone = match.groups()
    # "qu" + y is the consonant qu followed by the vowel y (quý, quỳ): the tone stays on y.
    if initial.lower().endswith("q") and first in "uU":
        return match.group(0)
    return f"{initial}{first}{tone}{second}"


def fix_tone_placement(text: str) -> str:
    """Rewrite old-style tone placement to the style of current administrative text.

    Examples
    --------
    >>> fix_tone_placement("Uỷ ban hoà giải, thuỷ lợi, khoẻ, loà")
    'Ủy ban hòa giải, thủy lợi, khỏe, lòa'
    >>> fix_tone_placement("quý, hoàn thành, khuya")
    'quý, hoàn thành, khuya'
    """
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _OLD_TONE_RE.sub(_move_tone, decomposed))


def normalize_text(text: str) -> str:
    """Canonical form of a petition text: NFC, Đ look-alikes fixed, tones placed, spaces collapsed.

    Examples
    --------
    >>> normalize_text("Ðề nghị  hỗ trợ\u200b kinh phí cho Hội  CCB xã Hoà Bình")
    'Đề nghị hỗ trợ kinh phí cho Hội CCB xã Hòa Bình'
    """
    text = remove_invisible(text).translate(_LOOKALIKES)
    text = fix_tone_placement(text)
    text = _SPACE_RE.sub(" ", text)
    return _NEWLINES_RE.sub("\n", text).strip()


def _strip_table() -> dict[int, str | None]:
    """Precomposed Latin letters → base letter; combining marks → removed (covers NFC and NFD)."""
    table: dict[int, str | None] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0x00C0, 0x1F00):
        base = unicodedata.normalize("NFD", chr(code))
        if len(base) > 1 and base[0].isascii() and all(unicodedata.combining(c) for c in base[1:]):
            table[code] = base[0]
    for code in range(0x0300, 0x0370):
        table[code] = None
    return table


_STRIP_TABLE = _strip_table()


def strip_diacritics(text: str) -> str:
    """Remove every Vietnamese diacritic, as a phone keyboard without Telex would type the text.

    Examples
    --------
    >>> strip_diacritics("Đề nghị hỗ trợ kinh phí")
    'De nghi ho tro kinh phi'
    """
    return text.translate(_STRIP_TABLE)


def accentless_lower(text: str) -> str:
    """Lower-case text without diacritics (the accent-free features' view of a petition).

    >>> accentless_lower("Hỗ trợ BHYT")
    'ho tro bhyt'
    """
    return strip_diacritics(text).lower()


def fold(text: str) -> str:
    """Accent-free lower case with the Đ look-alikes read as Đ: how names are compared.

    Tone placement no longer matters once the tones are gone; on NFC text every character gives
    one character, so positions in the result are positions in the text.

    >>> fold("Sở TN&MT tỉnh Hoà Bình, Ðoàn")
    'so tn&mt tinh hoa binh, doan'
    """
    # Decompose and drop the marks: twice as fast as a translate table on running text.
    text = text.lower().translate(_FOLD_D)
    return _COMBINING_RE.sub("", unicodedata.normalize("NFD", text))


_FOLD_D = str.maketrans({"đ": "d", "\u00f0": "d", "\u0256": "d"})
_COMBINING_RE = re.compile("[\u0300-\u036f]+")
