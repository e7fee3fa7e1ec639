"""Mount the web UI on the app: pages, static assets, sessions, error pages, offline API docs."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse

from kiennghi.service.web.deps import PREFIX
from kiennghi.service.web.docs import mount_docs
from kiennghi.service.web.errors import install_web_errors
from kiennghi.service.web.render import Pages
from kiennghi.service.web.sessions import SessionCodec, SessionMiddleware, load_secret

__all__ = ["mount_web"]


def mount_web(app: FastAPI, session_seconds: int) -> None:
    from kiennghi.service.web.pages import PAGE_ROUTERS

    app.state.pages = Pages()
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    static = Path(str(files("kiennghi.service.web") / "static"))
    app.mount(f"{PREFIX}/static", StaticFiles(directory=static), name="ui-static")
    mount_docs(app)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    install_web_errors(app)

    def codec() -> SessionCodec:
        return SessionCodec(load_secret(app.state.services.settings.home))

    app.add_middleware(SessionMiddleware, codec_factory=codec, prefix=PREFIX, max_age=session_seconds)
