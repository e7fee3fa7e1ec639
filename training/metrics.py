"""Evaluation metrics for sector models, scored on what users see: the lead body."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import f1_score

from kiennghi.catalog import Catalog
from kiennghi.training.corpus import LabelledItem

__all__ = ["EvaluationResult", "expected_calibration_error", "score"]


@dataclass(frozen=True)
class EvaluationResult:
    n: int
    lead_accuracy: float
    lead_top3_accuracy: float
    sector_accuracy: float | None
    sector_macro_f1: float | None
    lead_macro_f1: float
    ece: float
    review_threshold: float
    auto_coverage: float
    auto_precision: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: the gap between confidence and accuracy, weighted over equal-width confidence bins."""
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def lead_predictions(
    probs: np.ndarray, classes: Sequence[str], catalog: Catalog, k: int = 3
) -> tuple[list[str], list[list[str]]]:
    """Lead body and the k most probable distinct bodies per row (as :func:`assign` decides)."""
    from kiennghi.assignment import body_distribution

    top1, topk = [], []
    for row in probs:
        ranked = body_distribution(row, list(classes), catalog)
        top1.append(ranked[0][0])
        topk.append([body for body, _, _ in ranked[:k]])
    return top1, topk


def lead_confidence(probs: np.ndarray, classes: Sequence[str], catalog: Catalog) -> np.ndarray:
    """Probability of the chosen lead body per row (the confidence the review threshold uses)."""
    from kiennghi.assignment import body_distribution

    return np.array([body_distribution(row, list(classes), catalog)[0][2] for row in probs])


def score(
    items: Sequence[LabelledItem],
    probs: np.ndarray,
    classes: Sequence[str],
    catalog: Catalog,
    review_threshold: float | None = None,
) -> EvaluationResult:
    """Score predicted sector probabilities against labelled items.

    Calibration (ECE) and the auto-assignment figures use lead-body correctness, because that is
    what a clerk relies on when an item skips review.
    """
    threshold = catalog.policy.review_threshold if review_threshold is None else review_threshold
    top1, topk = lead_predictions(probs, classes, catalog)
    lead_ok = np.array([p in it.accepted_leads for p, it in zip(top1, items, strict=True)])
    top3_ok = np.array([bool(set(ks) & it.accepted_leads) for ks, it in zip(topk, items, strict=True)])
    confidence = lead_confidence(probs, classes, catalog)
    labelled = [i for i, it in enumerate(items) if it.sector is not None]
    sector_acc = sector_f1 = None
    if labelled:
        predicted = [classes[j] for j in probs.argmax(axis=1)]
        truth = [items[i].sector for i in labelled]
        guess = [predicted[i] for i in labelled]
        sector_acc = float(np.mean([t == g for t, g in zip(truth, guess, strict=True)]))
        sector_f1 = float(f1_score(truth, guess, average="macro", zero_division=0))
    # A prediction counts as right for macro-F1 when it is an accepted body.
    lead_truth = [p if p in it.accepted_leads else it.lead for p, it in zip(top1, items, strict=True)]
    lead_f1 = float(f1_score(lead_truth, top1, average="macro", zero_division=0))
    auto = confidence >= threshold
    return EvaluationResult(
        n=len(items),
        lead_accuracy=float(lead_ok.mean()),
        lead_top3_accuracy=float(top3_ok.mean()),
        sector_accuracy=sector_acc,
        sector_macro_f1=sector_f1,
        lead_macro_f1=lead_f1,
        ece=expected_calibration_error(confidence, lead_ok.astype(float)),
        review_threshold=threshold,
        auto_coverage=float(auto.mean()),
        auto_precision=float(lead_ok[auto].mean()) if auto.any() else None,
    )


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    precision: float
    coverage: float


def threshold_for_precision(
    confidence: np.ndarray, correct: np.ndarray, target: float = 0.95
) -> ThresholdChoice | None:
    """The lowest review threshold whose auto-assigned items are right at least ``target`` of the time.

    Lower thresholds auto-assign more; so the lowest one that keeps the precision is the one that
    sends the fewest items to review. None when no threshold reaches the target.
    """
    best: ThresholdChoice | None = None
    # Candidate thresholds rounded DOWN to 4 digits, so each keeps the item it came from.
    for t in sorted(set(np.floor(np.asarray(confidence) * 1e4) / 1e4), reverse=True):
        auto = confidence >= t
        if not auto.any():
            continue
        precision = float(correct[auto].mean())
        if precision >= target:
            best = ThresholdChoice(float(t), precision, float(auto.mean()))
    return best
