"""What every page handler depends on: the signed-in user (checked against the access matrix),
the CSRF token of a form, and ``Web``: rendering, redirects and messages for one request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse

from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.services import Services
from kiennghi.service.web.render import Pages
from kiennghi.service.web.sessions import WebSession, session_of

__all__ = ["PREFIX", "CsrfError", "LoginRequiredError", "Web", "WebAuthorizer", "safe_next"]

PREFIX = "/ui"


class LoginRequiredError(Exception):
    """No signed-in user: the page sends the browser to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url
        super().__init__(next_url)


class CsrfError(Exception):
    """A form without this session's CSRF token, or sent from another site."""


def safe_next(url: str | None) -> str:
    """A local page to go back to; anything else (another host, a scheme) becomes the start page."""
    if not url or not url.startswith(PREFIX) or url.startswith("//"):
        return f"{PREFIX}/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return f"{PREFIX}/"
    return url


@dataclass
class Web:
    """One page request: the services, the signed-in user and the session."""

    request: Request
    services: Services
    principal: Principal
    session: WebSession

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        pages: Pages = self.request.app.state.pages
        return pages.render(
            self.request,
            name,
            catalog=self.services.catalog,
            zone=self.services.settings.zone,
            principal=self.principal,
            status_code=status_code,
            **context,
        )

    def redirect(self, url: str, ok: str | None = None, error: str | None = None) -> RedirectResponse:
        """303 to a local page, with a message for it."""
        if ok:
            self.session.flash("ok", ok)
        if error:
            self.session.flash("error", error)
        return RedirectResponse(safe_next(url), status_code=303)

    def back(self, fallback: str, ok: str | None = None, error: str | None = None) -> RedirectResponse:
        """Back to the page the form was on (the ``back`` field or the Referer), else ``fallback``."""
        return self.redirect(back_url(self.request, fallback), ok=ok, error=error)


def back_url(request: Request, fallback: str) -> str:
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.headers.get("host"):
        return fallback
    local = parts.path + (f"?{parts.query}" if parts.query else "")
    return local if local.startswith(PREFIX) else fallback


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


class WebAuthorizer:
    """Dependency: the signed-in user, who must be allowed ``action``; a form also needs its token.

    Not signed in → the sign-in page; a role without the right → the 403 page; a key revoked
    since sign-in → signed out. POST forms must carry the session's CSRF token (field ``csrf``
    or header ``X-CSRF-Token``) and come from this site (Origin).
    """

    def __init__(self, action: str | None) -> None:
        self.action = action

    async def __call__(self, request: Request) -> Web:
        services: Services = request.app.state.services
        session = session_of(request)
        if request.method == "POST":
            await check_csrf(request, session)
        if session.key_id is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequiredError(target if request.method == "GET" else f"{PREFIX}/")
        principal = await run_in_threadpool(services.auth.principal_of, session.key_id)
        if self.action is not None:
            require(principal, self.action)
        return Web(request, services, principal, session)


async def check_csrf(request: Request, session: WebSession) -> None:
    if not _same_origin(request):
        raise CsrfError("origin")
    token = request.headers.get("x-csrf-token")
    if token is None:
        form = await request.form()
        value = form.get("csrf")
        token = value if isinstance(value, str) else None
    if not session.check_csrf(token):
        raise CsrfError("token")


def login_url(next_url: str) -> str:
    return f"{PREFIX}/login?next={quote(next_url, safe='/')}"
