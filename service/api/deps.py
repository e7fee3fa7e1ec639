"""Typed dependencies: the shared services and the authenticated, authorised caller.

The dependencies are ``async def`` because they do no blocking work on the hot path: FastAPI runs
every plain ``def`` dependency in the thread pool, one hand-off per dependency per request.
A key not in the cache is looked up in the database in the thread pool.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.petitions.search import PetitionQuery, search_terms
from kiennghi.service.services import Services

__all__ = ["Authorizer", "Caller", "FiltersDep", "ServicesDep", "filters"]

_bearer = HTTPBearer(auto_error=False, description="Khóa API: `Authorization: Bearer KEY`")


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


class Authorizer:
    """Dependency that authenticates the key and checks the role may do ``action``.

    Every /api/v1 endpoint depends on exactly one Authorizer; the access-matrix test reads
    ``action`` from the route table.
    """

    def __init__(self, action: str) -> None:
        self.action = action

    async def __call__(
        self,
        services: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        key = credentials.credentials if credentials else None
        principal = services.auth.cached(key)
        if principal is None:
            principal = await run_in_threadpool(services.auth.authenticate, key)
        require(principal, self.action)
        return principal


def Caller(action: str) -> type[Principal]:  # noqa: N802 - reads like a type in signatures
    return Annotated[Principal, Depends(Authorizer(action))]  # type: ignore[return-value]


async def filters(
    status: Annotated[list[str] | None, Query(description="Trạng thái (lặp lại được)")] = None,
    sector: str | None = None,
    association: str | None = None,
    department: str | None = Query(None, description="Mã cơ quan (chủ trì hoặc phối hợp)"),
    role: str | None = Query(None, description="lead hoặc coordinating"),
    received_from: date | None = None,
    received_to: date | None = None,
    overdue: bool | None = None,
    q: str | None = Query(None, max_length=500, description="Tìm kiếm, không phân biệt dấu"),
) -> PetitionQuery:
    statuses = tuple(s.strip() for v in status or [] for s in v.split(",") if s.strip())
    return PetitionQuery(
        status=statuses,
        sector=sector,
        association=association,
        department=department,
        role=role,
        received_from=received_from,
        received_to=received_to,
        overdue=overdue,
        search=search_terms(q),
    )


FiltersDep = Annotated[PetitionQuery, Depends(filters)]
