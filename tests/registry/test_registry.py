import json
import pickle

import pytest

from kiennghi.catalog import load_abbreviations
from kiennghi.errors import ModelNotFoundError, ModelRegistryError
from kiennghi.models.registry import ModelRegistry
from kiennghi.training.corpus import load_corpus
from kiennghi.training.train import fit_model, load_config


@pytest.fixture(scope="module")
def fitted(tiny_corpus, tiny_config, catalog):
    items = load_corpus(tiny_corpus, catalog)
    return fit_model(items, load_config(tiny_config), load_abbreviations())


@pytest.fixture
def registry(tmp_path):
    return ModelRegistry(tmp_path / "models")


def test_register_load_activate_rollback(registry, fitted):
    v1 = registry.register(fitted, {"name": "a"})
    v2 = registry.register(fitted, {"name": "b"})
    assert (v1, v2) == ("v0001", "v0002")
    assert registry.active_version() == v1  # the first version becomes active, later ones wait
    registry.activate(v2)
    assert registry.load().version == v2
    assert registry.rollback() == v1
    assert registry.active_version() == v1
    with pytest.raises(ModelRegistryError, match="trước đó"):
        registry.rollback()
    listed = registry.versions()
    assert [r["version"] for r in listed] == [v1, v2]
    assert [r["active"] for r in listed] == [True, False]
    meta = registry.metadata(v1)
    assert len(meta["sha256"]) == 64 and meta["libraries"]["scikit-learn"]


def test_unknown_version_names_known_ones(registry, fitted):
    registry.register(fitted, {})
    with pytest.raises(ModelNotFoundError, match="v0001"):
        registry.load("v0009")


def test_empty_registry_says_what_to_do(registry):
    with pytest.raises(ModelNotFoundError, match="kiennghi train"):
        registry.load()


class Bomb:
    def __reduce__(self):
        return (exec, ("raise SystemExit('unpickled!')",))


def test_tampered_artifact_is_refused_before_unpickling(registry, fitted):
    version = registry.register(fitted, {})
    artifact = registry.path(version) / "model.joblib"
    artifact.write_bytes(pickle.dumps(Bomb()))
    with pytest.raises(ModelRegistryError, match="đã bị thay đổi"):
        registry.load(version)


def test_metadata_hash_edit_is_refused(registry, fitted):
    version = registry.register(fitted, {})
    path = registry.path(version) / "metadata.json"
    meta = json.loads(path.read_text())
    meta["sha256"] = "0" * 64
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelRegistryError, match="đã bị thay đổi"):
        registry.load(version)


def test_foreign_folder_is_never_loaded(registry, fitted):
    registry.register(fitted, {})
    foreign = registry.root / "v0002"
    foreign.mkdir()
    (foreign / "model.joblib").write_bytes(pickle.dumps(Bomb()))
    (foreign / "metadata.json").write_text("{}")
    with pytest.raises(ModelNotFoundError):
        registry.load("v0002")


def test_library_mismatch_is_refused(registry, fitted):
    version = registry.register(fitted, {})
    path = registry.path(version) / "metadata.json"
    meta = json.loads(path.read_text())
    meta["libraries"]["scikit-learn"] = "0.0.1"
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelRegistryError, match=r"scikit-learn 0\.0\.1"):
        registry.load(version)


def test_corrupt_index_is_reported(registry, fitted):
    registry.register(fitted, {})
    (registry.root / "index.json").write_text("{not json")
    with pytest.raises(ModelRegistryError, match="bị hỏng"):
        registry.load()


def _forget_namespace(registry, version):
    path = registry.root / version / "metadata.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.pop("namespace")
    path.write_text(json.dumps(meta), encoding="utf-8")


def test_versions_saved_before_the_namespace_are_never_unpickled(registry, fitted):
    """Their pickles name bare modules (nlp.transformers …): served through serving.npz only."""
    version = registry.register(fitted, {})
    assert registry.metadata(version)["namespace"] == "kiennghi"
    _forget_namespace(registry, version)
    model = registry.load(version)
    assert model.predict_proba(["Đề nghị sửa đường liên xã"]).shape[0] == 1  # the arrays still serve
    with pytest.raises(ModelRegistryError, match=r"bố cục gói cũ.*huấn luyện lại"):
        _ = model.pipeline


def test_an_old_version_without_arrays_is_refused_with_a_retrain_message(registry, fitted):
    version = registry.register(fitted, {})
    _forget_namespace(registry, version)
    index_path = registry.root / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["versions"][version].pop("serving_sha256")  # as registered before serving.npz existed
    index_path.write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(ModelRegistryError, match="huấn luyện lại"):
        registry.load(version)
