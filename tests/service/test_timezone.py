"""The business day is Việt Nam's (KIENNGHI_TIMEZONE), not UTC's: at 23:30 UTC it is already
06:30 the next morning in the province. Instants stay UTC in storage and in the JSON API;
exports show the province's clock."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from kiennghi.catalog import load_catalog
from kiennghi.errors import SettingsError
from kiennghi.service.app import create_app
from kiennghi.service.reports.service import EXPORT_COLUMNS
from kiennghi.settings import Settings
from kiennghi.timezone import load_zone, local_date
from tests.service.conftest import Api, Clock, make_keys
from tests.service.fakes import FakeClassifier

LATE_EVENING_UTC = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 06:30 on 11/03 in Việt Nam
ROAD = "Đề nghị sửa đường liên xã bị sạt lở"  # the fake model assigns it to so-xay-dung
HEADERS = [h for _f, h in EXPORT_COLUMNS]


@pytest.fixture
def clock() -> Clock:
    fixed = Clock()
    fixed.now = LATE_EVENING_UTC
    return fixed


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 3, 10, 16, 59, 59, tzinfo=UTC), date(2026, 3, 10)),
        (datetime(2026, 3, 10, 17, 0, tzinfo=UTC), date(2026, 3, 11)),
        (LATE_EVENING_UTC, date(2026, 3, 11)),
        (datetime(2026, 3, 10, 23, 30), date(2026, 3, 11)),  # naive: stored UTC
        (datetime(2026, 12, 31, 18, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_local_date(instant: datetime, expected: date) -> None:
    assert local_date(instant, load_zone("Asia/Ho_Chi_Minh")) == expected


def test_timezone_setting() -> None:
    assert Settings.from_env({}).timezone == "Asia/Ho_Chi_Minh"
    assert Settings.from_env({"KIENNGHI_TIMEZONE": "UTC"}).zone.key == "UTC"
    with pytest.raises(SettingsError, match=r"KIENNGHI_TIMEZONE.*Asia/Ho_Chi_Minh"):
        Settings.from_env({"KIENNGHI_TIMEZONE": "Asia/Hanoi-Saigon"})


def test_received_date_deadline_and_id_follow_the_province_day(api: Api) -> None:
    item = api.submit(ROAD)
    days = api.services.catalog.policy.deadline_for("giao-thong")
    assert item["received_on"] == "2026-03-11"
    assert item["deadline"] == (date(2026, 3, 11) + timedelta(days=days)).isoformat()
    assert item["created_at"].startswith("2026-03-10T23:30:00")  # the instant itself: UTC
    assert item["created_at"].endswith(("Z", "+00:00"))

    def codes(**params: str) -> list[str]:
        return [i["id"] for i in api.get("secretariat", "/api/v1/petitions", params=params).json()["items"]]

    assert codes(received_from="2026-03-11", received_to="2026-03-11") == [item["id"]]
    assert codes(received_to="2026-03-10") == []


def test_overdue_starts_at_local_midnight(api: Api) -> None:
    item = api.submit(ROAD)
    deadline = date.fromisoformat(item["deadline"])

    def overdue() -> tuple[bool, int]:
        one = api.get("secretariat", f"/api/v1/petitions/{item['id']}").json()["overdue"]
        report = api.get("secretariat", "/api/v1/reports/summary").json()["overdue"]
        return one, report

    # 23:30 on the deadline in Việt Nam (16:30 UTC): still in time.
    api.clock.now = datetime.combine(deadline, datetime.min.time(), UTC) + timedelta(hours=16, minutes=30)
    assert overdue() == (False, 0)
    # 00:30 the next day in Việt Nam, though still the deadline day in UTC: overdue.
    api.clock.now += timedelta(hours=1)
    assert api.clock.now.date() == deadline
    assert overdue() == (True, 1)
    listed = api.get("secretariat", "/api/v1/petitions", params={"overdue": "true"}).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]


def test_export_shows_local_time(api: Api) -> None:
    code = api.submit(ROAD)["id"]
    api.clock.now = datetime(2026, 3, 12, 22, 15, tzinfo=UTC)  # 05:15 on 13/03 in Việt Nam
    r = api.post("xay-dung", f"/api/v1/petitions/{code}/answer", json={"answer_text": "Đã sửa"})
    assert r.status_code == 200, r.text
    r = api.get("secretariat", "/api/v1/petitions/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert row["Ngày nhận"] == "11/03/2026"
    assert row["Thời điểm tiếp nhận"] == "11/03/2026 06:30"
    assert row["Ngày trả lời"] == "13/03/2026"
    assert row["Thời điểm trả lời"] == "13/03/2026 05:15"
    assert 'filename="kien-nghi-20260313.csv"' in r.headers["content-disposition"]


def test_new_year_in_the_province_starts_a_new_numbering(api: Api) -> None:
    api.clock.now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    item = api.submit(ROAD)
    assert item["id"] == "KN-2027-000001" and item["received_on"] == "2027-01-01"


def test_timezone_is_configurable(settings: Settings, clock: Clock) -> None:
    utc = replace(settings, timezone="UTC")
    app = create_app(utc, classifier=FakeClassifier(load_catalog(utc)), clock=clock)
    with TestClient(app) as client:
        key = make_keys(app.state.services)["secretariat"]
        r = client.post("/api/v1/petitions", json={"text": ROAD}, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 201, r.text
        assert r.json()["received_on"] == "2026-03-10" and r.json()["id"].startswith("KN-2026-")
