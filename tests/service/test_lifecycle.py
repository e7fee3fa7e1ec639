"""The whole life of an item through HTTP: intake, assignment, the department's work, closing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kiennghi.catalog import load_catalog
from kiennghi.service.app import create_app
from kiennghi.settings import Settings
from tests.service.conftest import Api, Clock, make_keys
from tests.service.fakes import FakeClassifier

ROAD = "Đề nghị nâng cấp tuyến đường ĐT-746 đoạn qua xã Tân Lập vì xuống cấp nghiêm trọng"


def test_submit_assigns_and_department_answers(api: Api) -> None:
    created = api.submit(
        ROAD,
        association="hoi-nong-dan",
        locality="xã Tân Lập",
        source_document="Báo cáo 12/BC-HND",
        item_number="3",
    )
    assert created["id"].startswith(f"KN-{api.clock().year}-")
    assert created["status"] == "assigned"
    assert created["sector"] == "giao-thong"
    assert created["lead_department"] == "so-xay-dung"
    assert created["needs_review"] is False
    assert 0 < created["confidence"] <= 1
    assert created["coordinating_departments"] == []
    assert created["deadline"]
    code = created["id"]

    inbox = api.get("xay-dung", "/api/v1/petitions", params={"department": "so-xay-dung"}).json()
    assert [i["id"] for i in inbox["items"]] == [code] and inbox["total"] == 1
    assert api.get("y-te", "/api/v1/petitions").json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 50,
    }

    r = api.post("xay-dung", f"/api/v1/petitions/{code}/acknowledge")
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    assert r.json()["acknowledged_by"] == ["so-xay-dung"]
    r = api.post("xay-dung", f"/api/v1/petitions/{code}/status", json={"status": "in_progress"})
    assert r.json()["status"] == "in_progress"
    r = api.post(
        "xay-dung",
        f"/api/v1/petitions/{code}/answer",
        json={"answer_text": "Sở Xây dựng đã bố trí vốn duy tu năm 2026."},
    )
    assert r.status_code == 200 and r.json()["status"] == "answered"
    # Answered items cannot be answered again or moved back by the department.
    again = api.post("xay-dung", f"/api/v1/petitions/{code}/answer", json={"answer_text": "x"})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert api.post("xay-dung", f"/api/v1/petitions/{code}/close").status_code == 403
    r = api.post("secretariat", f"/api/v1/petitions/{code}/close")
    assert r.json()["status"] == "closed"

    detail = api.get("xay-dung", f"/api/v1/petitions/{code}").json()
    actions = [(e["action"], e["to_status"]) for e in detail["history"]]
    assert actions == [
        ("received", "received"),
        ("assigned", "assigned"),
        ("acknowledged", "acknowledged"),
        ("status_changed", "in_progress"),
        ("answered", "answered"),
        ("closed", "closed"),
    ]
    actors = [e["actor"] for e in detail["history"]]
    assert actors[0].startswith("secretariat [secretariat]")
    assert actors[2].startswith("xay-dung [department:so-xay-dung]")
    assert detail["classification"]["model_version"] == "fake-1"
    assert abs(sum(detail["classification"]["probabilities"].values()) - 1) < 0.01
    assert detail["answer_text"].startswith("Sở Xây dựng")


def test_coordinating_body_sees_and_acknowledges_but_cannot_answer(api: Api) -> None:
    # Fertiliser: lead Sở NN&MT, coordinating Sở Công Thương (from the directory).
    code = api.submit("Phản ánh phân bón giả bán tràn lan tại chợ xã")["id"]
    services = api.services
    from kiennghi.service.auth.keys import create_key

    with services.unit() as ctx:
        key = create_key(ctx, "department", "so-cong-thuong", "ct")[1]
    headers = {"Authorization": f"Bearer {key}"}
    listing = api.client.get("/api/v1/petitions", params={"role": "coordinating"}, headers=headers).json()
    assert [i["id"] for i in listing["items"]] == [code]
    r = api.client.post(f"/api/v1/petitions/{code}/acknowledge", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    assert r.json()["acknowledged_by"] == ["so-cong-thuong"]
    r = api.client.post(f"/api/v1/petitions/{code}/answer", json={"answer_text": "x"}, headers=headers)
    assert r.status_code == 403


def test_overdue_and_restart_keeps_everything(settings: Settings, clock: Clock) -> None:
    def start() -> TestClient:
        app = create_app(settings, classifier=FakeClassifier(load_catalog(settings)), clock=clock)
        return TestClient(app)

    with start() as client:
        keys = make_keys(client.app.state.services)  # type: ignore[attr-defined]
        auth = {w: {"Authorization": f"Bearer {k}"} for w, k in keys.items()}
        code = client.post("/api/v1/petitions", json={"text": ROAD}, headers=auth["secretariat"]).json()["id"]
        client.post(f"/api/v1/petitions/{code}/acknowledge", headers=auth["xay-dung"])
        clock.advance(60)
        overdue = client.get(
            "/api/v1/petitions", params={"overdue": "true"}, headers=auth["secretariat"]
        ).json()
        assert [i["id"] for i in overdue["items"]] == [code] and overdue["items"][0]["overdue"]

    # A new process over the same database: items, history and keys are all there.
    with start() as client:
        r = client.get(f"/api/v1/petitions/{code}", headers=auth["xay-dung"])
        assert r.status_code == 200 and r.json()["overdue"] is True
        assert [e["action"] for e in r.json()["history"]] == ["received", "assigned", "acknowledged"]
        second = client.post(
            "/api/v1/petitions", json={"text": ROAD + " lần 2"}, headers=auth["secretariat"]
        ).json()
        assert second["id"] != code
        listing = client.get("/api/v1/petitions", headers=auth["admin"]).json()
        assert listing["total"] == 2
