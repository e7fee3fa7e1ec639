"""The API documentation pages (Swagger UI, ReDoc) with their scripts served from this machine.

FastAPI's own pages load Swagger UI and ReDoc from an internet CDN, so on a provincial network
without internet they are blank. The assets come from the ``fastapi-offline`` package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["DOCS_STATIC", "mount_docs"]

DOCS_STATIC = "/docs-static"


def _assets() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def mount_docs(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False)
    title = app.title

    @router.get("/docs")
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{title} — Swagger UI",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
            # No badge fetched from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{title} — ReDoc",
            redoc_js_url=f"{DOCS_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_STATIC}/favicon.png",
            with_google_fonts=False,
        )

    app.include_router(router)
    app.mount(DOCS_STATIC, StaticFiles(directory=_assets()), name="docs-static")
