"""Reports for the review meeting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kiennghi.service.api.deps import Caller, FiltersDep, ServicesDep
from kiennghi.service.reports import summary

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/summary", summary="Số liệu theo cơ quan × trạng thái, quá hạn, lĩnh vực, hội")
def report_summary(principal: Caller("report.read"), services: ServicesDep, query: FiltersDep) -> Any:
    with services.reader() as repo:
        wf = services.workflow(repo)
        wf._check_query(query)
        return summary(repo, principal, services.catalog, services.associations, query, wf.today)
