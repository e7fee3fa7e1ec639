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

__all__ = [
    "Authorizer",
    "CatalogRead",
    "FiltersDep",
    "KeyManage",
    "ModelActivate",
    "ModelRead",
    "ModelTrain",
    "PetitionAssign",
    "PetitionClose",
    "PetitionCreate",
    "PetitionRead",
    "PetitionRespond",
    "ReportRead",
    "ReviewDecide",
    "ReviewRead",
    "ServicesDep",
    "filters",
]

_bearer = HTTPBearer(auto_error=False, description="Khóa API: `Authorization: Bearer KEY`")


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


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


# The caller of an endpoint, authenticated and allowed to do one action: ``principal: PetitionRead``.
PetitionCreate = Annotated[Principal, Depends(Authorizer("petition.create"))]
PetitionRead = Annotated[Principal, Depends(Authorizer("petition.read"))]
PetitionRespond = Annotated[Principal, Depends(Authorizer("petition.respond"))]
PetitionAssign = Annotated[Principal, Depends(Authorizer("petition.assign"))]
PetitionClose = Annotated[Principal, Depends(Authorizer("petition.close"))]
ReviewRead = Annotated[Principal, Depends(Authorizer("review.read"))]
ReviewDecide = Annotated[Principal, Depends(Authorizer("review.decide"))]
ReportRead = Annotated[Principal, Depends(Authorizer("report.read"))]
CatalogRead = Annotated[Principal, Depends(Authorizer("catalog.read"))]
ModelRead = Annotated[Principal, Depends(Authorizer("model.read"))]
ModelTrain = Annotated[Principal, Depends(Authorizer("model.train"))]
ModelActivate = Annotated[Principal, Depends(Authorizer("model.activate"))]
KeyManage = Annotated[Principal, Depends(Authorizer("key.manage"))]


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
