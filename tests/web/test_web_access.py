"""The pages' access matrix: every /ui route × every role, generated from the route table (a new
page cannot skip it), with the API's permissions; a department never opens another body's item."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from kiennghi.service.auth.permissions import PERMISSIONS
from kiennghi.service.modelops import service as modelops
from kiennghi.service.web.deps import WebAuthorizer
from tests.service.conftest import PEOPLE
from tests.service.test_access_matrix import _walk
from tests.web.conftest import WebApp

HOSPITAL = "Bệnh viện huyện thiếu bác sĩ"  # assigned to so-y-te by the fake model
FUNDING = "Đề nghị hỗ trợ kinh phí cho chi hội"  # waits in review

# One harmless form per page route; keys are (method, path template).
SAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/ui/"): {},
    ("POST", "/ui/logout"): {},
    ("GET", "/ui/review"): {},
    ("POST", "/ui/review/confirm"): {"codes": ["{code}"]},
    ("POST", "/ui/review/{code}/confirm"): {},
    ("POST", "/ui/review/{code}/override"): {"lead_department": "so-y-te"},
    ("GET", "/ui/petitions"): {},
    ("GET", "/ui/petitions/export"): {"format": "csv"},
    ("GET", "/ui/petitions/{code}"): {},
    ("POST", "/ui/petitions/{code}/reassign"): {"lead_department": "so-y-te", "reason": "Giao lại"},
    ("POST", "/ui/petitions/{code}/close"): {},
    ("GET", "/ui/upload"): {},
    ("GET", "/ui/reports"): {},
    ("POST", "/ui/upload"): {
        "__files__": {"file": ("a.csv", "text\nBệnh viện quá tải\n".encode(), "text/csv")}
    },
}


def web_routes(app: Any) -> list[tuple[str, str, str | None]]:
    """(method, path, action) of every page behind sign-in."""
    out = []
    for route in _walk(app.routes):
        if not isinstance(route, APIRoute) or not route.path.startswith("/ui"):
            continue
        found = [d.call.action for d in route.dependant.dependencies if isinstance(d.call, WebAuthorizer)]
        if not found:
            continue
        assert len(found) == 1, f"{route.path} cần đúng một WebAuthorizer"
        for method in sorted(route.methods):
            out.append((method, route.path, found[0]))
    return out


def test_every_page_is_in_the_matrix(web: WebApp) -> None:
    routes = {(m, p) for m, p, _a in web_routes(web.app)}
    assert routes == set(SAMPLES), f"thiếu: {routes - set(SAMPLES)}; thừa: {set(SAMPLES) - routes}"
    assert set(PERMISSIONS) >= {a for _m, _p, a in web_routes(web.app) if a is not None}


def test_only_sign_in_is_open(web: WebApp) -> None:
    anonymous = web.browser()
    for method, path, _action in web_routes(web.app):
        url = path.replace("{code}", "KN-2026-000001").replace("{version}", "v0001").replace("{job_id}", "1")
        kwargs: dict[str, Any] = {"follow_redirects": False}
        if method == "POST":
            kwargs["data"] = {"csrf": anonymous.csrf}
        response = anonymous.client.request(method, url, **kwargs)
        assert response.status_code == 303, f"{method} {path}: {response.status_code}"
        assert response.headers["location"].startswith("/ui/login"), path


@pytest.mark.parametrize("who", list(PEOPLE))
def test_page_access_matrix(web: WebApp, who: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelops, "run_retrain", lambda *a, **k: None)  # no real training here
    role, department = PEOPLE[who]
    browser = web.browser(who)
    failures = []
    for method, path, action in web_routes(web.app):
        if path == "/ui/logout":  # would end this session; tests/web/test_session.py covers it
            continue
        sample = dict(SAMPLES[(method, path)])
        text = FUNDING if path.startswith("/ui/review") else HOSPITAL
        code = web.submit(text)["id"]  # a fresh item per call, owned by so-y-te only
        url = path.replace("{code}", code).replace("{version}", "v0001").replace("{job_id}", "1")
        files = sample.pop("__files__", None)
        data = {
            k: ([x.replace("{code}", code) for x in v] if isinstance(v, list) else v)
            for k, v in sample.items()
        }
        if method == "GET":
            response = browser.client.get(url, params=data, follow_redirects=False)
        else:
            response = browser.client.post(
                url, data={"csrf": browser.csrf, **data}, files=files, follow_redirects=False
            )
        allowed = action is None or role in PERMISSIONS[action]
        if not allowed:
            expected, ok = "403", response.status_code == 403
        elif "{code}" in path and department is not None and department != "so-y-te":
            expected = "404 (kiến nghị của cơ quan khác)"
            ok = response.status_code == 404 or (
                method == "POST" and response.status_code == 303 and _flashed_not_found(browser, code)
            )
            if ok and method == "GET":
                ok = HOSPITAL not in response.text
        else:
            expected = "được phép"
            ok = response.status_code not in (401, 403) and not (
                response.status_code == 303 and response.headers["location"].startswith("/ui/login")
            )
            if response.status_code == 404:  # only a model or job that does not exist here
                ok = "{version}" in path or "{job_id}" in path
        if response.status_code >= 500:
            ok = False
        if not ok:
            failures.append(
                f"{who} {method} {path}: {response.status_code}, cần {expected}: {response.text[:200]}"
            )
    assert not failures, "\n".join(failures)


def _flashed_not_found(browser: Any, code: str) -> bool:
    """A refused form goes back with its message: the item is 'not found' for this body."""
    page = browser.get("/ui/")
    return f"Không tìm thấy kiến nghị {code}" in page.text or "không tìm thấy" in page.text.lower()
