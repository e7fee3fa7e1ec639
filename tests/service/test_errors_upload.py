"""Errors as problem+json (401, 404, 409, 413, 422 with valid codes), nothing half-written, and
the idempotent spreadsheet upload with its per-row report."""

from __future__ import annotations

import io

import openpyxl
import pytest

from kiennghi.service.review.repository import CorrectionRepository
from tests.service.conftest import Api

PROBLEM = "application/problem+json"
ROAD = "Đề nghị nâng cấp tuyến đường liên xã"


def _count(api: Api) -> int:
    return int(api.get("admin", "/api/v1/petitions").json()["total"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": 12}, "text"),
        ({"text": "Đường hư", "received_on": "31/02/2026"}, "received_on"),
        ({"text": "Đường hư", "unknown": 1}, "unknown"),
    ],
)
def test_invalid_petitions_are_422(api: Api, payload: dict[str, object], field: str) -> None:
    r = api.post("secretariat", "/api/v1/petitions", json=payload)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == 422 and body["title"]
    assert field in body.get("field", "") + str(body.get("errors", ""))
    assert _count(api) == 0


def test_limits_and_unknown_codes(api: Api) -> None:
    ok = api.post("secretariat", "/api/v1/petitions", json={"text": "Đường " + "x" * 19_994})
    assert ok.status_code == 201
    r = api.post("secretariat", "/api/v1/petitions", json={"text": ROAD, "association": "hoi-khong-co"})
    assert r.status_code == 422
    assert "hoi-nong-dan" in r.json()["valid"] and r.json()["value"] == "hoi-khong-co"
    assert "hoi-nong-dan" in r.json()["detail"]
    r = api.get("secretariat", "/api/v1/petitions", params={"department": "so-khong-co"})
    assert r.status_code == 422 and "so-y-te" in r.json()["valid"]
    r = api.get("secretariat", "/api/v1/petitions", params={"sector": "giao-thong-x"})
    assert r.status_code == 422 and "giao-thong" in r.json()["valid"]
    r = api.get("secretariat", "/api/v1/petitions", params={"status": "xong"})
    assert r.status_code == 422 and "answered" in r.json()["valid"]
    huge = api.client.post(
        "/api/v1/petitions",
        headers={**api.headers("secretariat"), "content-type": "application/json"},
        content=b'{"text": "' + b"a" * (2 << 20) + b'"}',
    )
    assert huge.status_code == 413 and huge.headers["content-type"].startswith(PROBLEM)
    assert _count(api) == 1


def test_auth_and_not_found(api: Api) -> None:
    r = api.client.get("/api/v1/petitions")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"].startswith(PROBLEM)
    r = api.client.get("/api/v1/petitions", headers={"Authorization": "Bearer kn_sai"})
    assert r.status_code == 401
    r = api.get("admin", "/api/v1/petitions/KN-2026-999999")
    assert r.status_code == 404 and "KN-2026-999999" in r.json()["detail"]
    assert api.get("admin", "/api/v1/khong-co").status_code == 404
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz").json()
    assert ready["status"] == "ok" and ready["checks"]["model"] == "fake-1"


def test_failed_decision_writes_nothing(api: Api) -> None:
    code = api.submit("Đề nghị hỗ trợ kinh phí cho chi hội")["id"]
    r = api.post(
        "secretariat",
        f"/api/v1/review/{code}/override",
        json={"sector": "giao-duc", "coordinating_departments": ["so-y-te", "so-khong-co"]},
    )
    assert r.status_code == 422 and "so-y-te" in r.json()["valid"]
    detail = api.get("admin", f"/api/v1/petitions/{code}").json()
    assert detail["status"] == "needs_review"
    assert [e["action"] for e in detail["history"]] == ["received", "queued_for_review"]
    with api.services.reader() as ctx:
        assert CorrectionRepository(ctx.session).all() == []


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(f'"{c}"' for c in row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_upload_is_idempotent_and_reports_each_row(api: Api) -> None:
    rows = [
        ["STT", "Nội dung", "Hội", "Văn bản nguồn", "Ngày nhận"],
        ["1", "Đề nghị sửa đường liên thôn", "hoi-nong-dan", "BC 01/2026", "05/01/2026"],
        ["2", "Bệnh viện quá tải", "Hội Người cao tuổi", "BC 01/2026", "2026-01-05"],
        ["3", "", "hoi-nong-dan", "BC 01/2026", ""],
        ["4", "Trường học dột nát", "hoi-khong-co", "BC 01/2026", ""],
        ["5", "Đề nghị sửa đường liên thôn", "hoi-nong-dan", "BC 01/2026", "05/01/2026"],
        ["6", "Hỗ trợ kinh phí hội", "hoi-nong-dan", "BC 01/2026", "99/99/2026"],
    ]
    rows[5][0] = "1"  # the same item repeated inside the file
    content = _csv(rows)
    files = {"file": ("bao-cao.csv", content, "text/csv")}
    first = api.post("secretariat", "/api/v1/petitions/upload", files=files)
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["created"], report["duplicates"], report["errors"]) == (2, 1, 3)
    statuses = [r["status"] for r in report["rows"]]
    assert statuses == ["created", "created", "error", "error", "duplicate", "error"]
    assert "hoi-nong-dan" in report["rows"][3]["error"]
    assert report["rows"][0]["id"].startswith("KN-")
    assert _count(api) == 2
    created = api.get("admin", f"/api/v1/petitions/{report['rows'][1]['id']}").json()
    assert created["association"] == "hoi-nguoi-cao-tuoi"
    assert created["received_on"] == "2026-01-05" and created["item_number"] == "2"

    again = api.post("secretariat", "/api/v1/petitions/upload", files=files).json()
    assert (again["created"], again["duplicates"], again["errors"]) == (0, 3, 3)
    assert again["rows"][0]["id"] == report["rows"][0]["id"]
    assert _count(api) == 2

    # The same rows as XLSX are the same items.
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows[:3]:
        sheet.append(row)
    sheet.append(["7", "Chợ xã xuống cấp", "cu-tri", "BC 01/2026", None])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = api.post(
        "secretariat",
        "/api/v1/petitions/upload",
        files={
            "file": (
                "bao-cao.xlsx",
                buffer.getvalue(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
    ).json()
    assert (xlsx["created"], xlsx["duplicates"]) == (1, 2)
    assert _count(api) == 3

    assert (
        api.post(
            "secretariat", "/api/v1/petitions/upload", files={"file": ("x.txt", b"abc", "text/plain")}
        ).status_code
        == 422
    )
    assert api.post("analyst", "/api/v1/petitions/upload", files=files).status_code == 403
