"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kiennghi.service.api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Tiến trình còn sống")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Cơ sở dữ liệu và mô hình sẵn sàng")
def readyz(services: ServicesDep) -> Any:
    ok, checks = services.readiness()
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
