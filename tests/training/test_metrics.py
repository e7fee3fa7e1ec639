"""The review-threshold suggestion."""

import numpy as np

from kiennghi.training.metrics import threshold_for_precision


def test_lowest_threshold_that_keeps_the_precision():
    confidence = np.array([0.99, 0.97, 0.95, 0.90, 0.80, 0.60])
    correct = np.array([True, True, True, True, False, False])
    choice = threshold_for_precision(confidence, correct, target=0.95)
    assert choice is not None
    assert choice.threshold == 0.9 and choice.precision == 1.0 and choice.coverage == 4 / 6


def test_threshold_keeps_the_item_it_comes_from():
    """A confidence of 0.99775 suggests 0.9977, not 0.9978 (which would auto-assign nothing)."""
    choice = threshold_for_precision(np.array([0.99775, 0.5]), np.array([True, False]), target=0.95)
    assert choice is not None and choice.threshold == 0.9977 and choice.coverage == 0.5


def test_no_threshold_when_the_most_confident_item_is_wrong():
    assert threshold_for_precision(np.array([0.99, 0.5]), np.array([False, True]), target=0.95) is None
