"""Word segmentation with underthesea, behind a small boundary that keeps its globals contained."""

from __future__ import annotations

from typing import Protocol

__all__ = ["WordSegmenter", "segment_words"]


class WordSegmenter(Protocol):
    def __call__(self, text: str) -> str: ...


def segment_words(text: str) -> str:
    """Join the syllables of each Vietnamese word with "_" (underthesea's CRF segmenter).

    underthesea is imported on first call, not at import time. ``fixed_words`` is never passed:
    underthesea stores it in a module global that later calls would silently inherit.

    Examples
    --------
    >>> segment_words("Đề nghị sửa chữa đường giao thông")  # doctest: +SKIP
    'Đề_nghị sửa_chữa đường giao_thông'
    """
    from underthesea import word_tokenize

    if not text.strip():
        return ""
    return str(word_tokenize(text, format="text"))
