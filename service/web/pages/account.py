"""Signing in with an API key and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kiennghi.service.errors import AuthenticationError
from kiennghi.service.services import Services
from kiennghi.service.web.deps import PREFIX, Web, WebAuthorizer, check_csrf, safe_next
from kiennghi.service.web.render import Pages
from kiennghi.service.web.sessions import session_of

router = APIRouter(prefix=PREFIX)


@router.get("/login")
async def login_page(request: Request, next: str = f"{PREFIX}/") -> Response:
    services: Services = request.app.state.services
    session = session_of(request)
    if session.key_id is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    pages: Pages = request.app.state.pages
    return pages.render(
        request,
        "login.html",
        catalog=services.catalog,
        zone=services.settings.zone,
        principal=None,
        next=safe_next(next),
    )


@router.post("/login")
async def login(
    request: Request, key: Annotated[str, Form(max_length=500)], next: Annotated[str, Form()] = f"{PREFIX}/"
) -> Response:
    services: Services = request.app.state.services
    session = session_of(request)
    await check_csrf(request, session)
    try:
        principal = await run_in_threadpool(services.auth.authenticate, key.strip())
    except AuthenticationError:
        session.flash("error", "Khóa truy cập không đúng hoặc đã bị thu hồi.")
        return RedirectResponse(f"{PREFIX}/login?next={safe_next(next)}", status_code=303)
    session.sign_in(principal.key_id, services.config.web_session_seconds)
    session.flash("ok", f"Xin chào {principal.name}.")
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
async def logout(web: Annotated[Web, Depends(WebAuthorizer(None))]) -> Response:
    web.session.sign_out()
    web.session.flash("info", "Đã đăng xuất.")
    return RedirectResponse(f"{PREFIX}/login", status_code=303)
