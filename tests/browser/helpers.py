"""Data for the browser tests, through the live server's API (each test makes its own items)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.browser.conftest import LiveServer

UNSURE = "Đề nghị bổ sung kinh phí sửa chữa trường học"  # the fake model is unsure: review
ROAD = "Đề nghị nâng cấp đường trục xã"  # routed on its own to so-xay-dung


def marker() -> str:
    """A word no other test's items contain, to find this test's items by search."""
    return "ma" + uuid.uuid4().hex[:10]


def submit(live: LiveServer, text: str, **fields: Any) -> dict[str, Any]:
    response = httpx.post(
        live.url("/api/v1/petitions"),
        json={"text": text, **fields},
        headers={"Authorization": f"Bearer {live.keys['secretariat']}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def item(live: LiveServer, code: str) -> dict[str, Any]:
    response = httpx.get(
        live.url(f"/api/v1/petitions/{code}"),
        headers={"Authorization": f"Bearer {live.keys['admin']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
