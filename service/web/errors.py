"""Errors on web pages: a Vietnamese page or a message on the page the form came from, never a
stack trace. Requests outside ``/ui`` keep the API's problem+json handlers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from kiennghi.errors import KienNghiError
from kiennghi.service.api.problems import status_of
from kiennghi.service.errors import AuthenticationError
from kiennghi.service.web.deps import PREFIX, CsrfError, LoginRequiredError, back_url, login_url
from kiennghi.service.web.render import Pages
from kiennghi.service.web.sessions import SESSION_SCOPE_KEY, WebSession

__all__ = ["install_web_errors"]

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Thao tác không hợp lệ",
    409: "Không thực hiện được",
    413: "Tệp quá lớn",
    422: "Dữ liệu chưa hợp lệ",
    500: "Lỗi máy chủ",
    503: "Dịch vụ tạm thời chưa sẵn sàng",
}


def _session(request: Request) -> WebSession | None:
    session = request.scope.get(SESSION_SCOPE_KEY)
    return session if isinstance(session, WebSession) else None


def _error_page(request: Request, status: int, message: str) -> Response:
    pages: Pages = request.app.state.pages
    services = getattr(request.app.state, "services", None)
    if services is None or _session(request) is None:
        return Response(message, status_code=status, media_type="text/plain; charset=utf-8")
    headers = {"Retry-After": "5"} if status == 503 else {}
    response = pages.render(
        request,
        "error.html",
        catalog=services.catalog,
        zone=services.settings.zone,
        principal=None,
        status_code=status,
        title=TITLES.get(status, "Lỗi"),
        message=message,
        status=status,
    )
    response.headers.update(headers)
    return response


def _message(request: Request, status: int, message: str) -> Response:
    """A refused form goes back to its page with the message; a page shows the error page."""
    session = _session(request)
    signed_in = session is not None and session.key_id is not None
    if request.method == "POST" and signed_in and status < 500 and status != 403 and session is not None:
        session.flash("error", message)
        return RedirectResponse(back_url(request, f"{PREFIX}/"), status_code=303)
    return _error_page(request, status, message)


def _web_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequiredError):
        return RedirectResponse(login_url(exc.next_url), status_code=303)
    if isinstance(exc, CsrfError):
        return _error_page(
            request,
            403,
            "Biểu mẫu đã hết hạn hoặc không gửi từ trang của hệ thống (thiếu mã chống giả mạo). "
            "Hãy tải lại trang rồi thực hiện lại.",
        )
    if isinstance(exc, AuthenticationError):
        session = _session(request)
        if session is not None:
            session.sign_out()
            session.flash("error", str(exc))
        return RedirectResponse(login_url(f"{PREFIX}/"), status_code=303)
    if isinstance(exc, KienNghiError):
        status = status_of(exc)
        if status >= 500:
            log.error("web page %s: %s", request.url.path, exc)
        return _message(request, status, str(exc))
    if isinstance(exc, RequestValidationError):
        fields = ", ".join(
            ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "form")) or "?"
            for e in exc.errors()
        )
        return _message(request, 422, f"Dữ liệu chưa hợp lệ ở: {fields}")
    if isinstance(exc, StarletteHTTPException):
        if request.scope.get("kiennghi.too_large"):
            limit = request.scope["kiennghi.too_large"]
            return _error_page(request, 413, f"Tệp gửi lên vượt giới hạn {limit:,} byte".replace(",", "."))
        if exc.status_code == 404:
            return _error_page(request, 404, f"Không có trang {request.url.path}")
        if exc.status_code == 405:
            return _error_page(request, 405, "Trang này không nhận thao tác đó")
        return _error_page(request, exc.status_code, str(exc.detail))
    if isinstance(exc, OperationalError | SQLAlchemyTimeoutError):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return _error_page(
            request,
            503,
            "Cơ sở dữ liệu tạm thời không sẵn sàng; thao tác chưa được ghi lại. Hãy thử lại sau vài giây.",
        )
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, "Lỗi không mong đợi; thao tác chưa được ghi lại. Hãy thử lại.")


def _dispatch(original: Handler | None) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(PREFIX) or original is None:
            return _web_error(request, exc)
        result = original(request, exc)
        if isinstance(result, Response):
            return result
        return await result

    return handler


def install_web_errors(app: FastAPI) -> None:
    """Route errors of /ui pages to the web handlers; the API's handlers stay for the rest."""
    for cls in (
        KienNghiError,
        RequestValidationError,
        StarletteHTTPException,
        OperationalError,
        SQLAlchemyTimeoutError,
        Exception,
    ):
        app.add_exception_handler(cls, _dispatch(app.exception_handlers.get(cls)))
    for own in (LoginRequiredError, CsrfError):
        app.add_exception_handler(own, _dispatch(None))
