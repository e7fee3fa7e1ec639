"""The model's text step for one petition, shared by the training pipeline and the compiled model."""

from __future__ import annotations

from collections.abc import Callable

from kiennghi.nlp.normalize import normalize_text
from kiennghi.nlp.places import mask_places as mask

__all__ = ["prepare_text"]


def prepare_text(text: str, expand: Callable[[str], str], mask_places: bool, lowercase: bool) -> str:
    """Normalise, mask proper place names (optional), expand abbreviations, lower-case (optional).

    >>> prepare_text("UBND xã Hoà Bình", lambda t: t, mask_places=False, lowercase=True)
    'ubnd xã hòa bình'
    """
    norm = normalize_text(str(text))
    if mask_places:
        norm = mask(norm)
    norm = expand(norm)
    return norm.lower() if lowercase else norm
