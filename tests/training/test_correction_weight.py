"""Clerks' corrections carry ``correction_weight`` as their sample weight in training."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kiennghi.catalog import load_abbreviations
from kiennghi.errors import TrainingError
from kiennghi.training.config import TrainConfig, load_config
from kiennghi.training.corpus import LabelledItem, load_corpus
from kiennghi.training.train import _augment, fit_model

# A road petition that a clerk decided belongs to health (the corpus says roads → transport):
# the more the correction weighs, the more the model follows the clerk on this text.
CORRECTED = "Đề nghị sửa chữa đường vào trạm y tế xã bị sạt lở"


def _correction(text: str = CORRECTED) -> LabelledItem:
    return LabelledItem(id="correction:KN-1", text=text, sector="y-te", lead="so-y-te", origin="correction")


def test_corrections_and_their_accentless_copies_carry_the_weight():
    seed = LabelledItem(id="s1", text="Đường liên xã xuống cấp", sector="giao-thong", lead="so-xay-dung")
    texts, labels, weights = _augment([seed, _correction()], share=1.0, seed=0, correction_weight=3.0)
    assert len(texts) == 4  # both items and their accent-free copies
    assert dict(zip(texts, weights, strict=True)) == {
        "Đường liên xã xuống cấp": 1.0,
        CORRECTED: 3.0,
        "Duong lien xa xuong cap": 1.0,
        "De nghi sua chua duong vao tram y te xa bi sat lo": 3.0,
    }
    assert labels == ["giao-thong", "y-te", "giao-thong", "y-te"]


def test_default_weight_is_one_and_the_key_is_checked(tmp_path):
    assert TrainConfig().correction_weight == 1.0 == load_config(None).correction_weight
    path = tmp_path / "w.yaml"
    path.write_text("correction_weight: 3\n", encoding="utf-8")
    assert load_config(path).correction_weight == 3.0
    for bad in ("0", "-1", "'ba'", "true"):
        path.write_text(f"correction_weight: {bad}\n", encoding="utf-8")
        with pytest.raises(TrainingError, match="correction_weight"):
            load_config(path)


@pytest.mark.parametrize("classifier", ["svm", "logreg"])
def test_a_heavier_correction_pulls_the_model_towards_the_clerk(
    tiny_corpus, tiny_config, catalog, classifier
):
    items = [*load_corpus(tiny_corpus, catalog), _correction()]
    base = load_config(tiny_config)
    base = replace(base, classifier=replace(base.classifier, type=classifier))
    abbreviations = load_abbreviations()

    def health(weight: float) -> float:
        model = fit_model(items, replace(base, correction_weight=weight), abbreviations)
        return float(model.predict_proba([CORRECTED])[0][list(model.classes_).index("y-te")])

    assert health(1.0) < health(3.0) < health(10.0)


def test_weight_one_is_the_unweighted_fit(tiny_corpus, tiny_config, catalog):
    """Items that are not corrections are never weighted, and weight 1 passes no weights at all."""
    items = load_corpus(tiny_corpus, catalog)
    config = load_config(tiny_config)
    abbreviations = load_abbreviations()
    texts = [i.text for i in items]
    plain = fit_model(items, config, abbreviations).predict_proba(texts)
    heavy = fit_model(items, replace(config, correction_weight=5.0), abbreviations).predict_proba(texts)
    np.testing.assert_array_equal(plain, heavy)  # no correction among them: nothing changes
