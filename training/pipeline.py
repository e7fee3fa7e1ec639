"""Builds the scikit-learn Pipeline (text steps + features + calibrated linear model) from a config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from kiennghi.errors import TrainingError
from kiennghi.nlp.transformers import TextNormalizer, WordSegmentTransformer, accentless_lower

__all__ = ["CLASSIFIER_KEYS", "DEFAULT_FEATURES", "build_pipeline", "compact"]

DEFAULT_FEATURES: dict[str, Any] = {
    "words": [1, 2],  # syllable n-grams on the accented, normalised text
    "accentless_words": [1, 3],  # syllable n-grams with diacritics removed
    "accentless_chars": [2, 5],  # character n-grams (within word boundaries) without diacritics
    "segment": False,  # underthesea word segmentation before the n-grams
    "mask_places": False,  # one token for proper place names after xã, huyện, thôn …
    "min_df": 1,
    "max_features": 300_000,
}

# The keys a config's ``classifier`` section may set (see _classifier).
CLASSIFIER_KEYS = ("type", "C", "class_weight", "calibration", "calibration_folds")


def _tfidf(**kwargs: Any) -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, dtype=_float32(), **kwargs)


def _float32() -> Any:
    import numpy as np

    return np.float32


def _features(cfg: Mapping[str, Any]) -> FeatureUnion:
    parts: list[tuple[str, Any]] = []
    token = r"(?u)\b\w+\b"
    cap = cfg.get("max_features")
    if cfg.get("words"):
        lo, hi = cfg["words"]
        parts.append(
            (
                "words",
                _tfidf(
                    ngram_range=(lo, hi),
                    token_pattern=token,
                    lowercase=False,
                    min_df=cfg.get("min_df", 1),
                    max_features=cap,
                ),
            )
        )
    if cfg.get("accentless_words"):
        lo, hi = cfg["accentless_words"]
        parts.append(
            (
                "accentless_words",
                _tfidf(
                    ngram_range=(lo, hi),
                    token_pattern=token,
                    preprocessor=accentless_lower,
                    min_df=cfg.get("min_df", 1),
                    max_features=cap,
                ),
            )
        )
    if cfg.get("accentless_chars"):
        lo, hi = cfg["accentless_chars"]
        parts.append(
            (
                "accentless_chars",
                _tfidf(
                    analyzer="char_wb",
                    ngram_range=(lo, hi),
                    preprocessor=accentless_lower,
                    min_df=cfg.get("min_df", 1),
                    max_features=cap,
                ),
            )
        )
    if not parts:
        raise TrainingError(
            "Cấu hình đặc trưng rỗng: cần ít nhất một trong words, accentless_words, accentless_chars"
        )
    return FeatureUnion(parts)


def _classifier(cfg: Mapping[str, Any], seed: int) -> Any:
    kind = cfg.get("type", "svm")
    c = float(cfg.get("C", 1.0))
    if kind == "svm":
        base = LinearSVC(C=c, class_weight=cfg.get("class_weight", "balanced"), random_state=seed)
        return CalibratedClassifierCV(
            base,
            method=cfg.get("calibration", "sigmoid"),
            cv=int(cfg.get("calibration_folds", 5)),
            ensemble=False,
        )
    if kind == "logreg":
        return LogisticRegression(C=c, max_iter=2000, class_weight=cfg.get("class_weight", "balanced"))
    raise TrainingError(f"Bộ phân loại '{kind}' không được hỗ trợ; chọn 'svm' hoặc 'logreg'")


def build_pipeline(
    features: Mapping[str, Any] | None = None,
    classifier: Mapping[str, Any] | None = None,
    abbreviations: Mapping[str, str] | None = None,
    seed: int = 0,
) -> Pipeline:
    """The whole model as one Pipeline: normalise → (segment) → n-gram features → classifier.

    Saved whole, so serving never re-implements preprocessing.
    """
    feats = {**DEFAULT_FEATURES, **(features or {})}
    normalizer = TextNormalizer(abbreviations=abbreviations, mask_places=bool(feats.get("mask_places")))
    steps: list[tuple[str, Any]] = [("normalize", normalizer)]
    if feats.get("segment"):
        steps.append(("segment", WordSegmentTransformer()))
    steps.append(("features", _features(feats)))
    steps.append(("classifier", _classifier(classifier or {}, seed)))
    return Pipeline(steps)


def compact(pipeline: Pipeline) -> Pipeline:
    """Make the fitted pipeline small and quick to load, without changing what it computes.

    - the linear model's weights as float32: the features are float32 already, so scores change
      only in the 7th significant digit (checked by a test);
    - each vectorizer's ``stop_words_`` dropped: scikit-learn keeps every term it pruned (min_df,
      max_features) only for introspection, and documents that it can be deleted before pickling;
    - vocabulary indices as Python ints rather than numpy scalars (a faster unpickle).
    """
    import numpy as np

    features = dict(pipeline.steps).get("features")
    for _name, vectorizer in getattr(features, "transformer_list", []):
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        if hasattr(vectorizer, "vocabulary_"):
            vectorizer.vocabulary_ = {term: int(i) for term, i in vectorizer.vocabulary_.items()}

    estimator = pipeline.steps[-1][1]
    linears = [c.estimator for c in getattr(estimator, "calibrated_classifiers_", [])] or [estimator]
    for linear in linears:
        if hasattr(linear, "coef_"):
            linear.coef_ = np.ascontiguousarray(linear.coef_, dtype=np.float32)
            linear.intercept_ = np.asarray(linear.intercept_, dtype=np.float32)
    return pipeline
