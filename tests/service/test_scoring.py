"""Serving-time scoring gives the saved pipeline's probabilities, alone or batched."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from kiennghi.catalog import load_catalog
from kiennghi.settings import Settings
from models.registry import ModelRegistry
from service.scoring import BatchedClassifier, Batcher, FastScorer, ServingClassifier
from tests.service.conftest import TrainedHome

pytestmark = pytest.mark.slow

TEXTS = [
    "Đề nghị nâng cấp tuyến đường liên xã",
    "de nghi ho tro kinh phi cho truong hoc",
    "Trạm y tế thiếu bác sĩ",
    "Ðất đai: cấp GCNQSDĐ chậm",
    "",
    "x" * 5000,
    "Bệnh viện quá tải; đường vào bệnh viện hư hỏng",
]


def test_fast_scorer_matches_pipeline(trained_home: TrainedHome) -> None:
    model = ModelRegistry(trained_home.registry).load()
    scorer = FastScorer.compile(model.pipeline)
    assert scorer is not None
    np.testing.assert_allclose(scorer.predict_proba(TEXTS), model.pipeline.predict_proba(TEXTS),
                               rtol=0, atol=1e-7)


def test_unsupported_pipeline_falls_back() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        ["đường", "bệnh viện", "trường học"], ["a", "b", "c"])
    assert FastScorer.compile(pipeline) is None


def test_batched_results_equal_one_by_one(trained_home: TrainedHome) -> None:
    settings = Settings.from_env({"KIENNGHI_HOME": str(trained_home.registry.parent)})
    model = ModelRegistry(trained_home.registry).load()
    serving = ServingClassifier(model, load_catalog(settings))
    batched = BatchedClassifier(serving, Batcher(max_batch=4))
    expected = [serving.classify([t])[0] for t in TEXTS * 4]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda t: batched.classify([t])[0], TEXTS * 4))
    assert [g.probabilities for g in got] == [e.probabilities for e in expected]
    assert batched.version == model.version
