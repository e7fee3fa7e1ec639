"""Expansion of Vietnamese administrative abbreviations, given a table (the table is data)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kiennghi.nlp.normalize import strip_diacritics

__all__ = ["AbbreviationExpander"]

_TOKEN_RE = re.compile(r"[\w&\-]+")


class AbbreviationExpander:
    """Append the expansion after each known abbreviation, keeping the abbreviation itself.

    Keeping both lets the model use the short form (frequent in reports) and the long form
    (frequent in phone-typed complaints) as one signal.

    Examples
    --------
    >>> exp = AbbreviationExpander({"GCNQSDĐ": "giấy chứng nhận quyền sử dụng đất", "TT": "thông tư"})
    >>> exp("cấp GCNQSDĐ theo TT 10")
    'cấp GCNQSDĐ (giấy chứng nhận quyền sử dụng đất) theo TT (thông tư) 10'
    >>> exp("cap gcnqsdd cho dan")
    'cap gcnqsdd (giấy chứng nhận quyền sử dụng đất) cho dan'
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = dict(table)
        # Short lower-case forms ("tt", "ql") are ordinary words too often to expand.
        self._loose = {
            strip_diacritics(abbr).lower(): expansion
            for abbr, expansion in self.table.items()
            if len(abbr) >= 4
        }

    def _expand(self, match: re.Match[str]) -> str:
        token = match.group(0)
        expansion = self.table.get(token)
        if expansion is None and len(token) >= 4:
            loose = token.lower()
            expansion = self._loose.get(loose if loose.isascii() else strip_diacritics(loose))
        return f"{token} ({expansion})" if expansion else token

    def __call__(self, text: str) -> str:
        return _TOKEN_RE.sub(self._expand, text)
