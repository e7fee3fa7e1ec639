"""Errors as RFC 9457 problem+json, one status per domain exception; body-size limits (413)."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiennghi.errors import (
    DataFileError,
    InputFileError,
    KienNghiError,
    ModelNotFoundError,
    ModelRegistryError,
    TrainingError,
    UnknownCodeError,
    UnknownNameError,
)
from kiennghi.service.errors import (
    AuthenticationError,
    ConflictError,
    FieldError,
    ModelNotReadyError,
    ModelOperationError,
    NotFoundError,
    PermissionDeniedError,
)

log = logging.getLogger(__name__)

__all__ = ["DATABASE_RETRY_AFTER", "BodyLimit", "install_problem_handlers", "problem", "status_of"]

DATABASE_RETRY_AFTER = 5  # seconds, in the Retry-After of a 503 for an unavailable database

_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột trạng thái",
    413: "Nội dung gửi lên quá lớn",
    422: "Dữ liệu không hợp lệ",
    500: "Lỗi máy chủ",
    503: "Dịch vụ chưa sẵn sàng",
}

# Most specific first: the first matching class decides the status.
_STATUS: list[tuple[type[Exception], int]] = [
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ModelNotFoundError, 404),
    (ConflictError, 409),
    (ModelOperationError, 409),
    (ModelNotReadyError, 503),
    (FieldError, 422),
    (UnknownCodeError, 422),
    (InputFileError, 422),
    (TrainingError, 409),
    (ModelRegistryError, 409),
    (DataFileError, 500),
]


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def status_of(exc: Exception) -> int:
    """The HTTP status of a domain exception (the API's and the web pages' alike)."""
    return next((s for cls, s in _STATUS if isinstance(exc, cls)), 400)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc)
    extra: dict[str, Any] = {"instance": request.url.path}
    if isinstance(exc, UnknownCodeError):
        extra.update(kind=exc.kind, value=exc.code, valid=exc.known)
    if isinstance(exc, UnknownNameError):
        extra["suggestions"] = [{"code": code, "name": name} for code, name in exc.suggestions]
    if isinstance(exc, FieldError):
        extra["field"] = exc.field
    if status == 503:
        return JSONResponse(
            {"type": "about:blank", "title": _TITLES[503], "status": 503, "detail": str(exc), **extra},
            status_code=503,
            media_type="application/problem+json",
            headers={"Retry-After": "2"},
        )
    if status >= 500:
        return problem(status, "Cấu hình dữ liệu của dịch vụ không hợp lệ: " + str(exc), **extra)
    return problem(status, str(exc), **extra)


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]
    names = ", ".join(e["field"] or "(toàn bộ)" for e in errors)
    return problem(422, f"Dữ liệu gửi lên không hợp lệ ở: {names}", errors=errors, instance=request.url.path)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if request.scope.get("kiennghi.too_large"):
        limit = request.scope["kiennghi.too_large"]
        return problem(413, f"Nội dung gửi lên vượt giới hạn {limit:,} byte", instance=request.url.path)
    detail = {
        404: f"Không có địa chỉ {request.url.path}",
        405: f"Địa chỉ {request.url.path} không nhận phương thức {request.method}",
    }
    return problem(exc.status_code, detail.get(exc.status_code, str(exc.detail)), instance=request.url.path)


def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # OperationalError: the database server is down or unreachable, or SQLite stayed locked
    # past the busy timeout; TimeoutError: no pooled connection came free in time. The unit of
    # work was rolled back, so the client can send the same request again later.
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    response = problem(
        503,
        "Cơ sở dữ liệu tạm thời không sẵn sàng (mất kết nối, đang bị khóa "
        "hoặc quá tải); thao tác chưa được ghi lại, hãy gửi lại sau vài giây",
        instance=request.url.path,
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500, "Lỗi không mong đợi; thao tác không được ghi lại, hãy thử lại", instance=request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KienNghiError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(SQLAlchemyTimeoutError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


class _TooLargeError(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for bodies over the limit, by Content-Length or while streaming."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, max_upload_bytes: int, upload_suffix: str = "/upload"
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_suffix = upload_suffix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload_bytes if scope["path"].endswith(self.upload_suffix) else self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        await self._reject(send, limit, scope)
                        return
                except ValueError:
                    pass
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI turns errors while reading a body into a 400; the flag lets the
                    # HTTP error handler answer 413 instead.
                    scope["kiennghi.too_large"] = limit
                    raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLargeError:
            if not started:
                await self._reject(send, limit, scope)

    async def _reject(self, send: Send, limit: int, scope: Scope) -> None:
        if str(scope.get("path", "")).startswith("/ui"):
            # A browser's upload: a page, not problem+json.
            size = f"{limit:,}".replace(",", ".")
            page = (
                '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Tệp quá lớn</title>'
                f"<h1>Tệp quá lớn</h1><p>Tệp gửi lên vượt giới hạn {size} byte; chưa có gì được lưu. "
                'Hãy chia nhỏ tệp.</p><p><a href="/ui/upload">Quay lại trang tải lên</a></p></html>'
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(page)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": page})
            return
        body = json.dumps(
            {
                "type": "about:blank",
                "title": _TITLES[413],
                "status": 413,
                "detail": f"Nội dung gửi lên vượt giới hạn {limit:,} byte",
            },
            ensure_ascii=False,
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
