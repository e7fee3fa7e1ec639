"""The review queue, clerks' decisions kept as corrections, returns and reassignments."""

from __future__ import annotations

from kiennghi.service.review.repository import CorrectionRepository
from tests.service.conftest import Api

FUNDING = "Đề nghị hỗ trợ kinh phí sửa chữa trường học xã Tân Lập"
ROAD = "Đề nghị sửa chữa tuyến đường liên xã bị sạt lở"


def _corrections(api: Api) -> list[tuple[str, str, str, str]]:
    with api.services.reader() as ctx:
        return [
            (code, c.kind, c.sector, c.lead_department) for c, code in CorrectionRepository(ctx.session).all()
        ]


def test_uncertain_item_waits_with_suggestions_then_confirm(api: Api) -> None:
    item = api.submit(FUNDING, association="hoi-phu-nu")
    assert item["needs_review"] is True and item["status"] == "needs_review"
    assert item["lead_department"] is None and item["deadline"] is None
    # Nobody's inbox shows it yet.
    assert api.get("xay-dung", f"/api/v1/petitions/{item['id']}").status_code == 404

    queue = api.get("secretariat", "/api/v1/review").json()
    assert queue["total"] == 1
    entry = queue["items"][0]
    assert entry["id"] == item["id"]
    top = entry["suggestions"][0]
    assert top["sector"] == "tai-chinh-ngan-sach" and top["lead_department"] == "so-tai-chinh"
    assert top["words"] == ["kinh phi"] and top["sector_label"]
    assert entry["suggestions"][1]["sector"] == "giao-duc"

    r = api.post("secretariat", f"/api/v1/review/{item['id']}/confirm")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "assigned" and body["lead_department"] == "so-tai-chinh"
    assert body["coordinating_departments"] == ["so-giao-duc-dao-tao"]
    assert body["history"][-1]["action"] == "confirmed"
    assert api.get("secretariat", "/api/v1/review").json()["total"] == 0
    assert _corrections(api) == [(item["id"], "confirm", "tai-chinh-ngan-sach", "so-tai-chinh")]
    # A decided item cannot be decided again.
    assert api.post("secretariat", f"/api/v1/review/{item['id']}/confirm").status_code == 409


def test_override_is_kept_as_correction(api: Api) -> None:
    code = api.submit(FUNDING)["id"]
    r = api.post(
        "secretariat",
        f"/api/v1/review/{code}/override",
        json={"sector": "giao-duc", "reason": "Kinh phí trường học do Sở GD chủ trì"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["lead_department"] == "so-giao-duc-dao-tao"
    assert r.json()["sector"] == "giao-duc"
    assert r.json()["history"][-1]["reason"] == "Kinh phí trường học do Sở GD chủ trì"
    assert _corrections(api) == [(code, "override", "giao-duc", "so-giao-duc-dao-tao")]
    with api.services.reader() as ctx:
        correction = CorrectionRepository(ctx.session).all()[0][0]
    assert correction.predicted_sector == "tai-chinh-ngan-sach"
    assert correction.model_version == "fake-1"
    assert correction.actor.startswith("secretariat")


def test_override_with_explicit_bodies(api: Api) -> None:
    code = api.submit(FUNDING)["id"]
    r = api.post(
        "secretariat",
        f"/api/v1/review/{code}/override",
        json={
            "sector": "giao-duc",
            "lead_department": "so-tai-chinh",
            "coordinating_departments": ["so-giao-duc-dao-tao", "ubnd-cap-xa"],
        },
    )
    assert r.json()["lead_department"] == "so-tai-chinh"
    assert r.json()["coordinating_departments"] == ["so-giao-duc-dao-tao", "ubnd-cap-xa"]


def test_return_sends_back_to_review_and_reassign_renotifies(api: Api) -> None:
    code = api.submit(ROAD)["id"]
    assert api.post("xay-dung", f"/api/v1/petitions/{code}/acknowledge").status_code == 200
    # A reason is required.
    assert api.post("xay-dung", f"/api/v1/petitions/{code}/return", json={"reason": "  "}).status_code == 422
    r = api.post("xay-dung", f"/api/v1/petitions/{code}/return", json={"reason": "Đường do xã quản lý"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "needs_review"
    last = r.json()["history"][-1]
    assert last["action"] == "returned"
    assert last["reason"] == "Không thuộc thẩm quyền: Đường do xã quản lý"
    assert last["actor"].startswith("xay-dung")
    # The returning body no longer sees the item; the secretariat finds it in review.
    assert api.get("xay-dung", f"/api/v1/petitions/{code}").status_code == 404
    assert [i["id"] for i in api.get("secretariat", "/api/v1/review").json()["items"]] == [code]

    r = api.post(
        "secretariat",
        f"/api/v1/petitions/{code}/reassign",
        json={"sector": "y-te", "reason": "Giao lại theo đề nghị của Sở Xây dựng"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["lead_department"] == "so-y-te" and r.json()["status"] == "assigned"
    event = r.json()["history"][-1]
    assert event["action"] == "reassigned" and event["detail"]["notified"] == ["so-y-te"]
    assert api.get("y-te", f"/api/v1/petitions/{code}").status_code == 200

    # Reassigning an item being worked on: the new body is notified, the old one loses it.
    r = api.post(
        "secretariat",
        f"/api/v1/petitions/{code}/reassign",
        json={
            "sector": "giao-thong",
            "lead_department": "so-xay-dung",
            "coordinating_departments": ["so-y-te"],
            "reason": "Cần cả hai sở",
        },
    )
    assert r.json()["lead_department"] == "so-xay-dung"
    assert r.json()["history"][-1]["detail"]["notified"] == ["so-xay-dung", "so-y-te"]
    assert r.json()["acknowledged_by"] == []  # everyone must acknowledge again
    assert r.json()["history"][-1]["from_status"] == "assigned"
    kinds = [k for _c, k, _s, _l in _corrections(api)]
    assert kinds == ["reassign", "reassign"]
    # A coordinating body cannot return the item.
    assert api.post("y-te", f"/api/v1/petitions/{code}/return", json={"reason": "x"}).status_code == 403
    # History is append-only: every step is still there in order.
    history = api.get("admin", f"/api/v1/petitions/{code}").json()["history"]
    assert [e["action"] for e in history] == [
        "received",
        "assigned",
        "acknowledged",
        "returned",
        "reassigned",
        "reassigned",
    ]


def test_history_cannot_be_rewritten(api: Api) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    api.submit(ROAD)
    for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"), api.services.unit() as ctx:
            ctx.session.execute(text(statement))
    with api.services.reader() as ctx:
        assert ctx.session.execute(text("SELECT count(*) FROM events")).scalar() == 2
