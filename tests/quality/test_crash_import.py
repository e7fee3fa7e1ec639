"""kill -9 the server in the middle of a 1,000-row import, restart it, import the same file
again: every row is stored exactly once."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from kiennghi.catalog import load_catalog
from kiennghi.catalog.associations import load_associations
from kiennghi.service.auth.keys import create_key
from kiennghi.service.context import Context
from kiennghi.service.db import make_engine, make_sessionmaker, upgrade
from kiennghi.settings import Settings
from tests.live_server import fake_app_command, live_server

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1000


@contextmanager
def server(settings: Settings, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KIENNGHI_", "KN_"))}
    environ |= {
        "KIENNGHI_HOME": str(settings.home),
        "KIENNGHI_DATABASE_URL": str(settings.database_url),
        **env,
    }

    with live_server(fake_app_command, environ, timeout=60, cwd=ROOT) as (base, process, _seconds):
        yield base, process


def _key(settings: Settings) -> str:
    engine = make_engine(str(settings.database_url))
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as session, session.begin():
            ctx = Context(
                session, load_catalog(settings), load_associations(), datetime.now(UTC), settings.zone
            )
            return create_key(ctx, "secretariat", None, "import")[1]
    finally:
        engine.dispose()


def _stored(settings: Settings) -> tuple[int, int]:
    engine = make_engine(str(settings.database_url))
    try:
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM petitions")).scalar_one()
            distinct = conn.execute(text("SELECT count(DISTINCT text) FROM petitions")).scalar_one()
        return int(total), int(distinct)
    finally:
        engine.dispose()


def _upload(base: str, key: str, path: Path, timeout: float = 120) -> httpx.Response:
    with path.open("rb") as handle:
        return httpx.post(
            f"{base}/api/v1/petitions/upload",
            timeout=timeout,
            headers={"Authorization": f"Bearer {key}"},
            files={"file": (path.name, handle, "text/csv")},
        )


def test_kill_9_during_import_then_reimport_stores_every_row_once(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "bao-cao-tong-hop.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["STT", "Nội dung kiến nghị", "Hội", "Văn bản nguồn"])
        for n in range(1, ROWS + 1):
            writer.writerow(
                [n, f"Đường liên thôn số {n} xuống cấp, đề nghị sửa chữa", "hoi-nong-dan", "BC-12/2025"]
            )
    key = _key(settings)
    marker = tmp_path / "stalled"

    with server(settings, KN_FAULT_MARKER=str(marker), KN_FAULT_AFTER=str(ROWS // 2)) as (base, process):
        outcome: dict[str, object] = {}
        upload = threading.Thread(target=lambda: outcome.update(r=_try(base, key, source)))
        upload.start()
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline, "the import never reached the halfway point"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # 500 rows written, not committed
        upload.join(timeout=30)
        assert isinstance(outcome.get("r"), httpx.TransportError)  # the client saw the crash
    assert _stored(settings) == (0, 0)  # nothing half-imported survives the crash

    with server(settings) as (base, _process):
        first = _upload(base, key, source)
        assert first.status_code == 200, first.text
        assert (first.json()["created"], first.json()["errors"]) == (ROWS, 0)
        again = _upload(base, key, source)  # a clerk who is unsure retries: nothing doubles
        assert (again.json()["created"], again.json()["duplicates"]) == (0, ROWS)
    assert _stored(settings) == (ROWS, ROWS)


def _try(base: str, key: str, path: Path) -> object:
    try:
        return _upload(base, key, path)
    except httpx.TransportError as e:
        return e


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    return Settings.from_env({"KIENNGHI_HOME": str(home), "KIENNGHI_DATABASE_URL": database_url})
