"""spaCy's habit: overfit a tiny set, save, reload, get identical predictions."""

import numpy as np

from kiennghi.catalog import load_abbreviations
from kiennghi.models.registry import ModelRegistry
from kiennghi.training.corpus import load_corpus
from kiennghi.training.train import fit_model, load_config
from tests.conftest import TINY


def test_overfit_save_reload_identical(tmp_path, tiny_corpus, tiny_config, catalog):
    items = load_corpus(tiny_corpus, catalog)
    model = fit_model(items, load_config(tiny_config), load_abbreviations())
    texts = [t for texts in TINY.values() for t in texts]
    truth = [s for s, texts in TINY.items() for _ in texts]
    assert list(model.predict(texts)) == truth  # it learned its training set

    registry = ModelRegistry(tmp_path)
    version = registry.register(model, {"name": "tiny"})
    loaded = registry.load(version)
    np.testing.assert_array_equal(loaded.pipeline.predict_proba(texts), model.predict_proba(texts))
    assert loaded.classes == sorted(TINY)


def test_accentless_text_gets_the_same_answer(tiny_corpus, tiny_config, catalog):
    from kiennghi.nlp.normalize import strip_diacritics

    items = load_corpus(tiny_corpus, catalog)
    model = fit_model(items, load_config(tiny_config), load_abbreviations())
    texts = [t for texts in TINY.values() for t in texts]
    assert list(model.predict([strip_diacritics(t) for t in texts])) == list(model.predict(texts))


def test_compact_weights_keep_the_probabilities(tiny_corpus, tiny_config, catalog):
    from kiennghi.training.pipeline import build_pipeline, compact

    items = load_corpus(tiny_corpus, catalog)
    config = load_config(tiny_config)
    texts = [t for texts in TINY.values() for t in texts]
    labels = [s for s, texts in TINY.items() for _ in texts]
    full = build_pipeline(config.features, config.classifier, load_abbreviations()).fit(texts, labels)
    before = full.predict_proba(texts)
    after = compact(full).predict_proba(texts)
    np.testing.assert_allclose(after, before, atol=1e-5)
    assert items
