"""The submit response shows the model's proposal, and why a clerk must look, in words."""

from __future__ import annotations

import re

from tests.service.conftest import Api

FUNDING = "Đề nghị hỗ trợ kinh phí sửa chữa trường học xã Tân Lập"
ROAD = "Đề nghị sửa chữa tuyến đường liên xã bị sạt lở"


def test_an_item_waiting_for_review_shows_its_top_suggestion_and_the_reason(api: Api) -> None:
    item = api.submit(FUNDING, association="hoi-phu-nu")
    assert item["needs_review"] is True and item["lead_department"] is None
    suggestion = item["suggestion"]
    assert suggestion["lead_department"] == "so-tai-chinh"
    assert suggestion["sector"] == "tai-chinh-ngan-sach" and suggestion["sector_label"]
    assert suggestion["review_reason"] == "low_confidence"
    assert [c["lead_department"] for c in suggestion["candidates"]][:2] == [
        "so-tai-chinh",
        "so-giao-duc-dao-tao",
    ]
    text = suggestion["reason_text"]
    assert "Sở Tài chính" in text and "45%" in text and "60%" in text
    # No raw figures such as "0.45 dưới ngưỡng 0.60" reach the clerk.
    assert not re.search(r"\d\.\d\d", text)

    history = api.get("secretariat", f"/api/v1/petitions/{item['id']}").json()["history"]
    assert history[-1]["action"] == "queued_for_review" and history[-1]["reason"] == text


def test_a_routed_item_says_why_it_skipped_review(api: Api) -> None:
    item = api.submit(ROAD)
    assert item["needs_review"] is False and item["lead_department"] == "so-xay-dung"
    assert item["suggestion"]["review_reason"] is None
    assert "Sở Xây dựng" in item["suggestion"]["reason_text"]
