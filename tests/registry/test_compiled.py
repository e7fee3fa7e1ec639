"""The compiled form of a model: same probabilities as the pipeline, no scikit-learn needed."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from kiennghi.catalog import load_abbreviations
from kiennghi.errors import ModelRegistryError
from kiennghi.models.compiled import CompiledModel, export
from kiennghi.models.registry import SERVING, LoadedModel, ModelRegistry
from kiennghi.models.serving import PetitionClassifier
from kiennghi.training.corpus import load_corpus
from kiennghi.training.pipeline import build_pipeline
from kiennghi.training.train import fit_model, load_config

TEXTS = [
    "Đề nghị sửa chữa tuyến đường liên xã xuống cấp",
    "tram y te xa thieu bac si",
    "Cử tri đề nghị sớm cấp GCNQSDĐ cho các hộ ở thôn Đông",
    "",
    "x",
    "Ðề nghị  bồi thường\u200b GPMB thỏa đáng",
]


@pytest.fixture(scope="module")
def corpus(tiny_corpus, catalog):
    return load_corpus(tiny_corpus, catalog)


@pytest.fixture(scope="module")
def fitted(corpus, tiny_config):
    return fit_model(corpus, load_config(tiny_config), load_abbreviations())


def test_compiled_probabilities_equal_the_pipeline(fitted, corpus, tmp_path):
    data = export(fitted, [i.text for i in corpus])
    assert data is not None
    (tmp_path / SERVING).write_bytes(data)
    compiled = CompiledModel.load(tmp_path / SERVING)
    texts = TEXTS + [i.text for i in corpus]
    assert compiled.classes == [str(c) for c in fitted.classes_]
    np.testing.assert_allclose(compiled.predict_proba(texts), fitted.predict_proba(texts), rtol=0, atol=1e-6)
    assert compiled.predict_proba([]).shape == (0, len(compiled.classes))


def test_pipeline_of_another_shape_is_not_compiled(corpus):
    pipeline = build_pipeline(classifier={"type": "logreg"}, abbreviations=load_abbreviations())
    pipeline.fit([i.text for i in corpus], [i.sector for i in corpus])
    assert export(pipeline) is None


def test_registry_serves_compiled_and_unpickles_only_on_demand(fitted, tmp_path):
    registry = ModelRegistry(tmp_path / "models")
    version = registry.register(fitted, {}, probes=TEXTS)
    assert (registry.path(version) / SERVING).exists()
    assert registry.metadata(version)["serving"]["size_bytes"] > 0
    model = registry.load()
    assert model.compiled is not None and model._pipeline is None
    probs = model.predict_proba(TEXTS)
    assert model._pipeline is None  # classifying never unpickled the pipeline
    np.testing.assert_allclose(probs, model.pipeline.predict_proba(TEXTS), rtol=0, atol=1e-6)


def test_tampered_serving_file_is_refused(fitted, tmp_path):
    registry = ModelRegistry(tmp_path / "models")
    version = registry.register(fitted, {})
    path = registry.path(version) / SERVING
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelRegistryError, match=r"serving\.npz.*đã bị thay đổi"):
        registry.load(version)


def test_model_without_compiled_form_serves_through_the_pipeline(corpus):
    pipeline = build_pipeline(classifier={"type": "logreg"}, abbreviations=load_abbreviations())
    pipeline.fit([i.text for i in corpus], [i.sector for i in corpus])
    model = LoadedModel("x", pipeline, {})
    assert model.compiled is None
    np.testing.assert_allclose(model.predict_proba(TEXTS), pipeline.predict_proba(TEXTS), rtol=0, atol=0)


def test_classify_command_does_not_import_scikit_learn(fitted, tmp_path):
    """`kiennghi classify` on a compiled model starts without scikit-learn (its cold start)."""
    home = tmp_path / "home"
    ModelRegistry(home / "models").register(fitted, {})
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXTS[0]}, ensure_ascii=False) + "\n", encoding="utf-8")
    code = (
        "import sys; from kiennghi.cli import app\n"
        "try:\n    app(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'pandas', 'joblib')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "classify", str(source), "-o", str(tmp_path / "out.jsonl")],
        env={**os.environ, "KIENNGHI_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    row = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert row["id"] == "a" and row["lead_department"]


def test_version_compiled_in_memory_when_file_missing_in_old_layout(fitted, tmp_path):
    """An old version (no serving.npz in the index) is compiled in memory on load."""
    registry = ModelRegistry(tmp_path / "models")
    version = registry.register(fitted, {})
    index = json.loads((registry.root / "index.json").read_text(encoding="utf-8"))
    del index["versions"][version]["serving_sha256"]
    (registry.root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    model = registry.load(version)
    assert model.compiled is not None
    np.testing.assert_allclose(model.predict_proba(TEXTS), fitted.predict_proba(TEXTS), rtol=0, atol=1e-6)


def test_one_by_one_equals_batch(fitted, tmp_path, catalog):
    """A petition gets the same probabilities alone (the service) as in a batch (the CLI)."""
    registry = ModelRegistry(tmp_path / "models")
    registry.register(fitted, {})
    classifier = PetitionClassifier(registry.load(), catalog)
    texts = [*TEXTS, "x" * 5000, "Bệnh viện quá tải; đường vào bệnh viện hư hỏng"]
    together = classifier.classify(texts)
    alone = [classifier.classify([t])[0] for t in texts]
    assert [a.probabilities for a in alone] == [t.probabilities for t in together]
