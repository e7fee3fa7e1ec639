"""Through the service: a tampered or foreign model artifact is refused before it is unpickled
(the registry's own refusals are in tests/registry; this checks the HTTP path that activates
and compares models, and that the running model is untouched)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kiennghi.catalog import load_abbreviations
from kiennghi.models.registry import ModelRegistry
from kiennghi.service.app import create_app
from kiennghi.settings import Settings
from kiennghi.training.corpus import load_corpus
from kiennghi.training.train import fit_model, load_config
from tests.service.conftest import make_keys


class Bomb:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (exec, ("raise SystemExit('unpickled!')",))


@pytest.mark.parametrize("how", ["tampered", "foreign"])
def test_service_refuses_tampered_or_foreign_artifact(
    tmp_path: Path,
    tiny_corpus: Path,
    tiny_config: Path,
    catalog,
    how: str,  # type: ignore[no-untyped-def]
) -> None:
    settings = Settings.from_env(
        {"KIENNGHI_HOME": str(tmp_path), "KIENNGHI_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    )
    registry = ModelRegistry(settings.registry_dir)
    model = fit_model(load_corpus(tiny_corpus, catalog), load_config(tiny_config), load_abbreviations())
    registry.register(model, {"name": "tiny"}, activate=True)
    if how == "tampered":
        version = registry.register(model, {"name": "tiny-2"})
        (registry.path(version) / "model.joblib").write_bytes(pickle.dumps(Bomb()))
    else:  # dropped into the folder by hand, never registered
        version = "v0002"
        registry.path(version).mkdir()
        (registry.path(version) / "model.joblib").write_bytes(pickle.dumps(Bomb()))
        (registry.path(version) / "metadata.json").write_text("{}")
    with TestClient(create_app(settings)) as client:
        admin = {"Authorization": f"Bearer {make_keys(client.app.state.services)['admin']}"}  # type: ignore[attr-defined]
        for method, url, body in [
            ("POST", f"/api/v1/models/{version}/activate", {"force": True}),
            ("GET", f"/api/v1/models/{version}/compare", None),
        ]:
            response = client.request(method, url, headers=admin, json=body)
            assert response.status_code in (404, 409), response.text
            assert "unpickled" not in response.text
        assert registry.active_version() == "v0001"
        created = client.post(
            "/api/v1/petitions", headers=admin, json={"text": "Sửa chữa cầu treo qua suối đã hư hỏng"}
        )
        assert created.status_code == 201 and created.json()["model_version"] == "v0001"
