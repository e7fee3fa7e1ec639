"""What either database can store: a value holding any other character is refused by name."""

from __future__ import annotations

import re

from kiennghi.service.errors import FieldError

__all__ = ["check_storable", "unstorable_character"]

# Neither database can store these: PostgreSQL refuses NUL in text, and a lone surrogate (a
# JSON "\ud800" escape) cannot be encoded as UTF-8 by either driver.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(value: str) -> str | None:
    """A message naming the first character no database can store, or None when all can."""
    found = _UNSTORABLE_RE.search(value)
    if found is None:
        return None
    return (
        f"chứa ký tự U+{ord(found.group()):04X} ở vị trí {found.start() + 1} "
        "không lưu được; hãy xóa ký tự này"
    )


def check_storable(name: str, value: str | None) -> None:
    """Raise FieldError for a value holding a character that cannot be stored."""
    problem = unstorable_character(value) if isinstance(value, str) else None
    if problem:
        raise FieldError(name, f"Trường '{name}' {problem}")
