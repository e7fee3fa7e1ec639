"""The body a petition explicitly addresses ("Đề nghị Sở Y tế …"), told apart from passing mentions.

A body name (any name, old name or abbreviation of ``NameIndex``, accent-insensitive) is an
explicit addressee when

- an ask verb precedes it in the same sentence with only connecting words between them
  ("đề nghị", "kiến nghị", "đề xuất", "yêu cầu", "mong", "kính gửi"; between: "tỉnh",
  "UBND tỉnh chỉ đạo", "các ngành chức năng như", "và", …), or it follows another explicit
  addressee with only such words between ("đề nghị Sở Y tế và Sở Tài chính"); or
- it opens a sentence and an ask follows it ("Công an huyện sớm điều tra …", "Ngành điện cần …").

Anything else is a mention in passing: "theo Quyết định của Bộ Y tế", "đã được Sở Tài chính phê
duyệt", "theo hướng dẫn của Sở …", "Sở Y tế đã trả lời". "UBND tỉnh" alone is the general
addressee of every petition, not a body of the directory, so it is never returned. Old names
give their successors and ministries their provincial counterparts (the aliases of bodies.yaml).

The text is scanned once with the index's precompiled pattern; the words around each match are
then looked at, so a text costs a few microseconds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiennghi.catalog.names import NameIndex
from kiennghi.nlp.normalize import fold

__all__ = ["Addressee", "find_addressee", "find_addressees"]

# The words below are compared accent-free and lower-case.
_ASK_VERBS: tuple[tuple[str, ...], ...] = (
    ("de", "nghi"),
    ("kien", "nghi"),
    ("de", "xuat"),
    ("yeu", "cau"),
    ("mong",),
    ("mong", "muon"),
    ("kinh", "gui"),
)
# Words that may stand between the ask verb and the body (or between two addressees).
_CONNECTORS = frozenset(
    [
        "tinh",
        "ubnd",
        "uy",
        "ban",
        "nhan",
        "dan",
        "hdnd",
        "chi",
        "dao",
        "giao",
        "cho",
        "cac",
        "nganh",
        "cap",
        "chuc",
        "nang",
        "co",
        "quan",
        "tham",
        "quyen",
        "lien",
        "nhu",
        "nhat",
        "la",
        "dac",
        "biet",
        "va",
        "voi",
        "cung",
        "trung",
        "uong",
        "chinh",
        "phu",
        "phia",
        "don",
        "vi",
        "som",
        "khan",
        "truong",
        "huyen",
        "xa",
        "phuong",
        "thi",
        "tran",
        "hoac",
    ]
)
_MAX_CONNECTORS = 12
# What a body opening a sentence does when it is asked to act ("Công an huyện sớm …").
_SUBJECT_ASKS: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "som",
        "can",
        "nen",
        "phai",
        "khan truong",
        "quan tam",
        "xem xet",
        "kiem tra",
        "chi dao",
        "tang cuong",
        "nghien cuu",
        "giai quyet",
        "bo tri",
        "ho tro",
        "dau tu",
        "xu ly",
        "ra soat",
        "huong dan",
        "day nhanh",
        "phoi hop",
        "dieu tra",
        "truy quet",
        "lam ro",
        "chu tri",
        "tham muu",
        "co bien phap",
        "co giai phap",
        "co ke hoach",
        "sua chua",
        "nang cap",
        "thay the",
        "bo sung",
        "chi tra",
        "dieu chinh",
    )
)
# After the body: it reports what was done, it is not asked ("Sở Y tế đã trả lời …").
_REPORTED: tuple[tuple[str, ...], ...] = (
    ("da",),
    ("dang",),
    ("vua",),
    ("tung",),
    ("cho", "biet"),
    ("thong", "bao"),
)
# Words after a body that belong to its name or place ("Công an huyện Sơn Dương sớm …").
_PLACE_WORDS = frozenset(["tinh", "huyen", "xa", "phuong", "thi", "tran", "thanh", "pho"])
_MAX_PLACE_WORDS = 4

_WORD_RE = re.compile(r"[^\W_]+")
_SENTENCE_END_RE = re.compile(r"[.;!?\n]")


@dataclass(frozen=True)
class Addressee:
    """A body a petition addresses: its code, the phrase as written and where it is."""

    code: str
    phrase: str
    span: tuple[int, int]


def find_addressee(text: str, index: NameIndex) -> Addressee | None:
    """The first body the text explicitly addresses, or None.

    Examples
    --------
    >>> from kiennghi.catalog.directory import Body
    >>> index = NameIndex([Body("so-xay-dung", "Sở Xây dựng", ("Sở GTVT",))])
    >>> find_addressee("Cử tri xã Tân Lập đề nghị Sở GTVT sửa cầu treo", index)
    Addressee(code='so-xay-dung', phrase='Sở GTVT', span=(26, 33))
    >>> find_addressee("Cầu được Sở GTVT phê duyệt từ năm 2020 nhưng chưa làm", index) is None
    True
    """
    found = find_addressees(text, index, first=True)
    return found[0] if found else None


def find_addressees(text: str, index: NameIndex, first: bool = False) -> list[Addressee]:
    """Every body the text explicitly addresses, in order (only the first with ``first``)."""
    folded, positions = _fold(text)
    found: list[Addressee] = []
    previous_end: int | None = None
    for match in index.body_pattern.finditer(folded):
        code = index.find_body(match.group())
        start, end = match.span()
        explicit = code is not None and (
            (previous_end is not None and _only_connectors(folded[previous_end:start]))
            or _asked(folded[:start])
            or (_opens_sentence(folded[:start]) and _asked_after(text, folded, end, positions))
        )
        if not explicit or code is None or _reported(text, folded, end, positions):
            previous_end = None
            continue
        span = _original_span(text, start, end, positions)
        found.append(Addressee(code, text[span[0] : span[1]], span))
        if first:
            break
        previous_end = end
    return found


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Folded text, and the position in ``text`` of each folded character when they differ."""
    folded = fold(text)
    if len(folded) == len(text) and unicodedata.is_normalized("NFC", text):
        return folded, None
    # NFD or rare case mappings: fold character by character to keep positions.
    parts: list[str] = []
    positions: list[int] = []
    for i, char in enumerate(text):
        piece = fold(char)
        parts.append(piece)
        positions.extend([i] * len(piece))
    return "".join(parts), positions


def _original_span(text: str, start: int, end: int, positions: list[int] | None) -> tuple[int, int]:
    if positions is None:
        return start, end
    first, last = positions[start], positions[end - 1] + 1
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return first, last


def _sentence_tail(before: str) -> str:
    ends = list(_SENTENCE_END_RE.finditer(before))
    return before[ends[-1].end() :] if ends else before


def _only_connectors(between: str) -> bool:
    if _SENTENCE_END_RE.search(between):
        return False
    words = _WORD_RE.findall(between)
    return len(words) <= _MAX_CONNECTORS and all(w in _CONNECTORS for w in words)


def _asked(before: str) -> bool:
    """An ask verb ends the words before the body, once connecting words are skipped."""
    words = _WORD_RE.findall(_sentence_tail(before)[-200:])
    skipped = 0
    while True:
        if any(tuple(words[len(words) - len(v) :]) == v for v in _ASK_VERBS if len(words) >= len(v)):
            return True
        if not words or words[-1] not in _CONNECTORS or skipped == _MAX_CONNECTORS:
            return False
        words.pop()
        skipped += 1


def _opens_sentence(before: str) -> bool:
    # Only list markers ("1.", "a)", "-") and punctuation between the sentence start and the body.
    tail = _sentence_tail(before)
    return not re.search(r"[^\W\d_]{2,}", tail)


def _words_after(text: str, folded: str, end: int, positions: list[int] | None) -> list[str]:
    """The words after the body in its sentence, without the place that follows its name."""
    stop = _SENTENCE_END_RE.search(folded, end)
    words = list(_WORD_RE.finditer(folded, end, stop.start() if stop else len(folded)))
    skip = 0
    while skip < min(len(words), _MAX_PLACE_WORDS):
        word = words[skip]
        at = positions[word.start()] if positions is not None else word.start()
        if word.group() in _PLACE_WORDS or text[at].isupper():
            skip += 1
        else:
            break
    return [w.group() for w in words[skip : skip + 3]]


def _starts_with(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(words[: len(p)]) == p for p in phrases)


def _asked_after(text: str, folded: str, end: int, positions: list[int] | None) -> bool:
    return _starts_with(_words_after(text, folded, end, positions), _SUBJECT_ASKS)


def _reported(text: str, folded: str, end: int, positions: list[int] | None) -> bool:
    return _starts_with(_words_after(text, folded, end, positions), _REPORTED)
