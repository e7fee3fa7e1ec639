"""Group commit of single submits: batches share a transaction, each item keeps its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from kiennghi.catalog import load_catalog
from kiennghi.service.app import build_services
from kiennghi.service.auth.permissions import Principal
from kiennghi.service.config import ServiceConfig
from kiennghi.service.errors import FieldError
from kiennghi.service.petitions.domain import Classifier, NewPetition
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.writer import SubmitWriter
from kiennghi.service.services import Services
from kiennghi.service.tables import Event, Petition, PetitionBody, PetitionClassification
from kiennghi.settings import Settings
from tests.service.conftest import Api
from tests.service.fakes import FakeClassifier

CLERK = Principal(key_id=7, name="Văn phòng", role="secretariat")
ROAD = "Cử tri đề nghị sửa đường liên xã"


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings, ServiceConfig(), FakeClassifier(load_catalog(settings)), None, True)
    try:
        yield built
    finally:
        built.close()


class GatedBackend:
    """The service's backend, except the first batch waits at a gate: the rest queue behind it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.gate = threading.Event()
        self.first = True

    def unit(self) -> Any:
        return self.services.unit()

    def classifier(self) -> Classifier:
        if self.first:
            self.first = False
            assert self.gate.wait(10)
        return self.services.classifier()


def counts(services: Services) -> dict[str, int]:
    with services.reader() as ctx:
        session = ctx.session
        return {
            table.__tablename__: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Petition, PetitionClassification, PetitionBody, Event)
        }


async def submit_all(
    writer: SubmitWriter, items: list[tuple[NewPetition, str | None]], gate: threading.Event
) -> list[Any]:
    first = asyncio.ensure_future(writer.submit(CLERK, *items[0]))
    await asyncio.sleep(0.2)  # the writer took the first item and waits at the gate
    rest = [asyncio.ensure_future(writer.submit(CLERK, item, dedupe)) for item, dedupe in items[1:]]
    tasks = [first, *rest]
    await asyncio.sleep(0.2)  # every other submit is queued behind it
    gate.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def test_concurrent_submits_share_a_batch_and_are_stored_once(services: Services) -> None:
    backend = GatedBackend(services)
    writer = SubmitWriter(backend, max_batch=64)
    items = [(NewPetition(text=f"{ROAD} số {i}"), None) for i in range(30)]
    try:
        results = asyncio.run(submit_all(writer, items, backend.gate))
    finally:
        writer.close()
    assert writer.batches == 2  # the gated first item alone, then the 29 that queued behind it
    codes = [r.view.petition.code for r in results]
    assert len(set(codes)) == 30
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, 31))  # one block of numbers, none skipped
    # Each reply is its own item, in the order it was submitted.
    assert [r.view.petition.text for r in results] == [item.text for item, _ in items]
    assert all(r.view.lead_department == "so-xay-dung" for r in results)
    assert counts(services) == {"petitions": 30, "classifications": 30, "petition_bodies": 30, "events": 60}


def test_a_bad_item_fails_alone_and_the_rest_of_its_batch_is_stored(services: Services) -> None:
    backend = GatedBackend(services)
    writer = SubmitWriter(backend, max_batch=64)
    items: list[tuple[NewPetition, str | None]] = [
        (NewPetition(text=f"{ROAD} {i}"), f"k{i}") for i in range(6)
    ]
    items.insert(3, (NewPetition(text="   "), None))  # fails validation, before any SQL
    items.insert(5, (NewPetition(text=f"{ROAD} lặp"), "k2"))  # violates the unique dedupe key
    try:
        results = asyncio.run(submit_all(writer, items, backend.gate))
    finally:
        writer.close()
    assert isinstance(results[3], FieldError)
    assert isinstance(results[5], IntegrityError)
    stored = [r for r in results if not isinstance(r, BaseException)]
    assert len(stored) == 6
    assert len({r.view.petition.code for r in stored}) == 6
    assert counts(services) == {"petitions": 6, "classifications": 6, "petition_bodies": 6, "events": 12}


def test_a_database_failure_fails_the_whole_batch_and_writes_nothing(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: PetitionRepository, rows: Any) -> None:
        raise OperationalError("INSERT INTO events …", {}, Exception("ổ đĩa đầy"))

    monkeypatch.setattr(PetitionRepository, "add_event_rows", broken)
    backend = GatedBackend(services)
    writer = SubmitWriter(backend)
    items: list[tuple[NewPetition, str | None]] = [(NewPetition(text=f"{ROAD} {i}"), None) for i in range(5)]
    try:
        results = asyncio.run(submit_all(writer, items, backend.gate))
    finally:
        writer.close()
    assert all(isinstance(r, OperationalError) for r in results)
    monkeypatch.undo()
    assert counts(services) == {"petitions": 0, "classifications": 0, "petition_bodies": 0, "events": 0}


def test_concurrent_http_submits_each_get_their_own_item(api: Api) -> None:
    texts = [f"{ROAD} đoạn {i}" if i % 3 else f"Đề nghị hỗ trợ kinh phí chi hội {i}" for i in range(40)]

    def send(text: str) -> dict[str, Any]:
        return api.submit(text)  # asserts 201

    with ThreadPoolExecutor(8) as pool:
        created = list(pool.map(send, texts))
    assert [c["text"] for c in created] == texts
    assert len({c["id"] for c in created}) == 40
    # "kinh phí" is the fake model's uncertain case: those wait for review, the rest are assigned.
    assert [c["status"] for c in created] == ["needs_review" if i % 3 == 0 else "assigned" for i in range(40)]
    for c in created[:5]:
        detail = api.get("admin", f"/api/v1/petitions/{c['id']}").json()
        assert detail["text"] == c["text"]
        assert detail["history"][0]["action"] == "received"
    assert counts(api.services)["petitions"] == 40
