"""Model operations with real models: retrain in the background from the corpus plus stored
corrections, compare on the same held-out items, refuse a worse model unless forced, rollback;
the service picks up the active version."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiennghi.service.app import create_app
from kiennghi.service.config import ServiceConfig
from kiennghi.service.modelops.service import is_holdout
from kiennghi.settings import Settings
from tests.service.conftest import Clock, TrainedHome, copy_home, make_keys
from tests.service.corpus import PLACES, TOPICS

pytestmark = pytest.mark.slow


def test_model_operations(
    settings: Settings, trained_home: TrainedHome, clock: Clock, tmp_path: Path
) -> None:
    copy_home(trained_home, settings.home)
    config = ServiceConfig(training_data=trained_home.corpus)
    app = create_app(settings, config=config, clock=clock)
    with TestClient(app) as client:
        keys = make_keys(app.state.services)
        auth = {w: {"Authorization": f"Bearer {k}"} for w, k in keys.items()}

        def call(method: str, url: str, who: str = "admin", **kw: Any) -> Any:
            return client.request(method, url, headers=auth[who], **kw)

        models = call("GET", "/api/v1/models").json()
        assert models["active"] == "v0001"
        assert [m["version"] for m in models["items"]] == ["v0001", "v0002"]
        road = call(
            "POST",
            "/api/v1/petitions",
            "secretariat",
            json={"text": "Đề nghị sửa chữa đường liên xã ở xã Mới bị ổ gà"},
        ).json()
        assert road["sector"] == "giao-thong" and road["lead_department"] == "so-xay-dung"
        review = call("GET", "/api/v1/review", "secretariat").json()
        for item in review["items"]:
            assert item["suggestions"] and "words" in item["suggestions"][0]

        # Clerks' decisions: some are held out (fixed by id) to compare models on.
        held = 0
        for sector, templates in TOPICS.items():
            for place in PLACES[:3]:
                text = templates[0].format(p=place) + " (năm nay)"
                code = call("POST", "/api/v1/petitions", "secretariat", json={"text": text}).json()["id"]
                r = call(
                    "POST",
                    f"/api/v1/petitions/{code}/reassign",
                    "secretariat",
                    json={"sector": sector, "reason": "Cán bộ duyệt"},
                )
                assert r.status_code == 200, r.text
                held += is_holdout(code)
        assert held > 0

        job = call("POST", "/api/v1/models/retrain")
        assert job.status_code == 202 and job.json()["status"] in ("queued", "running")
        assert call("POST", "/api/v1/models/retrain").status_code == 409  # one at a time
        assert call("POST", "/api/v1/models/retrain", "secretariat").status_code == 403
        deadline = time.monotonic() + 150
        while True:
            state = call("GET", f"/api/v1/models/jobs/{job.json()['id']}").json()
            if state["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert state["status"] == "succeeded", state
        assert state["version"] == "v0003" and state["n_corrections"] == 18 - held
        assert state["metrics"]["holdout"]["n"] == held
        assert call("GET", "/api/v1/models").json()["active"] == "v0001"  # not activated

        same = call("GET", "/api/v1/models/v0003/compare").json()
        assert same["n"] == held and same["baseline"] == "v0001"
        assert set(same["metrics"]) == {"candidate", "baseline"}
        worse = call("GET", "/api/v1/models/v0002/compare").json()
        assert worse["worse"] is True and worse["lead_accuracy_change"] < 0

        refused = call("POST", "/api/v1/models/v0002/activate", json={"force": False})
        assert refused.status_code == 409 and "force" in refused.json()["detail"]
        assert call("POST", "/api/v1/models/v0002/activate", "analyst").status_code == 403
        forced = call("POST", "/api/v1/models/v0002/activate", json={"force": True})
        assert forced.status_code == 200 and forced.json()["active"] == "v0002"
        after = call("POST", "/api/v1/petitions", "secretariat", json={"text": "Đường hư"})
        assert after.json()["model_version"] == "v0002"
        assert client.get("/readyz").json()["checks"]["model"] == "v0002"

        assert call("POST", "/api/v1/models/rollback").json() == {"active": "v0001"}
        again = call("POST", "/api/v1/petitions", "secretariat", json={"text": "Đường hư"})
        assert again.json()["model_version"] == "v0001"
        good = call("POST", "/api/v1/models/v0003/activate", json={})
        assert good.status_code == 200, good.text
        assert call("GET", "/api/v1/models").json()["active"] == "v0003"
