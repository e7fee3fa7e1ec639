"""Key management: list and revoke over HTTP and on the command line; a revoked key is refused at
once by every worker sharing the data directory, and within the cache time by any other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kiennghi.catalog import load_catalog
from kiennghi.cli import app as cli_app
from kiennghi.service.app import create_app
from kiennghi.service.config import ServiceConfig
from kiennghi.settings import Settings
from tests.service.conftest import Api, Clock, make_keys
from tests.service.fakes import FakeClassifier


@contextmanager
def worker(settings: Settings, clock: Clock, cache_seconds: float = 30.0) -> Iterator[TestClient]:
    """One more app over the same database: a second worker process with its own key cache."""
    app = create_app(
        settings,
        classifier=FakeClassifier(load_catalog(settings)),
        config=ServiceConfig(key_cache_seconds=cache_seconds),
        clock=clock,
    )
    with TestClient(app) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_list_shows_prefixes_never_keys(api: Api) -> None:
    api.get("y-te", "/api/v1/petitions")  # records a first use
    r = api.get("admin", "/api/v1/keys")
    assert r.status_code == 200, r.text
    items = {k["name"]: k for k in r.json()["items"]}
    assert set(items) == {"admin", "secretariat", "analyst", "xay-dung", "y-te"}
    y_te = items["y-te"]
    assert y_te["role"] == "department" and y_te["department"] == "so-y-te"
    assert api.keys["y-te"].startswith(y_te["prefix"]) and len(y_te["prefix"]) == 8
    assert y_te["last_used_at"] is not None and y_te["revoked"] is False
    assert api.keys["y-te"] not in r.text and "hash" not in r.text


def test_revoke_over_http_is_immediate_and_recorded(api: Api) -> None:
    assert api.get("y-te", "/api/v1/petitions").status_code == 200  # now cached in this worker
    keys = {k["name"]: k for k in api.get("admin", "/api/v1/keys").json()["items"]}
    r = api.post("admin", f"/api/v1/keys/{keys['y-te']['id']}/revoke")
    assert r.status_code == 200, r.text
    assert r.json()["revoked"] is True and r.json()["revoked_by"] == f"admin [admin] #{keys['admin']['id']}"
    assert r.json()["revoked_at"] is not None
    refused = api.get("y-te", "/api/v1/petitions")
    assert refused.status_code == 401 and "thu hồi" in refused.json()["detail"]
    again = api.post("admin", f"/api/v1/keys/{keys['y-te']['id']}/revoke")
    assert again.status_code == 409 and "đã bị thu hồi" in again.json()["detail"]
    # By prefix; the other keys keep working.
    r = api.post("admin", f"/api/v1/keys/{keys['xay-dung']['prefix']}/revoke")
    assert r.status_code == 200 and r.json()["name"] == "xay-dung"
    assert api.get("xay-dung", "/api/v1/petitions").status_code == 401
    assert api.get("secretariat", "/api/v1/petitions").status_code == 200
    assert api.post("admin", "/api/v1/keys/9999/revoke").status_code == 404
    bad = api.post("admin", "/api/v1/keys/abc/revoke")
    assert bad.status_code == 422 and "kiennghi keys list" in bad.json()["detail"]
    assert api.post("secretariat", f"/api/v1/keys/{keys['analyst']['id']}/revoke").status_code == 403


def test_revocation_reaches_another_worker_at_once(api: Api, settings: Settings) -> None:
    with worker(settings, api.clock) as other:
        assert other.get("/api/v1/petitions", headers=bearer(api.keys["y-te"])).status_code == 200
        assert api.services.auth.cached(api.keys["analyst"]) is None
        keys = {k["name"]: k["id"] for k in api.get("admin", "/api/v1/keys").json()["items"]}
        assert api.post("admin", f"/api/v1/keys/{keys['y-te']}/revoke").status_code == 200
        # The other worker had the key cached for 30 s; the revocation signal empties its cache.
        r = other.get("/api/v1/petitions", headers=bearer(api.keys["y-te"]))
        assert r.status_code == 401
        assert other.get("/api/v1/petitions", headers=bearer(api.keys["secretariat"])).status_code == 200


def test_worker_without_shared_home_refuses_within_cache_time(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other-host"
    elsewhere.mkdir()
    with worker(replace(settings, home=elsewhere), api.clock, cache_seconds=0.5) as other:
        assert other.get("/api/v1/petitions", headers=bearer(api.keys["y-te"])).status_code == 200
        keys = {k["name"]: k["id"] for k in api.get("admin", "/api/v1/keys").json()["items"]}
        assert api.post("admin", f"/api/v1/keys/{keys['y-te']}/revoke").status_code == 200
        assert other.get("/api/v1/petitions", headers=bearer(api.keys["y-te"])).status_code == 200
        time.sleep(0.6)  # past KIENNGHI_KEY_CACHE_SECONDS
        assert other.get("/api/v1/petitions", headers=bearer(api.keys["y-te"])).status_code == 401


def test_cli_list_and_revoke(api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIENNGHI_HOME", str(settings.home))
    monkeypatch.setenv("KIENNGHI_DATABASE_URL", str(settings.database_url))
    runner = CliRunner()
    assert api.get("analyst", "/api/v1/petitions").status_code == 200  # cached by the service
    listed = runner.invoke(cli_app, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    for name in ("admin", "secretariat", "analyst", "xay-dung", "y-te", "so-y-te", "Tiền tố", "Thu hồi"):
        assert name in listed.output
    prefix = api.keys["analyst"][:8]
    assert prefix in listed.output and api.keys["analyst"] not in listed.output

    revoked = runner.invoke(cli_app, ["keys", "revoke", prefix])
    assert revoked.exit_code == 0, revoked.output
    assert "Đã thu hồi khóa số 3 (analyst" in revoked.output
    assert api.get("analyst", "/api/v1/petitions").status_code == 401  # the service sees it at once
    listed = runner.invoke(cli_app, ["keys", "list"])
    assert "bởi dòng lệnh" in listed.output and "[admin] #0" in listed.output

    again = runner.invoke(cli_app, ["keys", "revoke", "3"])
    assert again.exit_code == 1 and "đã bị thu hồi" in again.output
    missing = runner.invoke(cli_app, ["keys", "revoke", "42"])
    assert missing.exit_code == 1 and "Không có khóa số 42" in missing.output


def test_last_use_is_written_at_most_hourly(api: Api) -> None:
    services = api.services
    keys = make_keys(services)  # fresh keys, never used
    seen = []
    for _ in range(3):
        services.auth.forget()  # force the database lookup each time
        assert api.client.get("/api/v1/petitions", headers=bearer(keys["analyst"])).status_code == 200
        items = api.get("admin", "/api/v1/keys").json()["items"]
        seen.append(next(k["last_used_at"] for k in reversed(items) if k["name"] == "analyst"))
        api.clock.now += timedelta(minutes=40)
    assert seen[0] is not None
    assert seen[1] == seen[0]  # 40 minutes later: not rewritten
    assert seen[2] != seen[0]  # 80 minutes later: rewritten
