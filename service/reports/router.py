"""Reports over HTTP: the summary for the review meeting and the filtered list as XLSX/CSV."""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from kiennghi.service.api.deps import FiltersDep, ReportRead, ServicesDep
from kiennghi.service.reports.service import export_petitions, summary

router = APIRouter(prefix="/api/v1")


@router.get(
    "/reports/summary",
    summary="Số liệu theo cơ quan × trạng thái, quá hạn, lĩnh vực, hội",
    tags=["reports"],
)
def report_summary(principal: ReportRead, services: ServicesDep, query: FiltersDep) -> Any:
    with services.reader() as ctx:
        return summary(ctx, principal, query)


# Registered before /petitions/{code}, which would otherwise take "export" for a code.
@router.get(
    "/petitions/export",
    summary="Xuất danh sách đã lọc ra XLSX hoặc CSV (tiêu đề tiếng Việt)",
    response_class=FileResponse,
    tags=["petitions"],
)
def export(
    principal: ReportRead,
    services: ServicesDep,
    query: FiltersDep,
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Any:
    with services.reader() as ctx:
        result = export_petitions(ctx, principal, query, format)
    return FileResponse(
        result.path,
        media_type=result.media_type,
        filename=result.filename,
        background=BackgroundTask(shutil.rmtree, result.path.parent, True),
    )
