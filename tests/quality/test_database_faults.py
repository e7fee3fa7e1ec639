"""Database locked or unavailable: a clear 503 with Retry-After, and nothing lost once it is back.

SQLite: another process holds the write lock past the busy timeout. PostgreSQL: the server
disappears (a loopback TCP proxy in front of it is cut) and comes back.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient

from kiennghi.catalog import load_catalog
from kiennghi.service.api.problems import DATABASE_RETRY_AFTER
from kiennghi.service.app import create_app
from kiennghi.service.config import ServiceConfig
from kiennghi.settings import Settings
from tests.service.conftest import PG_URL, Clock, make_keys
from tests.service.fakes import FakeClassifier

ROAD = "Đường liên xã số {} xuống cấp nghiêm trọng"


def _app(settings: Settings) -> TestClient:
    app = create_app(
        settings,
        classifier=FakeClassifier(load_catalog(settings)),
        config=ServiceConfig(db_timeout=0.5),
        clock=Clock(),
    )
    return TestClient(app, raise_server_exceptions=False)


def _submit(client: TestClient, key: str, n: int) -> int:
    response = client.post(
        "/api/v1/petitions", json={"text": ROAD.format(n)}, headers={"Authorization": f"Bearer {key}"}
    )
    if response.status_code == 503:
        assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "gửi lại" in response.json()["detail"]
    return response.status_code


def _texts(client: TestClient, key: str) -> list[str]:
    response = client.get(
        "/api/v1/petitions", params={"page_size": 500}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text
    return sorted(i["text"] for i in response.json()["items"])


def test_sqlite_locked_by_another_process_gives_503_then_recovers(tmp_path: Path) -> None:
    path = tmp_path / "kiennghi.db"
    settings = Settings.from_env(
        {"KIENNGHI_HOME": str(tmp_path), "KIENNGHI_DATABASE_URL": f"sqlite:///{path}"}
    )
    with _app(settings) as client:
        key = make_keys(client.app.state.services)["secretariat"]  # type: ignore[attr-defined]
        assert _submit(client, key, 1) == 201
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # e.g. a backup tool or a second service copy
        try:
            assert _submit(client, key, 2) == 503
            assert _texts(client, key) == [ROAD.format(1)]  # WAL: reading still works
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert _submit(client, key, 2) == 201  # the client's retry after Retry-After
        assert _texts(client, key) == [ROAD.format(1), ROAD.format(2)]


class Proxy:
    """A loopback TCP proxy that can be cut (refuse and drop connections) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def down(self) -> None:
        assert self.listener is not None
        with suppress(OSError):  # wakes the accepting thread (close alone does not on Linux)
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.sockets:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def proxied_postgres(database_url: str) -> Iterator[tuple[str, Proxy]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("chỉ cho PostgreSQL")
    parts = urlsplit(database_url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.up()
    netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port}", f"127.0.0.1:{proxy.port}")
    try:
        yield urlunsplit(parts._replace(netloc=netloc)), proxy
    finally:
        with suppress(Exception):
            proxy.down()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="KIENNGHI_TEST_DATABASE_URL không được đặt")
def test_postgres_down_gives_503_then_recovers(proxied_postgres: tuple[str, Proxy], tmp_path: Path) -> None:
    url, proxy = proxied_postgres
    settings = Settings.from_env({"KIENNGHI_HOME": str(tmp_path), "KIENNGHI_DATABASE_URL": url})
    with _app(settings) as client:
        key = make_keys(client.app.state.services)["secretariat"]  # type: ignore[attr-defined]
        assert _submit(client, key, 1) == 201
        assert proxy.sockets, "the app does not reach the database through the proxy"
        proxy.down()
        assert _submit(client, key, 2) == 503
        ready = client.get("/readyz")
        assert ready.status_code == 503
        proxy.up()
        assert _submit(client, key, 2) == 201
        assert _texts(client, key) == [ROAD.format(1), ROAD.format(2)]
