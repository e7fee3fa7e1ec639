"""N-gram analysers: the word and char_wb n-grams of scikit-learn's text vectorizers, as functions.

Serving a registered model without importing scikit-learn (see ``models/compiled.py``) needs the
exact terms its vectorizers produce. These functions follow scikit-learn's ``_word_ngrams`` and
``_char_wb_ngrams`` (no stop words); a test compares them with scikit-learn's own analysers, and
a compiled model is only written when its probabilities equal the pipeline's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kiennghi.nlp.normalize import accentless_lower

__all__ = ["PREPROCESSORS", "char_wb_ngrams", "make_analyzer", "word_ngrams"]

_WHITE_SPACES = re.compile(r"\s\s+")

PREPROCESSORS: dict[str, Callable[[str], str]] = {
    "identity": lambda text: text,
    "lower": str.lower,
    "accentless_lower": accentless_lower,
}


def word_ngrams(tokens: list[str], min_n: int, max_n: int) -> list[str]:
    """Word n-grams from ``min_n`` to ``max_n``, joined by spaces, in scikit-learn's order.

    >>> word_ngrams(["hỗ", "trợ", "vốn"], 1, 2)
    ['hỗ', 'trợ', 'vốn', 'hỗ trợ', 'trợ vốn']
    """
    if max_n == 1:
        return tokens
    grams = list(tokens) if min_n == 1 else []
    count = len(tokens)
    for n in range(max(min_n, 2), min(max_n + 1, count + 1)):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(count - n + 1))
    return grams


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with one space on each side.

    >>> char_wb_ngrams("ho tro", 3, 4)
    [' ho', 'ho ', ' ho ', ' tr', 'tro', 'ro ', ' tro', 'tro ']
    """
    grams: list[str] = []
    append = grams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(min_n, max_n + 1):
            offset = 0
            append(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                append(padded[offset : offset + n])
            if offset == 0:  # a short word counts once, whatever n
                break
    return grams


def make_analyzer(
    kind: str, ngram_range: tuple[int, int], preprocessor: str, token_pattern: str | None = None
) -> Callable[[str], list[str]]:
    """Text → terms, for ``kind`` "word" (regex tokens, word n-grams) or "char_wb"."""
    prepare = PREPROCESSORS[preprocessor]
    lo, hi = ngram_range
    if kind == "char_wb":
        return lambda text: char_wb_ngrams(prepare(text), lo, hi)
    if kind != "word" or token_pattern is None:
        raise ValueError(f"unsupported analyzer {kind!r}")
    pattern = re.compile(token_pattern)
    if pattern.groups > 1:
        raise ValueError("a token pattern may capture at most one group")
    return lambda text: word_ngrams(pattern.findall(prepare(text)), lo, hi)
