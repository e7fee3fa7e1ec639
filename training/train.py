"""Training runs: fit, cross-validate, evaluate and register a sector model from one config."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from kiennghi import __version__
from kiennghi.catalog import Catalog, load_abbreviations
from kiennghi.models.registry import ModelRegistry
from kiennghi.nlp.normalize import strip_diacritics
from kiennghi.training.config import TrainConfig, load_config
from kiennghi.training.corpus import LabelledItem, corpus_sha256, load_corpus
from kiennghi.training.metrics import EvaluationResult, score
from kiennghi.training.pipeline import build_pipeline, compact

__all__ = [
    "Progress",
    "TrainConfig",
    "TrainResult",
    "cross_validate",
    "fit_model",
    "load_config",
    "train_and_register",
]

Progress = Callable[[str, int, int], None]


def _quiet(message: str, done: int, total: int) -> None:
    return None


CORRECTION = "correction"


def _augment(
    items: Sequence[LabelledItem], share: float, seed: int, correction_weight: float = 1.0
) -> tuple[list[str], list[str], list[float]]:
    """Texts, labels and sample weights; an accent-free copy keeps the weight of its item."""
    texts = [i.text for i in items]
    labels = [str(i.sector) for i in items]
    weights = [correction_weight if i.origin == CORRECTION else 1.0 for i in items]
    rng = random.Random(seed)
    for item, weight in zip(items, list(weights), strict=True):
        stripped = strip_diacritics(item.text)
        if stripped != item.text and rng.random() < share:
            texts.append(stripped)
            labels.append(str(item.sector))
            weights.append(weight)
    return texts, labels, weights


def fit_model(items: Sequence[LabelledItem], config: TrainConfig, abbreviations: dict[str, str]) -> Pipeline:
    """Fit the whole pipeline on labelled items (with accent-free copies added).

    Items with ``origin == "correction"`` (clerks' decisions) carry ``config.correction_weight``
    as their sample weight. Both classifiers take it: ``LogisticRegression`` directly, the
    calibrated SVM through ``CalibratedClassifierCV.fit``, which weights the LinearSVC fit of each
    calibration fold and the sigmoid (or isotonic) fit alike. With every weight 1 no weights are
    passed, so the default run is exactly the unweighted one.
    """
    texts, labels, weights = _augment(items, config.accentless_augment, config.seed, config.correction_weight)
    pipeline = build_pipeline(config.features, config.classifier, abbreviations, config.seed)
    params: dict[str, Any] = {}
    if any(w != 1.0 for w in weights):
        params["classifier__sample_weight"] = np.asarray(weights, dtype=np.float64)
    return compact(pipeline.fit(texts, labels, **params))


def cross_validate(
    items: Sequence[LabelledItem],
    config: TrainConfig,
    abbreviations: dict[str, str],
    progress: Progress = _quiet,
) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold sector probabilities; same-issue groups never straddle train and test."""
    labels = [str(i.sector) for i in items]
    classes = sorted(set(labels))
    groups = [i.group or i.id for i in items]
    folds = StratifiedGroupKFold(n_splits=config.cv_folds, shuffle=True, random_state=config.seed)
    out = np.zeros((len(items), len(classes)))
    for k, (train_idx, test_idx) in enumerate(folds.split(labels, labels, groups), start=1):
        progress(f"Kiểm định chéo: lần {k}/{config.cv_folds}", k - 1, config.cv_folds)
        model = fit_model([items[i] for i in train_idx], config, abbreviations)
        probs = model.predict_proba([items[i].text for i in test_idx])
        cols = [classes.index(c) for c in model.classes_]
        out[np.ix_(test_idx, cols)] = probs
    progress("Kiểm định chéo xong", config.cv_folds, config.cv_folds)
    return out, classes


def _code_version() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


@dataclass(frozen=True)
class TrainResult:
    version: str
    cv: EvaluationResult | None
    evaluations: dict[str, EvaluationResult]
    seconds: float
    n_items: int


def train_and_register(
    data: Path,
    config: TrainConfig,
    catalog: Catalog,
    registry: ModelRegistry,
    eval_sets: dict[str, list[LabelledItem]] | None = None,
    extra_items: Sequence[LabelledItem] = (),
    evaluate: bool = True,
    activate: bool = True,
    progress: Progress = _quiet,
) -> TrainResult:
    """Cross-validate (optional), fit on everything, evaluate, write the report, register."""
    from kiennghi.training.report import render_report

    start = time.perf_counter()
    progress("Đọc dữ liệu huấn luyện", 0, 1)
    items = load_corpus(data, catalog) + list(extra_items)
    abbreviations = load_abbreviations()
    cv_result = None
    cv_probs: np.ndarray | None = None
    classes: list[str] = sorted({str(i.sector) for i in items})
    if evaluate:
        cv_probs, classes = cross_validate(items, config, abbreviations, progress)
        cv_result = score(items, cv_probs, classes, catalog)
    progress("Huấn luyện mô hình trên toàn bộ dữ liệu", 0, 1)
    pipeline = fit_model(items, config, abbreviations)
    evaluations: dict[str, EvaluationResult] = {}
    eval_probs: dict[str, np.ndarray] = {}
    for name, eval_items in (eval_sets or {}).items():
        progress(f"Đánh giá trên {name}", 0, 1)
        probs = pipeline.predict_proba([i.text for i in eval_items])
        eval_probs[name] = probs
        evaluations[name] = score(eval_items, probs, list(pipeline.classes_), catalog)
    seconds = time.perf_counter() - start
    metadata = {
        "name": config.name,
        "config": config.as_dict(),
        "code_version": _code_version(),
        "data": {
            "path": str(data),
            "sha256": corpus_sha256(items),
            "n_items": len(items),
            "n_corrections": len(extra_items),
        },
        "taxonomy_version": catalog.taxonomy.version,
        "labels": [str(c) for c in pipeline.classes_],
        "metrics": {
            "cross_validation": cv_result.as_dict() if cv_result else None,
            **{name: ev.as_dict() for name, ev in evaluations.items()},
        },
        "training_seconds": round(seconds, 2),
    }
    files: dict[str, bytes] = {}
    if evaluate and cv_probs is not None:
        progress("Viết báo cáo mô hình", 0, 1)
        files = render_report(metadata, items, cv_probs, classes, catalog, eval_sets or {}, eval_probs)
    probes = [i.text for i in items[:: max(1, len(items) // 300)]]
    version = registry.register(pipeline, metadata, files=files, activate=activate, probes=probes)
    progress("Đã đăng ký mô hình", 1, 1)
    return TrainResult(version, cv_result, evaluations, seconds, len(items))
