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
from kiennghi.training.config import ClassifierConfig, FeatureConfig, TrainConfig

__all__ = ["build_pipeline", "compact"]


def _tfidf(**kwargs: Any) -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, dtype=_float32(), **kwargs)


def _float32() -> Any:
    import numpy as np

    return np.float32


def _features(cfg: FeatureConfig) -> FeatureUnion:
    parts: list[tuple[str, Any]] = []
    token = r"(?u)\b\w+\b"
    common: dict[str, Any] = {"min_df": cfg.min_df, "max_features": cfg.max_features}
    if cfg.words:
        parts.append(("words", _tfidf(ngram_range=cfg.words, token_pattern=token, lowercase=False, **common)))
    if cfg.accentless_words:
        parts.append(
            (
                "accentless_words",
                _tfidf(
                    ngram_range=cfg.accentless_words,
                    token_pattern=token,
                    preprocessor=accentless_lower,
                    **common,
                ),
            )
        )
    if cfg.accentless_chars:
        parts.append(
            (
                "accentless_chars",
                _tfidf(
                    analyzer="char_wb",
                    ngram_range=cfg.accentless_chars,
                    preprocessor=accentless_lower,
                    **common,
                ),
            )
        )
    if not parts:
        raise TrainingError(
            "Cấu hình đặc trưng rỗng: cần ít nhất một trong words, accentless_words, accentless_chars"
        )
    return FeatureUnion(parts)


def _classifier(cfg: ClassifierConfig, seed: int) -> Any:
    if cfg.type == "svm":
        base = LinearSVC(C=cfg.C, class_weight=cfg.class_weight, random_state=seed)
        return CalibratedClassifierCV(base, method=cfg.calibration, cv=cfg.calibration_folds, ensemble=False)
    if cfg.type == "logreg":
        return LogisticRegression(C=cfg.C, max_iter=2000, class_weight=cfg.class_weight)
    raise TrainingError(f"Bộ phân loại '{cfg.type}' không được hỗ trợ; chọn 'svm' hoặc 'logreg'")


def _typed(value: Any, kind: type, key: str) -> Any:
    """A typed section from a config object, a plain mapping (checked strictly) or None (defaults)."""
    if value is None:
        return kind()
    if isinstance(value, kind):
        return value
    if isinstance(value, Mapping):
        section: dict[str, Any] = {key: value}
        return getattr(TrainConfig(**section), key)
    raise TrainingError(f"build_pipeline: '{key}' phải là {kind.__name__}, một bảng khóa: giá trị hoặc None")


def build_pipeline(
    features: FeatureConfig | Mapping[str, Any] | None = None,
    classifier: ClassifierConfig | Mapping[str, Any] | None = None,
    abbreviations: Mapping[str, str] | None = None,
    seed: int = 0,
) -> Pipeline:
    """The whole model as one Pipeline: normalise → (segment) → n-gram features → classifier.

    Saved whole, so serving never re-implements preprocessing. ``features`` and ``classifier``
    are the typed config sections; a plain mapping is accepted and checked as strictly as a YAML
    file (keys it leaves out take the :class:`FeatureConfig` / :class:`ClassifierConfig` defaults),
    and None means all defaults.
    """
    feats: FeatureConfig = _typed(features, FeatureConfig, "features")
    clf: ClassifierConfig = _typed(classifier, ClassifierConfig, "classifier")
    normalizer = TextNormalizer(abbreviations=abbreviations, mask_places=feats.mask_places)
    steps: list[tuple[str, Any]] = [("normalize", normalizer)]
    if feats.segment:
        steps.append(("segment", WordSegmentTransformer()))
    steps.append(("features", _features(feats)))
    steps.append(("classifier", _classifier(clf, seed)))
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
