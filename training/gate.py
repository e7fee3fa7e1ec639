"""Fitting the routing gate for a precision target, and the risk–coverage curve.

The gate routes an item without a clerk when its lead body's probability reaches that body's
threshold and leads the second body by a margin. Thresholds are fitted on held-out predictions
(cross-validation over the training corpus: every item is scored by a model that never saw it or
its same-issue group), and a threshold counts only when the *lower bound* of its precision, not
the observed precision, reaches the target: a body with few held-out items gets no lenient
threshold by luck, and falls back to the global one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from kiennghi.catalog import Catalog
from kiennghi.catalog.policy import Gate
from kiennghi.errors import DataFileError
from kiennghi.training.config import TrainConfig

if TYPE_CHECKING:
    from kiennghi.training.train import Progress

__all__ = [
    "GateInputs",
    "RiskCoveragePoint",
    "fit_gate",
    "fit_on_corpus",
    "gate_inputs",
    "gate_outcome",
    "gate_score",
    "gate_summary",
    "gate_yaml",
    "risk_coverage",
    "wilson_lower",
    "write_gate",
]

MARGINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


@dataclass(frozen=True)
class GateInputs:
    """Per item: the lead body, its probability, the second body's probability, and rightness."""

    lead: list[str]
    confidence: np.ndarray
    second: np.ndarray
    correct: np.ndarray
    addressee: list[str | None] | None = None

    @property
    def margin(self) -> np.ndarray:
        return self.confidence - self.second


@dataclass(frozen=True)
class RiskCoveragePoint:
    coverage: float
    precision: float
    n: int


def gate_inputs(
    probs: np.ndarray,
    classes: Sequence[str],
    catalog: Catalog,
    accepted: Sequence[frozenset[str]],
    addressee: list[str | None] | None = None,
) -> GateInputs:
    """What the gate sees for each row of sector probabilities, as :func:`assign` ranks bodies."""
    from kiennghi.assignment import body_distribution

    lead, conf, second = [], [], []
    for row in probs:
        ranked = body_distribution(row, list(classes), catalog)
        lead.append(ranked[0][0])
        conf.append(ranked[0][2])
        second.append(ranked[1][2] if len(ranked) > 1 else 0.0)
    correct = np.array([b in ok for b, ok in zip(lead, accepted, strict=True)], dtype=bool)
    return GateInputs(lead, np.round(conf, 4), np.round(second, 4), correct, addressee)


def wilson_lower(successes: int, n: int, z: float = 1.645) -> float:
    """Lower end of the Wilson score interval (one-sided 95% by default) for a proportion."""
    if n == 0:
        return 0.0
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _lowest_threshold(conf: np.ndarray, correct: np.ndarray, target: float, min_support: int) -> float | None:
    """The lowest threshold whose routed items have a precision lower bound ≥ target."""
    order = np.argsort(-conf, kind="stable")
    c, ok = conf[order], correct[order]
    hits = np.cumsum(ok)
    best: float | None = None
    for k in range(min_support, len(c) + 1):
        # Only cut between distinct values: every item at the threshold is routed too.
        if k < len(c) and c[k] == c[k - 1]:
            continue
        if wilson_lower(int(hits[k - 1]), k) >= target:
            best = float(c[k - 1])
    return best


def fit_gate(inputs: GateInputs, target: float = 0.95, min_support: int = 30) -> Gate:
    """Per-body thresholds and one margin that route the most held-out items at the target.

    For each candidate margin, each body with at least ``min_support`` held-out items led by it
    gets the lowest threshold whose precision lower bound reaches ``target``; the other bodies use
    the global threshold fitted the same way over all items. The margin that routes the most items
    wins. A body whose items never reach the target gets threshold 1.0 (never routed alone).
    """
    lead = np.array(inputs.lead)
    best: tuple[float, Gate] | None = None
    for margin in MARGINS:
        keep = inputs.margin >= margin
        overall = _lowest_threshold(inputs.confidence[keep], inputs.correct[keep], target, min_support)
        default = 1.0 if overall is None else overall
        per_body: dict[str, float] = {}
        for body in sorted(set(inputs.lead)):
            mask = keep & (lead == body)
            if mask.sum() < min_support:
                continue
            found = _lowest_threshold(inputs.confidence[mask], inputs.correct[mask], target, min_support)
            per_body[body] = 1.0 if found is None else found
        gate = Gate(default_threshold=default, min_margin=margin, per_body=per_body, target_precision=target)
        routed, _ = gate_outcome(gate, inputs)
        coverage = float(routed.mean()) if len(routed) else 0.0
        if best is None or coverage > best[0] + 1e-9:
            best = (coverage, gate)
    assert best is not None
    return best[1]


def gate_outcome(gate: Gate, inputs: GateInputs) -> tuple[np.ndarray, np.ndarray]:
    """(routed without a clerk, right) per item under ``gate``."""
    addressee = inputs.addressee or [None] * len(inputs.lead)
    routed = np.array(
        [
            gate.review_reason(b, float(c), None, float(s), a) is None
            for b, c, s, a in zip(inputs.lead, inputs.confidence, inputs.second, addressee, strict=True)
        ],
        dtype=bool,
    )
    return routed, inputs.correct


def gate_summary(gate: Gate, inputs: GateInputs) -> dict[str, Any]:
    """How many items ``gate`` routes on its own, and how many of those are right."""
    routed, correct = gate_outcome(gate, inputs)
    return {
        "coverage": float(routed.mean()) if len(routed) else 0.0,
        "precision": float(correct[routed].mean()) if routed.any() else None,
        "routed": int(routed.sum()),
        "target_precision": gate.target_precision,
    }


def risk_coverage(
    score: np.ndarray, correct: np.ndarray, steps: Sequence[float] = ()
) -> list[RiskCoveragePoint]:
    """Precision of the ``k`` highest-scored items against the share ``k/n`` they make up.

    With ``steps`` (shares such as 0.1, 0.2 …) only those points; otherwise every distinct cut.
    """
    n = len(score)
    if n == 0:
        return []
    order = np.argsort(-np.asarray(score), kind="stable")
    hits = np.cumsum(np.asarray(correct)[order])
    cuts = sorted({max(1, round(s * n)) for s in steps}) if steps else range(1, n + 1)
    return [RiskCoveragePoint(k / n, float(hits[k - 1] / k), k) for k in cuts]


def gate_score(gate: Gate, inputs: GateInputs) -> np.ndarray:
    """How far each item stands above its body's threshold (negative: below), for the curve.

    Items short of the margin or contradicted by their addressee score below every routed item,
    so the curve passes through the gate's operating point.
    """
    thresholds = np.array([gate.threshold_for(b) for b in inputs.lead])
    score = inputs.confidence - thresholds
    addressee = inputs.addressee or [None] * len(inputs.lead)
    blocked = (inputs.margin < gate.min_margin) | np.array(
        [a is not None and a != b for a, b in zip(addressee, inputs.lead, strict=True)]
    )
    return np.where(blocked, score - 2.0, score)


GATE_MARKER = "# --- gate: written by `kiennghi gate fit`; everything below this line is replaced ---"


def fit_on_corpus(
    data: Path,
    config: TrainConfig,
    catalog: Catalog,
    target: float,
    min_support: int = 30,
    progress: Progress | None = None,
) -> tuple[Gate, GateInputs]:
    """Cross-validate ``config`` on ``data`` and fit the gate on the out-of-fold predictions."""
    from kiennghi.catalog import load_abbreviations
    from kiennghi.training.corpus import corpus_sha256, load_corpus
    from kiennghi.training.train import cross_validate

    items = load_corpus(data, catalog)
    if progress is None:
        probs, classes = cross_validate(items, config, load_abbreviations())
    else:
        probs, classes = cross_validate(items, config, load_abbreviations(), progress)
    inputs = gate_inputs(probs, classes, catalog, [i.accepted_leads for i in items])
    gate = fit_gate(inputs, target, min_support)
    summary = gate_summary(gate, inputs)
    fitted = {
        "on": f"kiểm định chéo {config.cv_folds} phần trên {len(items)} kiến nghị ({data.name})",
        "corpus_sha256": corpus_sha256(items),
        "config": config.name,
        "date": date.today().isoformat(),
        "held_out_coverage": round(summary["coverage"], 4),
        "held_out_precision": None if summary["precision"] is None else round(summary["precision"], 4),
    }
    return replace(gate, fitted=fitted), inputs


def gate_yaml(gate: Gate) -> str:
    """The policy file's gate section, as ``kiennghi gate fit`` writes it."""
    body = {
        "gate": {
            "target_precision": gate.target_precision,
            "min_margin": gate.min_margin,
            "default_threshold": gate.default_threshold,
            "per_body": dict(sorted(gate.per_body.items())),
            "fitted": gate.fitted,
        }
    }
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def write_gate(policy_path: Path, gate: Gate) -> None:
    """Replace the gate section of a policy file, keeping everything above the marker line.

    Written to a temporary file and renamed, so a failure never leaves half a policy.
    """
    text = policy_path.read_text(encoding="utf-8")
    head = text.split(GATE_MARKER, 1)[0].rstrip("\n")
    if GATE_MARKER not in text and re.search(r"(?m)^gate:", head):
        raise DataFileError(
            f"{policy_path}: đã có mục 'gate' viết tay; hãy xóa nó hoặc thêm dòng đánh dấu "
            f"'{GATE_MARKER}' phía trên để lệnh ghi đè"
        )
    content = f"{head}\n{GATE_MARKER}\n{gate_yaml(gate)}"
    tmp = policy_path.with_name(policy_path.name + ".tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(policy_path)
