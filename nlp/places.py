"""Masking of proper place names: they vary from item to item and carry no sector signal."""

from __future__ import annotations

import re

__all__ = ["PLACE_TOKEN", "mask_places"]

PLACE_TOKEN = "địadanh"

# Administrative units and named works that are followed by a proper name ("xã Tân Lập",
# "thôn 5", "đường Lê Lợi"). The unit word itself is kept: "thôn", "đường" are signal.
_UNITS = (
    r"tỉnh|thành phố|tp\.?|huyện|quận|thị xã|thị trấn|xã|phường|thôn|xóm|ấp|bản|buôn|làng|sóc|"
    r"plei|khóm|khu phố|tổ dân phố|tổ|khu|cụm"
)
_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_NAME = rf"(?:[{_UPPER}][\w'’-]*|\d+[A-Za-z]?\b)"
# Units match in any case ("Xã", "XÃ"); names must start with a capital or a digit, so that
# "xã hội" or "tổ chức" are left alone.
_PLACE_RE = re.compile(rf"\b(?i:({_UNITS}))\s+({_NAME}(?:\s+{_NAME})*)")


def _replace(match: re.Match[str]) -> str:
    return f"{match.group(1)} {PLACE_TOKEN}"


def mask_places(text: str) -> str:
    """Replace the proper name after an administrative unit with one placeholder word.

    Examples
    --------
    >>> mask_places("Cử tri xã Tân Lập, huyện Đồng Phú đề nghị sửa cầu")
    'Cử tri xã địadanh, huyện địadanh đề nghị sửa cầu'
    >>> mask_places("chính sách an sinh xã hội ở thôn 5")
    'chính sách an sinh xã hội ở thôn địadanh'
    """
    return _PLACE_RE.sub(_replace, text)
