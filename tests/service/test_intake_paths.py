"""One intake path: an uploaded row, an imported file and a single submit route the same item alike.

A petition is assigned with the directory in force on the day it was received, whichever way it
came in: here the directory hands road matters to another body part-way through the year.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kiennghi.catalog import load_catalog
from kiennghi.resources import bundled_data_path
from kiennghi.service.app import create_app
from kiennghi.settings import Settings
from tests.service.conftest import Api, Clock, make_keys
from tests.service.fakes import FakeClassifier

ROAD = "Cử tri đề nghị sửa chữa tuyến đường liên thôn bị xuống cấp"
BEFORE_LEAD = "so-xay-dung"  # giao-thong's lead in the bundled directory
AFTER_LEAD = "so-cong-thuong"


@pytest.fixture
def changed(settings: Settings, clock: Clock, tmp_path: Path) -> Iterator[tuple[Api, dict[str, str]]]:
    """The app on a directory where road matters move to another body 60 days before today."""
    today = clock.now.date()
    change = today - timedelta(days=60)
    directory = tmp_path / "directory.csv"
    bundled = bundled_data_path("directory.csv").read_text(encoding="utf-8")
    directory.write_text(bundled.rstrip("\n") + f"\n{change.isoformat()},giao-thong,{AFTER_LEAD},\n", "utf-8")
    moved = dataclasses.replace(settings, directory=directory)
    app = create_app(moved, classifier=FakeClassifier(load_catalog(moved)), clock=clock)
    days = {
        "before": (change - timedelta(days=30)).isoformat(),
        "after": (change + timedelta(days=30)).isoformat(),
    }
    with TestClient(app) as client:
        yield Api(client, make_keys(app.state.services), clock), days


@pytest.mark.parametrize("when", ["before", "after"])
def test_upload_and_single_submit_route_alike(changed: tuple[Api, dict[str, str]], when: str) -> None:
    api, days = changed
    received = days[when]
    expected = BEFORE_LEAD if when == "before" else AFTER_LEAD

    single = api.submit(ROAD, received_on=received)
    assert single["lead_department"] == expected, single

    sheet = f'Nội dung,Ngày nhận,STT\n"{ROAD}",{received},1\n'.encode()
    r = api.client.post(
        "/api/v1/petitions/upload",
        files={"file": ("tong-hop.csv", io.BytesIO(sheet), "text/csv")},
        headers=api.headers("secretariat"),
    )
    assert r.status_code == 200, r.text
    row = r.json()["rows"][0]
    assert row["status"] == "created", row
    uploaded = api.get("admin", f"/api/v1/petitions/{row['id']}").json()

    assert uploaded["received_on"] == single["received_on"] == received
    assert uploaded["lead_department"] == single["lead_department"] == expected
    assert uploaded["coordinating_departments"] == single["coordinating_departments"]
    assert uploaded["sector"] == single["sector"] == "giao-thong"
