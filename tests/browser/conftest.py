"""Browser tests: Debian's Chromium driven by Playwright against a live server (uvicorn in a
child process, real HTTP, a SQLite file, the fast fake model), with every request the browser
makes recorded: a request to any other host fails the test.

No browser is downloaded: Playwright is pointed at /usr/bin/chromium (``apt-get install -y
chromium``; .ci/run installs it). Without it the tests are skipped, except under CI=true, where a
missing browser is a failure. Screenshots of the main pages go to KIENNGHI_SCREENSHOT_DIR
(``docs/screenshots`` to refresh the README's) or a temporary folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kiennghi.catalog import load_catalog
from kiennghi.catalog.associations import load_associations
from kiennghi.service.auth.keys import create_key
from kiennghi.service.context import Context
from kiennghi.service.db import make_engine, make_sessionmaker, upgrade
from kiennghi.settings import Settings
from tests.live_server import fake_app_command, live_server
from tests.service.conftest import PEOPLE, pinned_policy

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KIENNGHI_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class LiveServer:
    base: str
    keys: dict[str, str]
    settings: Settings

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("browser")
    home = folder / "home"
    home.mkdir()
    env = {
        "KIENNGHI_HOME": str(home),
        "KIENNGHI_DATABASE_URL": f"sqlite:///{folder / 'kiennghi.db'}",
        "KIENNGHI_POLICY": str(pinned_policy(folder)),
    }
    settings = Settings.from_env(env)
    engine = make_engine(str(settings.database_url))
    upgrade(engine)
    keys = {}
    with make_sessionmaker(engine)() as session, session.begin():
        ctx = Context(session, load_catalog(settings), load_associations(), datetime.now(UTC), settings.zone)
        for who, (role, department) in PEOPLE.items():
            keys[who] = create_key(ctx, role, department, who)[1]
    engine.dispose()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KIENNGHI_", "KN_"))} | env

    with live_server(fake_app_command, environ, timeout=90, cwd=ROOT) as (base, _process, _seconds):
        yield LiveServer(base, keys, settings)


# Per module: Playwright's sync API keeps an event loop running in this thread until it stops,
# and later tests (asyncio.run) must not meet it.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        message = "Chromium không có trên máy (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Requests:
    """Every URL the browser asked for; the ones to another host are refused and kept."""

    host: str
    seen: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@pytest.fixture
def requests_log(live: LiveServer) -> Requests:
    return Requests(urlsplit(live.base).netloc)


@pytest.fixture
def open_page(chromium: Any, live: LiveServer, requests_log: Requests) -> Iterator[Any]:
    """``open_page(viewport=None)`` → a new page in its own context (own cookies)."""
    contexts: list[Any] = []

    def opener(viewport: dict[str, int] | None = None) -> Any:
        context = chromium.new_context(viewport=viewport or VIEWPORT, locale="vi-VN")

        def guard(route: Any) -> None:
            url = route.request.url
            requests_log.seen.append(url)
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc != requests_log.host:
                requests_log.foreign.append(url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", guard)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield opener
    for context in contexts:
        context.close()
    assert requests_log.foreign == [], f"the browser asked other hosts: {requests_log.foreign}"


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("KIENNGHI_SCREENSHOT_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page: Any, live: LiveServer, who: str) -> None:
    page.goto(live.url("/ui/login"))
    page.fill("#key", live.keys[who])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/ui/login" not in page.url, page.content()[:500]
