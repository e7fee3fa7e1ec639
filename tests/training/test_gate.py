"""The routing gate: fitted for a precision target on held-out predictions, applied by assign."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kiennghi.assignment import assign
from kiennghi.catalog.policy import Gate, load_policy
from kiennghi.errors import DataFileError
from kiennghi.training.gate import (
    GATE_MARKER,
    GateInputs,
    fit_gate,
    gate_outcome,
    gate_score,
    risk_coverage,
    wilson_lower,
    write_gate,
)


def _inputs(rng: np.random.Generator, n: int = 600) -> GateInputs:
    """Two bodies: 'a' is right when confident, 'b' is right only 80% of the time at any confidence."""
    lead = ["a" if i % 2 == 0 else "b" for i in range(n)]
    conf = rng.uniform(0.3, 1.0, n).round(4)
    correct = np.array(
        [
            rng.random() < (min(1.0, c + 0.3) if body == "a" else 0.8)
            for body, c in zip(lead, conf, strict=True)
        ]
    )
    second = ((1 - conf) * rng.uniform(0.3, 1.0, n)).round(4)
    return GateInputs(lead, conf, second, correct)


def test_wilson_lower_bound_is_below_the_observed_rate_and_tightens_with_n():
    assert wilson_lower(19, 20) < 0.95
    assert wilson_lower(190, 200) > wilson_lower(19, 20)
    assert wilson_lower(0, 0) == 0.0


def test_fitted_gate_reaches_the_target_on_the_items_it_routes():
    inputs = _inputs(np.random.default_rng(1))
    gate = fit_gate(inputs, target=0.9, min_support=30)
    routed, correct = gate_outcome(gate, inputs)
    assert routed.any()
    assert correct[routed].mean() >= 0.9
    # The body that is never right 90% of the time is never routed on its own.
    assert gate.threshold_for("b") == 1.0
    assert gate.threshold_for("a") < 1.0


def test_a_body_with_too_few_items_uses_the_global_threshold():
    inputs = _inputs(np.random.default_rng(2))
    lead = list(inputs.lead)
    lead[0] = "rare"
    gate = fit_gate(replace(inputs, lead=lead), target=0.9, min_support=30)
    assert "rare" not in gate.per_body
    assert gate.threshold_for("rare") == gate.default_threshold


def test_risk_coverage_is_the_precision_of_the_best_scored_share():
    score = np.array([0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, False, True])
    points = risk_coverage(score, correct, (0.5, 1.0))
    assert [(p.coverage, p.precision, p.n) for p in points] == [(0.5, 1.0, 2), (1.0, 0.75, 4)]


def test_gate_score_orders_routed_items_first():
    inputs = _inputs(np.random.default_rng(3))
    gate = fit_gate(inputs, target=0.9)
    routed, _ = gate_outcome(gate, inputs)
    score = gate_score(gate, inputs)
    assert score[routed].min() >= score[~routed].max()


def test_review_reasons():
    gate = Gate(default_threshold=0.8, min_margin=0.3, per_body={"so-y-te": 0.6})
    assert gate.review_reason("so-y-te", 0.65, "bhxh-tinh", 0.2) is None
    assert gate.review_reason("so-xay-dung", 0.65, "so-tai-chinh", 0.2).code == "low_confidence"
    assert gate.review_reason("so-y-te", 0.65, "bhxh-tinh", 0.4).code == "close_second"
    reason = gate.review_reason("so-y-te", 0.95, "bhxh-tinh", 0.01, addressee="so-noi-vu")
    assert (reason.code, reason.addressee) == ("addressee_disagrees", "so-noi-vu")


def test_assign_applies_the_policy_gate(catalog):
    classes = catalog.taxonomy.codes
    probs = np.full(len(classes), 0.0)
    probs[classes.index("giao-thong")] = 0.7
    probs[classes.index("y-te")] = 0.3
    gate = Gate(default_threshold=0.9, per_body={"so-xay-dung": 0.65})
    gated = replace(catalog, policy=replace(catalog.policy, gate=gate))
    assert assign(probs, classes, gated, "v").review_reason is None
    strict = replace(catalog, policy=replace(catalog.policy, gate=Gate(default_threshold=0.9)))
    result = assign(probs, classes, strict, "v")
    assert result.needs_review and result.review_reason.code == "low_confidence"
    assert result.as_record()["review_reason"] == "low_confidence"
    named = assign(probs, classes, gated, "v", addressee="so-y-te")
    assert named.needs_review and named.review_reason.code == "addressee_disagrees"


def test_write_gate_keeps_the_policy_above_the_marker(tmp_path, catalog):
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "# chính sách\nreview_threshold: 0.7\ndeadline_days:\n  default: 30\n", encoding="utf-8"
    )
    gate = Gate(default_threshold=0.91, min_margin=0.2, per_body={"so-y-te": 0.85}, target_precision=0.95)
    write_gate(policy, gate)
    write_gate(policy, replace(gate, default_threshold=0.93))  # a second fit replaces the first
    text = policy.read_text(encoding="utf-8")
    assert text.startswith("# chính sách\nreview_threshold: 0.7") and text.count(GATE_MARKER) == 1
    loaded = load_policy(policy, catalog.taxonomy)
    assert loaded.gate == replace(gate, default_threshold=0.93)
    assert loaded.review_threshold == 0.7


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("gate:\n  per_body: {so-y-te: 1.5}\n", "so-y-te"),
        ("gate:\n  treshold: 0.9\n", "treshold"),
        ("gate: [1, 2]\n", "bảng khóa-giá trị"),
    ],
)
def test_a_bad_gate_section_is_refused_with_its_name(tmp_path, catalog, section, message):
    policy = tmp_path / "policy.yaml"
    policy.write_text(section, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_policy(policy, catalog.taxonomy)


def test_a_hand_written_gate_is_not_overwritten(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("gate:\n  default_threshold: 0.9\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="viết tay"):
        write_gate(policy, Gate())
