"""Serving-time scoring: the same probabilities as the saved pipeline, with less per-call cost.

scikit-learn spends most of a one-text ``predict_proba`` on per-call machinery (input validation,
sparse-matrix construction and checks in every vectorizer, the FeatureUnion's joblib loop, one
Python call per class calibrator): ~5 ms per call here, while the arithmetic for one text is a
few dozen microseconds. For the model family the registry ships (text transformers →
FeatureUnion of TfidfVectorizers → CalibratedClassifierCV(sigmoid) over a linear model) the text
steps and each vectorizer's own analyzer run unchanged (nothing of the preprocessing is
re-implemented); the vocabulary look-up, tf-idf weighting, L2 norm, linear product and sigmoid
calibration are done here as a few array operations per text. A model of another shape, or one
whose probabilities differ on the probe texts, is served by ``predict_proba``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from kiennghi.catalog import Catalog
from kiennghi.classifier import PetitionClassifier
from models.registry import LoadedModel

__all__ = ["FastScorer", "ServingClassifier"]

_PROBES = [
    "Đề nghị nâng cấp tuyến đường ĐT-746 đoạn qua xã Tân Lập",
    "de nghi ho tro kinh phi hoat dong cho chi hoi nong dan",
    "Trạm y tế xã thiếu bác sĩ; BHYT của người cao tuổi chưa được cấp",
    "x",
]


class _Vocabulary:
    """One fitted TfidfVectorizer of the union: its analyzer, vocabulary and idf weights."""

    __slots__ = ("analyzer", "idf", "offset", "sublinear", "vocabulary")

    def __init__(self, vectorizer: Any, offset: int) -> None:
        self.analyzer = vectorizer.build_analyzer()
        self.vocabulary = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.offset = offset

    @staticmethod
    def supports(vectorizer: Any) -> bool:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return (isinstance(vectorizer, TfidfVectorizer) and not vectorizer.binary
                and vectorizer.norm == "l2" and hasattr(vectorizer, "vocabulary_"))

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, l2-normalised tf-idf weights) of one text, as transform() gives."""
        counts = Counter(map(self.vocabulary.get, self.analyzer(text)))
        counts.pop(None, None)
        n = len(counts)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=n)
        if self.sublinear:
            tf = np.log(tf) + 1.0
        if self.idf is not None:
            tf *= self.idf[columns]
        norm = np.sqrt(tf @ tf)
        if norm > 0:
            tf /= norm
        return columns + self.offset, tf


class FastScorer:
    """Probabilities of a fitted pipeline, computed with its own steps and fewer calls."""

    def __init__(self, pipeline: Any) -> None:
        from scipy.special import expit

        self._expit = expit
        steps = [s for _n, s in pipeline.steps]
        self._text_steps = steps[:-2]
        union, calibrated = steps[-2], steps[-1]
        self._parts: list[_Vocabulary] = []
        offset = 0
        for _n, vectorizer in union.transformer_list:
            self._parts.append(_Vocabulary(vectorizer, offset))
            offset += len(vectorizer.vocabulary_)
        self._classes = np.asarray(calibrated.classes_)
        n = len(self._classes)
        # Every fold's linear model side by side: one product per text serves all folds. The
        # stored dtype is kept (float32 after training.pipeline.compact).
        coefs, self._folds = [], []
        start = 0
        for cc in calibrated.calibrated_classifiers_:
            index = np.searchsorted(self._classes, cc.estimator.classes_)
            a = np.array([c.a_ for c in cc.calibrators])
            b = np.array([c.b_ for c in cc.calibrators])
            coef = np.asarray(cc.estimator.coef_)
            if coef.shape[1] != offset:
                raise ValueError("linear model and features disagree on the number of columns")
            coefs.append(coef)
            intercept = np.asarray(cc.estimator.intercept_, dtype=np.float64)
            width = coef.shape[0]
            self._folds.append((slice(start, start + width), index, a, b, intercept, n))
            start += width
        self._coef = np.ascontiguousarray(np.vstack(coefs).T)

    @classmethod
    def compile(cls, pipeline: Any) -> FastScorer | None:
        """A scorer when the pipeline has the supported shape and agrees on probe texts."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.pipeline import FeatureUnion

        try:
            union, calibrated = pipeline.steps[-2][1], pipeline.steps[-1][1]
            if not isinstance(union, FeatureUnion) or union.transformer_weights is not None:
                return None
            if not all(_Vocabulary.supports(t) for _n, t in union.transformer_list):
                return None  # 'drop' / 'passthrough' / another kind of feature step
            if not isinstance(calibrated, CalibratedClassifierCV) or calibrated.method != "sigmoid":
                return None
            if len(calibrated.classes_) < 3:
                return None
            for cc in calibrated.calibrated_classifiers_:
                if not hasattr(cc.estimator, "coef_") or len(cc.calibrators) != len(
                    cc.estimator.classes_
                ):
                    return None
            scorer = cls(pipeline)
            expected = pipeline.predict_proba(_PROBES)
            if not np.allclose(scorer.predict_proba(_PROBES), expected, rtol=0, atol=1e-7):
                return None
            return scorer
        except (AttributeError, ValueError, IndexError, TypeError):
            return None

    def decision(self, text: str) -> np.ndarray:
        """The linear models' scores of one normalised text (all folds side by side)."""
        total = np.zeros(self._coef.shape[1])
        for part in self._parts:
            columns, weights = part.weights(text)
            if len(columns):
                total += weights @ self._coef[columns]
        return total

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        from sklearn import config_context

        data: Any = list(texts)
        with config_context(assume_finite=True, skip_parameter_validation=True):
            for step in self._text_steps:
                data = step.transform(data)
        decisions = np.array([self.decision(t) for t in data]).reshape(len(data), -1)
        total = np.zeros((len(data), len(self._classes)))
        for columns, index, a, b, intercept, n in self._folds:
            decision = decisions[:, columns] + intercept
            proba = np.zeros((len(data), n))
            proba[:, index] = self._expit(-(a * decision + b))
            denominator = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, denominator, out=np.full_like(proba, 1 / n),
                              where=denominator != 0)
            total += proba
        total /= len(self._folds)
        total[(total > 1.0) & (total <= 1.0 + 1e-5)] = 1.0
        return total


class ServingClassifier(PetitionClassifier):
    """PetitionClassifier whose probabilities come from a FastScorer when one applies."""

    def __init__(self, model: LoadedModel, catalog: Catalog) -> None:
        super().__init__(model, catalog)
        # A version with a compiled form is already served without scikit-learn's per-call costs.
        self.scorer = model.compiled or FastScorer.compile(model.pipeline)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        if self.scorer is None:
            return super().probabilities(texts)
        return self.scorer.predict_proba(texts)
