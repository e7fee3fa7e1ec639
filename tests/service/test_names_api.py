"""Associations and bodies by name or abbreviation wherever the API takes their code: the code is
stored; an unknown name is a 422 (or a row error) with the closest names."""

from __future__ import annotations

from tests.service.conftest import Api

PROBLEM = "application/problem+json"
ROAD = "Đề nghị sửa chữa tuyến đường liên xã bị sạt lở"
FUNDING = "Đề nghị hỗ trợ kinh phí sửa chữa trường học xã Tân Lập"


def test_submit_by_name_stores_the_code(api: Api) -> None:
    for name in ("Hội ND", "hoi nong dan", "Hội Nông dân tỉnh Tuyên Quang", "hoi-nong-dan"):
        item = api.submit(ROAD + " " + name, association=name)
        assert item["association"] == "hoi-nong-dan", name
        stored = api.get("admin", f"/api/v1/petitions/{item['id']}").json()
        assert stored["association"] == "hoi-nong-dan"
    assert api.submit(ROAD, association="Hội CCB")["association"] == "hoi-cuu-chien-binh"


def test_unknown_association_name_is_422_with_suggestions(api: Api) -> None:
    r = api.post("secretariat", "/api/v1/petitions", json={"text": ROAD, "association": "Hội Nông dâm"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["value"] == "Hội Nông dâm" and body["kind"] == "hội"
    assert body["suggestions"][0] == {"code": "hoi-nong-dan", "name": "Hội Nông dân"}
    assert len(body["suggestions"]) <= 3
    assert "Hội Nông dâm" in body["detail"] and "hoi-nong-dan" in body["detail"]
    assert api.get("admin", "/api/v1/petitions").json()["total"] == 0


def test_filters_take_names(api: Api) -> None:
    api.submit(ROAD, association="Hội Phụ nữ")
    api.submit(ROAD + " thôn 2", association="Hội CCB")
    listed = api.get("admin", "/api/v1/petitions", params={"association": "Hoi LHPN"}).json()
    assert listed["total"] == 1 and listed["items"][0]["association"] == "hoi-phu-nu"
    r = api.get("admin", "/api/v1/petitions", params={"department": "Sở GTVT"})
    assert r.status_code == 200, r.text
    r = api.get("admin", "/api/v1/petitions", params={"department": "Sở Giao thôngg vận tảii"})
    assert r.status_code == 422
    assert r.json()["suggestions"][0]["code"] == "so-xay-dung"


def test_override_and_reassign_take_body_names(api: Api) -> None:
    code = api.submit(FUNDING)["id"]
    r = api.post(
        "secretariat",
        f"/api/v1/review/{code}/override",
        json={
            "sector": "giao-duc",
            "lead_department": "Sở GD&ĐT",
            "coordinating_departments": ["Sở Tài chính tỉnh", "so ke hoach va dau tu", "UBND xã"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["lead_department"] == "so-giao-duc-dao-tao"
    assert r.json()["coordinating_departments"] == ["so-tai-chinh", "ubnd-cap-xa"]
    r = api.post(
        "secretariat",
        f"/api/v1/petitions/{code}/reassign",
        json={"sector": "giao-duc", "lead_department": "Sở Y tê tinhh", "reason": "Nhầm cơ quan"},
    )
    assert r.status_code == 422
    assert any(s["code"] == "so-y-te" for s in r.json()["suggestions"])
    r = api.post(
        "secretariat",
        f"/api/v1/petitions/{code}/reassign",
        json={"sector": "y-te", "lead_department": "Bộ Y tế", "reason": "Nhầm cơ quan"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["lead_department"] == "so-y-te"


def _csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(f'"{c}"' for c in row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_upload_rows_by_association_name(api: Api) -> None:
    rows = [
        ["STT", "Nội dung", "Hội"],
        ["1", "Đề nghị sửa đường liên thôn", "Hội ND"],
        ["2", "Bệnh viện quá tải", "hoi nguoi cao tuoi"],
        ["3", "Trường học dột nát", "Hội Nông dâm"],
        ["4", "Hỗ trợ vốn vay cho hội viên", "Hội Làm Gốm"],
    ]
    files = {"file": ("bao-cao.csv", _csv(rows), "text/csv")}
    report = api.post("secretariat", "/api/v1/petitions/upload", files=files).json()
    assert [r["status"] for r in report["rows"]] == ["created", "created", "error", "error"]
    first = api.get("admin", f"/api/v1/petitions/{report['rows'][0]['id']}").json()
    assert first["association"] == "hoi-nong-dan"
    second = api.get("admin", f"/api/v1/petitions/{report['rows'][1]['id']}").json()
    assert second["association"] == "hoi-nguoi-cao-tuoi"
    bad = report["rows"][2]
    assert "Hội Nông dâm" in bad["error"] and "hoi-nong-dan" in bad["error"]
    assert bad["value"] == "Hội Nông dâm" and bad["suggestions"][0]["code"] == "hoi-nong-dan"
    assert "Hội Làm Gốm" in report["rows"][3]["error"]
    # The same file again: the rows stored by code are recognised as already there.
    again = api.post("secretariat", "/api/v1/petitions/upload", files=files).json()
    assert (again["created"], again["duplicates"], again["errors"]) == (0, 2, 2)
