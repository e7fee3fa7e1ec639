"""Inbox filters, accent-insensitive search, pagination and sort; reports and exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest

from kiennghi.service.reports.service import EXPORT_COLUMNS
from tests.service.conftest import Api

HEADERS = [h for _f, h in EXPORT_COLUMNS]


@pytest.fixture
def filled(api: Api) -> dict[str, str]:
    today = api.clock().date()
    codes = {
        "road": api.submit(
            "Đề nghị nâng cấp đường giao thông nông thôn xã Hòa Bình",
            association="hoi-nong-dan",
            received_on=(today - timedelta(days=10)).isoformat(),
        )["id"],
        "hospital": api.submit(
            "Bệnh viện huyện thiếu bác sĩ, đề nghị bổ sung", association="hoi-nguoi-cao-tuoi"
        )["id"],
        "funding": api.submit("Đề nghị HỖ TRỢ KINH PHÍ hoạt động cho chi hội", association="hoi-nong-dan")[
            "id"
        ],
        "clinic": api.submit("Trạm y tế xã xuống cấp, đề nghị sửa chữa sớm", association="hoi-phu-nu")["id"],
        "formula": api.submit('=HYPERLINK("x") Đường làng ngập nước', association="cu-tri")["id"],
    }
    return codes


def ids(response: object) -> list[str]:
    return [i["id"] for i in response.json()["items"]]  # type: ignore[attr-defined]


def test_accent_insensitive_search(api: Api, filled: dict[str, str]) -> None:
    r = api.get("secretariat", "/api/v1/petitions", params={"q": "ho tro kinh phi"})
    assert ids(r) == [filled["funding"]]
    r = api.get("secretariat", "/api/v1/petitions", params={"q": "Hỗ trợ kinh phí"})
    assert ids(r) == [filled["funding"]]
    r = api.get("secretariat", "/api/v1/petitions", params={"q": "hoa binh"})
    assert ids(r) == [filled["road"]]
    # Wildcards in the query are literal characters.
    assert api.get("secretariat", "/api/v1/petitions", params={"q": "%"}).json()["total"] == 0


def test_filters_pagination_sort(api: Api, filled: dict[str, str]) -> None:
    def listing(who: str = "secretariat", **params: object) -> list[str]:
        r = api.get(who, "/api/v1/petitions", params=params)
        assert r.status_code == 200, r.text
        return ids(r)

    assert set(listing(association="hoi-nong-dan")) == {filled["road"], filled["funding"]}
    assert listing(status="needs_review") == [filled["funding"]]
    assert set(listing(status="needs_review,assigned")) == set(filled.values())
    assert listing(sector="y-te", sort="id") == [filled["hospital"], filled["clinic"]]
    today = api.clock().date()
    assert listing(received_to=(today - timedelta(days=1)).isoformat()) == [filled["road"]]
    assert filled["road"] not in listing(received_from=today.isoformat())
    assert set(listing(department="so-y-te")) == {filled["hospital"], filled["clinic"]}
    assert set(listing(department="so-y-te", role="lead")) == {filled["hospital"], filled["clinic"]}
    assert listing("xay-dung", role="coordinating") == []
    page1 = api.get(
        "secretariat", "/api/v1/petitions", params={"page_size": 2, "page": 1, "sort": "id"}
    ).json()
    page3 = api.get(
        "secretariat", "/api/v1/petitions", params={"page_size": 2, "page": 3, "sort": "id"}
    ).json()
    assert page1["total"] == page3["total"] == 5
    assert [i["id"] for i in page1["items"]] == [filled["road"], filled["hospital"]]
    assert [i["id"] for i in page3["items"]] == [filled["formula"]]
    assert listing(sort="-received_on")[-1] == filled["road"]
    bad = api.get("secretariat", "/api/v1/petitions", params={"sort": "text"})
    assert bad.status_code == 422 and "received_on" in bad.json()["detail"]


def test_reports_summary(api: Api, filled: dict[str, str]) -> None:
    code = filled["hospital"]
    api.post("y-te", f"/api/v1/petitions/{code}/answer", json={"answer_text": "Đã bổ sung"})
    api.clock.advance(40)
    report = api.get("secretariat", "/api/v1/reports/summary").json()
    assert report["total"] == 5
    assert report["by_status"]["answered"] == 1 and report["by_status"]["needs_review"] == 1
    assert report["overdue"] == 3  # road, clinic, formula: 30-day deadline passed
    assert report["answered"] == 1 and report["median_days_to_answer"] == 0
    by_body = {(b["department"], b["role"]): b for b in report["by_body"]}
    assert by_body[("so-y-te", "lead")]["total"] == 2
    assert by_body[("so-y-te", "lead")]["overdue"] == 1
    assert by_body[("so-xay-dung", "lead")]["overdue"] == 2
    assert by_body[("so-y-te", "lead")]["department_name"] == "Sở Y tế"
    sectors = {s["sector"]: s for s in report["by_sector"]}
    assert sectors["y-te"]["total"] == 2 and sectors["y-te"]["label"]
    associations = {a["association"]: a for a in report["by_association"]}
    assert associations["hoi-nong-dan"]["total"] == 2
    assert associations["hoi-nong-dan"]["label"] == "Hội Nông dân"
    # A department's report covers its own items only.
    mine = api.get("y-te", "/api/v1/reports/summary").json()
    assert mine["total"] == 2


def test_exports_xlsx_and_csv(api: Api, filled: dict[str, str]) -> None:
    r = api.get("secretariat", "/api/v1/petitions/export", params={"format": "xlsx", "sector": "y-te"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert "Mã kiến nghị" in rows[0] and "Cơ quan chủ trì" in rows[0]
    assert {row[0] for row in rows[1:]} == {filled["hospital"], filled["clinic"]}
    assert {row[HEADERS.index("Cơ quan chủ trì")] for row in rows[1:]} == {"Sở Y tế"}

    r = api.get("secretariat", "/api/v1/petitions/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    reader = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert reader[0] == HEADERS and len(reader) == 6
    text = {row[0]: row[HEADERS.index("Nội dung kiến nghị")] for row in reader[1:]}
    assert text[filled["formula"]].startswith("'=")  # formulas are neutralised
    statuses = {row[HEADERS.index("Trạng thái")] for row in reader[1:]}
    assert statuses == {"Đã giao", "Chờ duyệt"}
    # A department exports only what it can see.
    r = api.get("y-te", "/api/v1/petitions/export", params={"format": "csv"})
    assert len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) == 3
    assert date.today()  # keep the import used
