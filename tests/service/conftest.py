"""Fixtures: a database per test (SQLite file, and PostgreSQL when KIENNGHI_TEST_DATABASE_URL is
set), the app with a fast fake classifier, keys for every role, and a movable clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiennghi.catalog import load_catalog
from kiennghi.service.app import create_app
from kiennghi.service.auth.keys import create_key
from kiennghi.settings import Settings
from tests.service.fakes import FakeClassifier

PG_URL = os.environ.get("KIENNGHI_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Clock:
    """A wall clock tests can move forward."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private PostgreSQL schema (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kiennghi.db'}"
        return
    if not PG_URL:
        pytest.skip("KIENNGHI_TEST_DATABASE_URL không được đặt")
    from sqlalchemy import create_engine

    schema = f"kn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def pinned_policy(folder: Path, review_threshold: float = 0.6) -> Path:
    """A copy of the bundled policy with a fixed review threshold: the tests are written for it,
    and the bundled default is chosen from the real dev set and may change."""
    import re

    from kiennghi.resources import bundled_data_path

    text = bundled_data_path("policy.yaml").read_text(encoding="utf-8")
    path = folder / "policy.yaml"
    path.write_text(
        re.sub(r"(?m)^review_threshold:.*$", f"review_threshold: {review_threshold}", text), encoding="utf-8"
    )
    return path


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    return Settings.from_env(
        {
            "KIENNGHI_HOME": str(home),
            "KIENNGHI_DATABASE_URL": database_url,
            "KIENNGHI_POLICY": str(pinned_policy(tmp_path)),
        }
    )


@dataclass
class Api:
    """The running app and one bearer key per role (two departments)."""

    client: TestClient
    keys: dict[str, str]
    clock: Clock

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers(who), **kw)

    def post(self, who: str, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers(who), **kw)

    def submit(self, text: str, who: str = "secretariat", **fields: Any) -> dict[str, Any]:
        response = self.post(who, "/api/v1/petitions", json={"text": text, **fields})
        assert response.status_code == 201, response.text
        return response.json()

    @property
    def services(self) -> Any:
        return self.client.app.state.services  # type: ignore[attr-defined]


# who → (role, department)
PEOPLE = {
    "admin": ("admin", None),
    "secretariat": ("secretariat", None),
    "analyst": ("analyst", None),
    "xay-dung": ("department", "so-xay-dung"),
    "y-te": ("department", "so-y-te"),
}


def make_keys(services: Any) -> dict[str, str]:
    keys = {}
    with services.unit() as ctx:
        for who, (role, department) in PEOPLE.items():
            keys[who] = create_key(ctx, role, department, who)[1]
    return keys


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(settings: Settings, clock: Clock) -> Iterator[Api]:
    app = create_app(settings, classifier=FakeClassifier(load_catalog(settings)), clock=clock)
    with TestClient(app) as client:
        yield Api(client, make_keys(app.state.services), clock)


@dataclass(frozen=True)
class TrainedHome:
    """A registry with v0001 (good, active) and v0002 (deliberately bad), built once."""

    registry: Path
    corpus: Path


@pytest.fixture(scope="session")
def trained_home(tmp_path_factory: pytest.TempPathFactory) -> TrainedHome:
    from kiennghi.models.registry import ModelRegistry
    from kiennghi.training.train import load_config, train_and_register
    from tests.service.corpus import write_corpus

    base = tmp_path_factory.mktemp("trained")
    settings = Settings.from_env({"KIENNGHI_HOME": str(base / "home")})
    catalog = load_catalog(settings)
    registry = ModelRegistry(settings.registry_dir)
    good = write_corpus(base / "good")
    bad = write_corpus(base / "bad", rotate=True)
    config = load_config(None)
    train_and_register(good, config, catalog, registry, evaluate=False, activate=True)
    train_and_register(bad, config, catalog, registry, evaluate=False, activate=False)
    return TrainedHome(settings.registry_dir, good)


def copy_home(trained: TrainedHome, home: Path) -> None:
    """A private copy of the trained registry (activations in one test stay there)."""
    import shutil

    shutil.copytree(trained.registry, home / "models")
