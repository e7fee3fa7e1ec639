import unicodedata

import pytest

from kiennghi.nlp.normalize import fix_tone_placement, normalize_text, remove_invisible, strip_diacritics

TONES = [
    ("hoà", "hòa"),
    ("hoá", "hóa"),
    ("hoả", "hỏa"),
    ("hoã", "hõa"),
    ("hoạ", "họa"),
    ("khoẻ", "khỏe"),
    ("xoè", "xòe"),
    ("loà", "lòa"),
    ("toả", "tỏa"),
    ("thoả", "thỏa"),
    ("thuỷ", "thủy"),
    ("tuỳ", "tùy"),
    ("luỹ", "lũy"),
    ("huỷ", "hủy"),
    ("suý", "súy"),
    ("Uỷ", "Ủy"),
    ("UỶ", "ỦY"),
    ("HOÀ", "HÒA"),
    ("Hoà", "Hòa"),
    ("oà", "òa"),
]
UNCHANGED = [
    "quý",
    "quỳ",
    "quỹ",
    "quả",
    "hoàn",
    "hoàng",
    "thuyền",
    "khuya",
    "hoặc",
    "ngoặc",
    "thuế",
    "thuở",
    "huỳnh",
    "toàn",
    "giỏi",
    "già",
    "Hòa",
    "thủy",
    "của",
    "mùa",
    "xoay",
]


@pytest.mark.parametrize(("old", "new"), TONES)
def test_old_tone_placement_is_rewritten(old, new):
    assert fix_tone_placement(old) == new
    assert fix_tone_placement(f"xã {old} bình") == f"xã {new} bình"


@pytest.mark.parametrize("word", UNCHANGED)
def test_words_already_right_are_untouched(word):
    assert fix_tone_placement(word) == word


CASES = [
    # (input, expected normalised form)
    ("Ðề nghị hỗ trợ", "Đề nghị hỗ trợ"),  # U+00D0 typed for Đ
    (unicodedata.normalize("NFD", "Đề nghị Uỷ ban"), "Đề nghị Ủy ban"),  # NFD + old tone
    ("Đề\u200bnghị\ufeff", "Đềnghị"),  # zero-width characters vanish
    ("Đề  nghị\t\u00a0sửa", "Đề nghị sửa"),  # odd spaces collapse
    ("de nghi ho tro kinh phi", "de nghi ho tro kinh phi"),  # no diacritics: left alone
    ("  ", ""),
    ("", ""),
    ("Đề nghị\x00 sửa\x07 đường", "Đề nghị sửa đường"),  # control characters
    ("Request: sửa cầu Hoà Bình 2024", "Request: sửa cầu Hòa Bình 2024"),  # mixed languages
    ("1. Sửa đường;\n\n2. Làm cầu", "1. Sửa đường;\n2. Làm cầu"),
    ("\u202eđường\u202c", "đường"),  # bidi overrides
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("raw", [c[0] for c in CASES] + [t[0] for t in TONES])
def test_normalize_is_idempotent_and_nfc(raw):
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_huge_text_is_handled():
    text = "Đề nghị sửa đường liên xã hoà bình. " * 600
    out = normalize_text(text)
    assert "hòa" in out and len(out) < len(text)


def test_lone_surrogate_is_removed():
    assert normalize_text("đường\ud800 xã") == "đường xã"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Đề nghị hỗ trợ kinh phí", "De nghi ho tro kinh phi"),
        ("ĐƯỜNG GIAO THÔNG", "DUONG GIAO THONG"),
        (unicodedata.normalize("NFD", "Sở Y tế"), "So Y te"),
        ("de nghi", "de nghi"),
    ],
)
def test_strip_diacritics(raw, expected):
    assert strip_diacritics(raw) == expected


def test_remove_invisible_keeps_newlines():
    assert remove_invisible("a\nb\u200bc") == "a\nbc"
