"""The access matrix (tests/service/test_access_matrix.py) is generated from the route table but
looks only under /api/. This closes the gap: any route outside /api/ must be one of the known
public ones, so a new endpoint cannot escape the matrix by living elsewhere."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from kiennghi.service.app import create_app
from tests.service.test_access_matrix import SAMPLES, _walk, api_routes
from tests.web.test_web_access import SAMPLES as PAGE_SAMPLES

PUBLIC = {"/healthz", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
# The web UI's public parts: the start redirect, sign-in, its static files, the docs' assets.
PUBLIC_WEB = {"/", "/ui/login", "/ui/static/*", "/docs-static/*"}


def _all_paths(routes: list[Any]) -> set[str]:
    paths = set()
    for route in routes:
        if isinstance(route, Mount):
            paths.add(route.path + "/*")  # a mounted sub-app is never covered by the matrix
        elif isinstance(route, Route | BaseRoute) and getattr(route, "path", None):
            paths.add(route.path)
        if hasattr(route, "original_router"):
            paths |= _all_paths(route.original_router.routes)
    return paths | {r.path for r in _walk(routes)}


def test_every_route_is_public_by_design_or_in_the_access_matrix() -> None:
    app = create_app(migrate=False)
    paths = _all_paths(app.routes)
    pages = {p for _m, p in PAGE_SAMPLES}  # the pages' own matrix (tests/web/test_web_access.py)
    outside = {p for p in paths if not p.startswith("/api/") and p not in pages}
    public = PUBLIC | PUBLIC_WEB
    assert outside <= public, f"không thuộc /api/ và không có trong ma trận quyền: {outside - public}"
    assert {(m, p) for m, p, _a in api_routes(app)} == set(SAMPLES)
    assert {p for p in paths if p.startswith("/api/")} == {p for _m, p in SAMPLES}
