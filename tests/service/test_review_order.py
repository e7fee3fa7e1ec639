"""The review queue's orders: uncertainty (default), disagreement, oldest, deadline; a wrong one is 422."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np
import pytest
from fastapi.testclient import TestClient

from kiennghi.assignment import Classification, assign
from kiennghi.catalog import load_catalog
from kiennghi.service.app import create_app
from kiennghi.settings import Settings
from tests.service.conftest import Api, Clock, make_keys
from tests.service.fakes import FakeClassifier


class StatedClassifier(FakeClassifier):
    """Takes the sector probabilities from the text ("giao-thong=0.40 y-te=0.38"), so a test states
    each item's confidence and margin; what they leave is spread evenly over the other sectors; no
    probability stated: 0.95 roads."""

    def _stated(self, text: str) -> np.ndarray:
        stated = {s: float(p) for s, p in re.findall(r"([a-z-]+)=([0-9.]+)", text)} or {"giao-thong": 0.95}
        probs = np.zeros(len(self.classes))
        for sector, p in stated.items():
            probs[self.classes.index(sector)] = p
        rest = 1.0 - probs.sum()
        if rest > 1e-9:
            zero = probs == 0
            probs[zero] = rest / zero.sum()
        return probs

    def classify(self, texts: Sequence[str], on: date | None = None) -> list[Classification]:
        return [assign(self._stated(t), self.classes, self.catalog, self.version, on) for t in texts]


@pytest.fixture
def stated(settings: Settings, clock: Clock) -> Iterator[Api]:
    app = create_app(settings, classifier=StatedClassifier(load_catalog(settings)), clock=clock)
    with TestClient(app) as client:
        yield Api(client, make_keys(app.state.services), clock)


def _queue(api: Api, **params: object) -> tuple[list[str], dict[str, object]]:
    r = api.get("secretariat", "/api/v1/review", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    return [i["id"] for i in body["items"]], body


def test_orders_by_uncertainty_disagreement_and_received(stated: Api) -> None:
    # (text, received on): confidence ≈ the giao-thong probability, margin ≈ it minus y-te's.
    # (text, received on): the stated probabilities add up to 1, so the lead body's confidence is
    # the giao-thong probability and the margin is it minus the second body's.
    items = {
        "sure-wide": ("Đường A giao-thong=0.55 y-te=0.40 thue=0.05", "2026-03-01"),  # 0.55, 0.15
        "unsure-close": ("Đường B giao-thong=0.40 y-te=0.38 thue=0.22", "2026-01-01"),  # 0.40, 0.02
        "unsure-wide": (
            "Đường C giao-thong=0.35 y-te=0.15 thue=0.13 dien=0.13 tu-phap=0.12 khieu-nai-to-cao=0.12",
            "2026-04-01",
        ),  # 0.35, 0.20
        "close": ("Đường D giao-thong=0.50 y-te=0.495 thue=0.005", "2026-02-01"),  # 0.50, 0.005
        "tie-close": ("Đường E giao-thong=0.45 y-te=0.44 thue=0.11", "2026-05-01"),  # 0.45, 0.01
        "tie-wide": ("Đường F giao-thong=0.45 y-te=0.30 thue=0.25", "2025-12-01"),  # 0.45, 0.15
    }
    code = {}
    for name, (text, received) in items.items():
        created = stated.submit(text, received_on=received)
        assert created["needs_review"] is True, created
        code[created["id"]] = name

    def names(ids: list[str]) -> list[str]:
        return [code[i] for i in ids]

    ids, body = _queue(stated)
    assert body["order"] == "uncertainty" and body["total"] == 6
    # Lowest confidence first; equal confidence: the smaller margin first (tie-close before tie-wide).
    expected = ["unsure-wide", "unsure-close", "tie-close", "tie-wide", "close", "sure-wide"]
    assert names(ids) == expected
    assert names(_queue(stated, order="uncertainty")[0]) == expected

    ids, body = _queue(stated, order="disagreement")
    assert body["order"] == "disagreement"
    assert names(ids)[:3] == ["close", "tie-close", "unsure-close"]
    # margin 0.15 twice (up to rounding): then the lower confidence, so tie-wide first.
    assert set(names(ids)[3:5]) == {"sure-wide", "tie-wide"} and names(ids)[5] == "unsure-wide"

    assert names(_queue(stated, order="oldest")[0]) == [
        "tie-wide",
        "unsure-close",
        "close",
        "sure-wide",
        "unsure-wide",
        "tie-close",
    ]
    # Pages follow the same order.
    first, _ = _queue(stated, order="uncertainty", page=1, page_size=4)
    second, _ = _queue(stated, order="uncertainty", page=2, page_size=4)
    assert names(first + second) == expected


def test_deadline_order_is_received_plus_the_sectors_days(stated: Api) -> None:
    # deadline_days in the bundled policy: giao-thong 30 (default), dien 15, dat-dai 45.
    items = {
        "road-jan10": ("Đường H giao-thong=0.40 y-te=0.30", "2026-01-10"),  # due 02-09
        "power-jan20": ("Điện I dien=0.40 y-te=0.30", "2026-01-20"),  # due 02-04
        "land-jan01": ("Đất J dat-dai=0.40 y-te=0.30", "2026-01-01"),  # due 02-15
        "road-jan05": ("Đường K giao-thong=0.40 y-te=0.30", "2026-01-05"),  # due 02-04, received first
    }
    code = {stated.submit(text, received_on=received)["id"]: name for name, (text, received) in items.items()}
    ids, body = _queue(stated, order="deadline")
    assert body["order"] == "deadline" and body["total"] == 4
    assert [code[i] for i in ids] == ["road-jan05", "power-jan20", "road-jan10", "land-jan01"]
    second, body = _queue(stated, order="deadline", page=2, page_size=3)
    assert [code[i] for i in second] == ["land-jan01"] and body["total"] == 4
    # Filters still apply.
    ids, body = _queue(stated, order="deadline", sector="giao-thong")
    assert [code[i] for i in ids] == ["road-jan05", "road-jan10"] and body["total"] == 2


def test_unknown_order_is_422_naming_the_valid_ones(api: Api) -> None:
    r = api.get("secretariat", "/api/v1/review", params={"order": "random"})
    assert r.status_code == 422
    problem = r.json()
    assert problem["field"] == "order"
    for valid in ("uncertainty", "disagreement", "oldest", "deadline"):
        assert valid in problem["detail"]


def test_openapi_documents_the_orders(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/review"]["get"]["parameters"]}
    order = params["order"]
    assert order["schema"]["enum"] == ["uncertainty", "disagreement", "oldest", "deadline"]
    assert order["schema"]["default"] == "uncertainty"
    assert "độ tin cậy" in order["description"]
