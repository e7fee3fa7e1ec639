"""Names of bodies and associations → their codes: full, old and short names, abbreviations.

A name is compared in its key form (``name_key``): accent-free lower-case words, so case,
diacritics, NFC/NFD, old or new tone placement, "Ð" for "Đ" and punctuation do not matter
("SỞ TN&MT", "so tn-mt" and "Sở TN & MT" are one name). A trailing "tỉnh …" is optional
("Sở Y tế tỉnh Tuyên Quang" is "Sở Y tế"; "Công an" is "Công an tỉnh"). The names themselves are
data (``bodies.yaml``, ``associations.yaml``), validated when the index is built.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from kiennghi.catalog.associations import Association
from kiennghi.catalog.directory import Body
from kiennghi.errors import DataFileError, UnknownNameError
from kiennghi.nlp.normalize import fold

__all__ = ["NameIndex", "name_key"]

_WORD_RE = re.compile(r"[^\W_]+")
# Between the words of a name in running text: spaces and the punctuation of abbreviations
# ("TN&MT", "VH-TT&DL", "Văn hóa, Thể thao"), never a sentence boundary.
_NAME_SEPARATOR = r"[^\w.;!?\n]{1,4}"
SUGGESTIONS = 3


def name_key(name: str) -> str:
    """The form names are compared in: accent-free lower-case words.

    >>> name_key("Sở TN&MT")
    'so tn mt'
    >>> name_key("SỞ GIÁO DỤC VÀ ĐÀO TẠO tỉnh Hoà Bình")
    'so giao duc va dao tao tinh hoa binh'
    """
    return " ".join(_WORD_RE.findall(fold(name)))


def _without_province(key: str) -> str:
    """The key without a trailing "tinh …" ("so y te tinh tuyen quang" → "so y te")."""
    words = key.split(" ")
    if "tinh" in words[1:]:
        return " ".join(words[: words.index("tinh", 1)])
    return key


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    aliases: tuple[str, ...]


class _Names:
    """The names of one kind of entry (bodies or associations)."""

    def __init__(self, kind: str, entries: Iterable[_Entry]) -> None:
        self.kind = kind
        self.entries = {e.code: e for e in entries}
        self.full: dict[str, str] = {}
        short: dict[str, set[str]] = {}
        for entry in self.entries.values():
            for name in (entry.code, entry.name, *entry.aliases):
                key = name_key(name)
                if not key:
                    raise DataFileError(f"{kind} '{entry.code}': tên '{name}' không có chữ nào")
                other = self.full.setdefault(key, entry.code)
                if other != entry.code:
                    raise DataFileError(
                        f"Tên '{name}' dùng cho cả {kind} '{other}' và '{entry.code}'; "
                        "hãy bỏ tên ở một trong hai"
                    )
                short.setdefault(_without_province(key), set()).add(entry.code)
        # "Công an" for "Công an tỉnh", unless two entries would share the short form.
        self.short = {k: next(iter(c)) for k, c in short.items() if len(c) == 1 and k not in self.full}

    @property
    def codes(self) -> list[str]:
        return list(self.entries)

    def lookup(self, name: str) -> str | None:
        if name in self.entries:
            return name
        key = name_key(name)
        for candidate in (key, _without_province(key)):
            found = self.full.get(candidate) or self.short.get(candidate)
            if found:
                return found
        return None

    def resolve(self, name: str) -> str:
        found = self.lookup(name)
        if found is None:
            raise UnknownNameError(self.kind, name.strip(), self.codes, self.close_matches(name))
        return found

    def close_matches(self, name: str, n: int = SUGGESTIONS) -> list[tuple[str, str]]:
        """Up to ``n`` (code, name) pairs whose names are closest to ``name``, accent-free."""
        key = _without_province(name_key(name))
        names = {**self.short, **self.full}
        found: list[str] = []
        for match in difflib.get_close_matches(key, list(names), n=4 * n, cutoff=0.6):
            if names[match] not in found:
                found.append(names[match])
        return [(code, self.entries[code].name) for code in found[:n]]


class NameIndex:
    """Codes of bodies and associations by any of their names.

    Examples
    --------
    >>> from kiennghi.catalog.directory import Body
    >>> index = NameIndex([Body("so-xay-dung", "Sở Xây dựng", ("Sở GTVT",))])
    >>> index.resolve_body("so gtvt"), index.resolve_body("Sở Xây dựng tỉnh Hà Giang")
    ('so-xay-dung', 'so-xay-dung')
    """

    def __init__(self, bodies: Iterable[Body], associations: Iterable[Association] = ()) -> None:
        self._bodies = _Names("cơ quan", (_Entry(b.code, b.name, b.aliases) for b in bodies))
        self._associations = _Names("hội", (_Entry(a.code, a.name, a.aliases) for a in associations))

    def resolve_body(self, name: str) -> str:
        """The code of a body named by its code, name, old name or abbreviation.

        Raises UnknownNameError (with up to three close matches) for an unknown name.
        """
        return self._bodies.resolve(name)

    def resolve_association(self, name: str) -> str:
        """The code of an association named by its code, name, short name or abbreviation.

        Raises UnknownNameError (with up to three close matches) for an unknown name.
        """
        return self._associations.resolve(name)

    def find_body(self, name: str) -> str | None:
        """The code of a body by any of its names, or None (no error: for scanning text)."""
        return self._bodies.lookup(name)

    def body_name(self, code: str) -> str:
        """The official name of a body (the code itself when unknown)."""
        entry = self._bodies.entries.get(code)
        return entry.name if entry else code

    @cached_property
    def body_pattern(self) -> re.Pattern[str]:
        """Any body name, alias or abbreviation in folded text (``kiennghi.nlp.normalize.fold``).

        One alternation factored by leading words (a trie), so scanning a text costs about one
        pass whatever the number of names; the longest name at a position wins.
        """
        return re.compile(r"(?<![^\W_])" + _trie_pattern(self._bodies.full) + r"(?![^\W_])")


def _trie_pattern(keys: Iterable[str]) -> str:
    trie: dict[str, dict] = {}
    for key in keys:
        node = trie
        for word in key.split(" "):
            node = node.setdefault(word, {})
        node[""] = {}

    def alternatives(node: dict[str, dict]) -> str:
        branches = []
        for word in sorted((w for w in node if w), key=lambda w: (-len(w), w)):
            child = node[word]
            tail = ""
            if any(child):
                tail = _NAME_SEPARATOR + alternatives(child)
                tail = f"(?:{tail})?" if "" in child else tail
            branches.append(re.escape(word) + tail)
        return "(?:" + "|".join(branches) + ")"

    return alternatives(trie)
