"""Baselines a province could build itself, behind the fit / predict_proba / classes_ contract."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from kiennghi.catalog.taxonomy import Taxonomy
from kiennghi.nlp.normalize import normalize_text, strip_diacritics

__all__ = ["FastTextClassifier", "KeywordRules", "UndertheseaClassifier"]


class KeywordRules:
    """Keyword rules from the taxonomy's keyword lists: the hand-written router most offices have.

    Scores each sector by the number of its keywords found in the accent-free text; ties and
    no-match fall back to the most frequent training sector.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> KeywordRules:
        self.classes_ = np.array(sorted(set(labels)))
        counts = {c: 0 for c in self.classes_}
        for label in labels:
            counts[label] += 1
        self.prior_ = np.array([counts[c] for c in self.classes_], dtype=float) / len(labels)
        self.patterns_ = [
            [
                re.compile(rf"\b{re.escape(k)}\b")
                for k in (self.taxonomy.get(c).keywords if c in self.taxonomy else ())
            ]
            for c in self.classes_
        ]
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self.classes_)))
        for i, text in enumerate(texts):
            plain = strip_diacritics(normalize_text(text)).lower()
            hits = np.array([sum(bool(p.search(plain)) for p in pats) for pats in self.patterns_], float)
            row = hits + 0.01 * self.prior_  # prior breaks ties and covers no-match
            out[i] = row / row.sum()
        return out


class UndertheseaClassifier:
    """underthesea_core.TextClassifier (TF-IDF + linear SVM in Rust), the peer that ships with
    underthesea. It returns only the top label and its score, so the rest of the distribution is
    spread evenly (top-3 figures for it are therefore not meaningful)."""

    def __init__(self, max_features: int = 20000) -> None:
        self.max_features = max_features

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> UndertheseaClassifier:
        from underthesea_core import TextClassifier

        self.model_ = TextClassifier(max_features=self.max_features, ngram_range=(1, 2))
        self.model_.fit(list(texts), list(labels))
        self.classes_ = np.array(sorted(set(labels)))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.classes_)}
        out = np.zeros((len(texts), len(self.classes_)))
        for i, (label, score) in enumerate(self.model_.predict_with_scores(list(texts))):
            rest = (1.0 - score) / max(len(self.classes_) - 1, 1)
            out[i, :] = rest
            out[i, index[label]] = score
        return out


class FastTextClassifier:
    """fastText supervised (the ``fasttext-numpy2`` package), trained from a temporary file."""

    def __init__(self, epoch: int = 50, word_ngrams: int = 2, lr: float = 0.5) -> None:
        self.epoch = epoch
        self.word_ngrams = word_ngrams
        self.lr = lr

    @staticmethod
    def _prep(text: str) -> str:
        return " ".join(normalize_text(text).lower().split())

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FastTextClassifier:
        import tempfile

        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
            for text, label in zip(texts, labels, strict=True):
                f.write(f"__label__{label} {self._prep(text)}\n")
            path = f.name
        self.model_ = fasttext.train_supervised(
            path, epoch=self.epoch, wordNgrams=self.word_ngrams, lr=self.lr, verbose=0, thread=1
        )
        self.classes_ = np.array(sorted(set(labels)))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.classes_)}
        out = np.zeros((len(texts), len(self.classes_)))
        for i, text in enumerate(texts):
            labels, probs = self.model_.predict(self._prep(text), k=len(self.classes_))
            for label, p in zip(labels, probs, strict=True):
                out[i, index[label.removeprefix("__label__")]] = p
        return out
