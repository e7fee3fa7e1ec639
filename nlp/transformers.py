"""Picklable scikit-learn transformers for the text steps of the learning pipeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from kiennghi.nlp.abbreviations import AbbreviationExpander
from kiennghi.nlp.normalize import accentless_lower, strip_diacritics
from kiennghi.nlp.prepare import prepare_text
from kiennghi.nlp.segment import segment_words

__all__ = ["DiacriticStripper", "TextNormalizer", "WordSegmentTransformer", "accentless_lower"]


class TextNormalizer(TransformerMixin, BaseEstimator):
    """Normalise Vietnamese petitions: NFC, Đ look-alikes, tone placement, abbreviations, case.

    Parameters
    ----------
    abbreviations : mapping of abbreviation -> expansion, or None for no expansion.
        Stored in the fitted pipeline, so a saved model carries the table it was trained with.
    lowercase : bool, lower-case after expansion.
    mask_places : bool, replace proper place names after administrative units with one token
        (they differ in every item and would otherwise be learned as noise).

    Examples
    --------
    >>> TextNormalizer({"UBND": "ủy ban nhân dân"}).fit_transform(["Đề nghị UBND xã hoà giải"])
    ['đề nghị ubnd (ủy ban nhân dân) xã hòa giải']
    """

    def __init__(
        self,
        abbreviations: Mapping[str, str] | None = None,
        lowercase: bool = True,
        mask_places: bool = False,
    ):
        self.abbreviations = abbreviations
        self.lowercase = lowercase
        self.mask_places = mask_places

    def fit(self, X: Iterable[str], y: Any = None) -> TextNormalizer:
        self.expander_ = AbbreviationExpander(self.abbreviations or {})
        self.n_features_in_ = 1
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "expander_")
        masked = bool(getattr(self, "mask_places", False))  # models saved before the option existed
        return [prepare_text(text, self.expander_, masked, self.lowercase) for text in X]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class DiacriticStripper(TransformerMixin, BaseEstimator):
    """Remove Vietnamese diacritics (stateless); used to train on phone-typed variants."""

    def fit(self, X: Iterable[str], y: Any = None) -> DiacriticStripper:
        self.n_features_in_ = 1
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        return [strip_diacritics(str(t)) for t in X]


class WordSegmentTransformer(TransformerMixin, BaseEstimator):
    """Segment words with underthesea (about 700 texts/s/core: used only where measured to pay)."""

    def fit(self, X: Iterable[str], y: Any = None) -> WordSegmentTransformer:
        self.n_features_in_ = 1
        return self

    def transform(self, X: Iterable[str]) -> list[str]:
        return [segment_words(str(t)) for t in X]


def as_text_array(X: Iterable[str]) -> np.ndarray:
    """Texts as a 1-d object array (what scikit-learn's text vectorizers accept)."""
    return np.asarray(list(X), dtype=object)
