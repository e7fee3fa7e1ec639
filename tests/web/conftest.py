"""Fixtures of the web UI tests: the app with the fast fake model, one signed-in browser-like
client per person (TestClient keeps the session cookie), and the CSRF token of a page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kiennghi.catalog import load_catalog
from kiennghi.service.app import create_app
from kiennghi.settings import Settings
from tests.service.conftest import Clock, clock, database_url, make_keys, settings  # noqa: F401 (fixtures)
from tests.service.fakes import FakeClassifier

CSRF_RE = re.compile(r'(?:name="csrf" value|data-csrf)="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Browser:
    """One person's signed-in client: ``get`` pages, ``post`` forms (the token is added)."""

    client: TestClient
    csrf: str = ""

    def get(self, url: str, **kw: Any) -> Any:
        response = self.client.get(url, **kw)
        found = (
            CSRF_RE.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        )
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        kw.setdefault("follow_redirects", False)
        return self.client.post(url, data={"csrf": self.csrf, **(data or {})}, **kw)


@dataclass
class WebApp:
    app: Any
    keys: dict[str, str]
    clock: Clock
    api: TestClient
    _clients: list[TestClient] = field(default_factory=list)

    @property
    def services(self) -> Any:
        return self.app.state.services

    def browser(self, who: str | None = None) -> Browser:
        """A new client; signed in as ``who`` (a key of tests.service.conftest.PEOPLE) unless None."""
        client = TestClient(self.app)
        self._clients.append(client)
        browser = Browser(client)
        page = browser.get("/ui/login")
        assert page.status_code == 200
        if who is not None:
            response = browser.post("/ui/login", {"key": self.keys[who], "next": "/ui/"})
            assert response.status_code == 303, response.text
            browser.get("/ui/login")  # a fresh token of the signed-in session (redirects to the start)
        return browser

    def submit(self, text: str, **fields: Any) -> dict[str, Any]:
        response = self.api.post(
            "/api/v1/petitions",
            json={"text": text, **fields},
            headers={"Authorization": f"Bearer {self.keys['secretariat']}"},
        )
        assert response.status_code == 201, response.text
        return response.json()

    def call(self, who: str, method: str, url: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[who]}"}
        return self.api.request(method, url, headers=headers, **kw)


@pytest.fixture
def web(settings: Settings, clock: Clock) -> Iterator[WebApp]:  # noqa: F811 (the fixtures above)
    app = create_app(settings, classifier=FakeClassifier(load_catalog(settings)), clock=clock)
    with TestClient(app) as api:
        yield WebApp(app, make_keys(app.state.services), clock, api)
