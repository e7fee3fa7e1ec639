"""Access matrix: every role × every endpoint × another department's item, generated from the
app's route table so that a new endpoint cannot skip it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from kiennghi.service.api.deps import Authorizer
from kiennghi.service.auth.permissions import PERMISSIONS, ROLES
from kiennghi.service.modelops import service as modelops
from tests.service.conftest import PEOPLE, Api

HOSPITAL = "Bệnh viện huyện thiếu bác sĩ"  # assigned to so-y-te by the fake model
FUNDING = "Đề nghị hỗ trợ kinh phí cho chi hội"  # waits in review

# One harmless example request per endpoint; keys are (method, path template).
SAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/petitions"): {"json": {"text": HOSPITAL}},
    ("POST", "/api/v1/petitions/upload"): {
        "files": {"file": ("a.csv", "text\nBệnh viện quá tải\n".encode(), "text/csv")}
    },
    ("GET", "/api/v1/petitions"): {},
    ("GET", "/api/v1/petitions/export"): {"params": {"format": "csv"}},
    ("GET", "/api/v1/petitions/{code}"): {},
    ("POST", "/api/v1/petitions/{code}/acknowledge"): {},
    ("POST", "/api/v1/petitions/{code}/status"): {"json": {"status": "in_progress"}},
    ("POST", "/api/v1/petitions/{code}/answer"): {"json": {"answer_text": "Đã xử lý"}},
    ("POST", "/api/v1/petitions/{code}/return"): {"json": {"reason": "Không phải việc của sở"}},
    ("POST", "/api/v1/petitions/{code}/reassign"): {"json": {"sector": "y-te", "reason": "Giao lại"}},
    ("POST", "/api/v1/petitions/{code}/close"): {},
    ("GET", "/api/v1/review"): {},
    ("POST", "/api/v1/review/{code}/confirm"): {},
    ("POST", "/api/v1/review/{code}/override"): {"json": {"sector": "y-te"}},
    ("GET", "/api/v1/reports/summary"): {},
    ("GET", "/api/v1/models"): {},
    ("POST", "/api/v1/models/retrain"): {},
    ("GET", "/api/v1/models/jobs"): {},
    ("GET", "/api/v1/models/jobs/{job_id}"): {},
    ("GET", "/api/v1/models/{version}/compare"): {},
    ("POST", "/api/v1/models/{version}/activate"): {"json": {"force": False}},
    ("POST", "/api/v1/models/rollback"): {},
    ("GET", "/api/v1/catalog"): {},
    ("POST", "/api/v1/keys"): {"json": {"role": "analyst", "name": "matrix"}},
    ("GET", "/api/v1/keys"): {},
    ("POST", "/api/v1/keys/{key_ref}/revoke"): {},
}


def _throwaway_key(api: Api) -> str:
    """The number of a fresh key to revoke (never the caller's own)."""
    from kiennghi.service.auth.keys import create_key

    with api.services.unit() as ctx:
        key_id, _key = create_key(ctx, "analyst", None, "throwaway")
    return str(key_id)


def _action(route: APIRoute) -> str:
    found = [d.call.action for d in route.dependant.dependencies if isinstance(d.call, Authorizer)]
    assert len(found) == 1, f"{route.path} cần đúng một Authorizer, có {found}"
    return found[0]


def _walk(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI ≥ 0.16x keeps included routers
            found += _walk(route.original_router.routes)
    return found


def api_routes(app: Any) -> list[tuple[str, str, str]]:
    out = []
    for route in _walk(app.routes):
        if route.path.startswith("/api/"):
            for method in sorted(route.methods):
                out.append((method, route.path, _action(route)))
    return out


def test_every_endpoint_is_in_the_matrix(api: Api) -> None:
    routes = {(m, p) for m, p, _a in api_routes(api.client.app)}
    assert routes == set(SAMPLES), (
        f"thiếu trong SAMPLES: {routes - set(SAMPLES)}; thừa: {set(SAMPLES) - routes}"
    )
    assert set(PERMISSIONS) >= {a for _m, _p, a in api_routes(api.client.app)}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_access_matrix(api: Api, who: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelops, "run_retrain", lambda *a, **k: None)  # no real training here
    role, department = PEOPLE[who]
    assert role in ROLES
    failures = []
    for method, path, action in api_routes(api.client.app):
        kwargs = SAMPLES[(method, path)]
        text = FUNDING if path.startswith("/api/v1/review/") else HOSPITAL
        # A fresh item per call (state changes must not leak), owned by so-y-te only.
        code = api.submit(text)["id"]
        url = path.replace("{code}", code).replace("{job_id}", "1").replace("{version}", "v0001")
        if "{key_ref}" in path:
            url = url.replace("{key_ref}", _throwaway_key(api))
        anonymous = api.client.request(method, url, **kwargs)
        if anonymous.status_code != 401:
            failures.append(f"{method} {path} không khóa → {anonymous.status_code}")
        response = api.client.request(method, url, headers=api.headers(who), **kwargs)
        allowed = role in PERMISSIONS[action]
        if not allowed:
            expected = "403"
            ok = response.status_code == 403
        elif "{code}" in path and department is not None and department != "so-y-te":
            expected = "404 (kiến nghị của cơ quan khác)"
            ok = response.status_code == 404
        else:
            expected = "được phép (không 401/403/404)"
            ok = response.status_code not in (401, 403)
            if response.status_code == 404:  # only for a model or job that does not exist here
                ok = "{version}" in path or "{job_id}" in path
        if response.status_code >= 500:
            ok = False
        if not ok:
            failures.append(
                f"{who} {method} {path}: {response.status_code}, cần {expected}: {response.text[:200]}"
            )
    assert not failures, "\n".join(failures)
