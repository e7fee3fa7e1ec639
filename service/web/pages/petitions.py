"""Petitions: the searchable list, an item with its whole history, reassign and close, exports."""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.responses import Response

from kiennghi.service.petitions import lifecycle, queries
from kiennghi.service.petitions.schemas import present
from kiennghi.service.petitions.statuses import ACTIVE_STATUSES
from kiennghi.service.reports.service import export_petitions
from kiennghi.service.review import service as review
from kiennghi.service.web.deps import PREFIX, Web, WebAuthorizer
from kiennghi.service.web.filters import read_filters

router = APIRouter(prefix=PREFIX)

PAGE_SIZE = 50
SORTS = {
    "-id": "Mới tiếp nhận trước",
    "received_on": "Ngày nhận (cũ trước)",
    "-received_on": "Ngày nhận (mới trước)",
    "deadline": "Hạn trả lời sớm trước",
    "confidence": "Độ tin cậy thấp trước",
    "status": "Trạng thái",
}

Reader = Annotated[Web, Depends(WebAuthorizer("petition.read"))]


@router.get("/petitions")
def petition_list(web: Reader, page: int = 1, sort: str = "-id") -> Response:
    form = read_filters(web.request.query_params)
    page = max(1, min(page, 100_000))
    sort = sort if sort in SORTS else "-id"
    with web.services.reader() as ctx:
        found, total = queries.listing(ctx, web.principal, form.query, page, PAGE_SIZE, sort)
        items = [present(v, ctx.today) for v in found]
    pages = max(1, -(-total // PAGE_SIZE))
    return web.page(
        "petitions.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        form=form,
        sort=sort,
        sorts=SORTS,
        action=f"{PREFIX}/petitions",
    )


@router.get("/petitions/export")
def export(web: Annotated[Web, Depends(WebAuthorizer("report.read"))], format: str = "xlsx") -> Response:
    form = read_filters(web.request.query_params)
    with web.services.reader() as ctx:
        result = export_petitions(ctx, web.principal, form.query, format)
    return FileResponse(
        result.path,
        media_type=result.media_type,
        filename=result.filename,
        background=BackgroundTask(shutil.rmtree, result.path.parent, True),
    )


@router.get("/petitions/{code}")
def petition_detail(code: str, web: Reader) -> Response:
    with web.services.reader() as ctx:
        found = queries.view(ctx, web.principal, code)
        item = present(found, ctx.today)
        suggestions = []
        if found.petition.status == "needs_review" and web.principal.can("review.read"):
            classifier = web.services.classifier()
            suggestions = review.suggestions_of(ctx, classifier, found.petition)
    history = item.get("history", [])
    returned_event = next((e for e in reversed(history) if e["action"] == "returned"), None)
    my_role = None
    if web.principal.department:
        if item["lead_department"] == web.principal.department:
            my_role = "lead"
        elif web.principal.department in item["coordinating_departments"]:
            my_role = "coordinating"
    return web.page(
        "petition.html",
        p=item,
        suggestions=suggestions,
        my_role=my_role,
        returned=returned_event if item["status"] == "needs_review" else None,
        active=item["status"] in ACTIVE_STATUSES,
    )


@router.post("/petitions/{code}/reassign")
def reassign(
    code: str,
    web: Annotated[Web, Depends(WebAuthorizer("petition.assign"))],
    lead_department: Annotated[str, Form(max_length=300)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    sector: Annotated[str, Form(max_length=100)] = "",
    coordinating: Annotated[list[str] | None, Form()] = None,
) -> Response:
    with web.services.unit() as ctx:
        petition = review.reassign(
            ctx,
            web.principal,
            code,
            sector or None,
            lead_department,
            [c for c in coordinating or [] if c] or None,
            reason,
        )
        lead = petition.lead_department
    return web.redirect(
        f"{PREFIX}/petitions/{code}",
        ok=f"Đã giao lại {code} cho {web.services.catalog.names.body_name(lead or '')}.",
    )


@router.post("/petitions/{code}/close")
def close(
    code: str,
    web: Annotated[Web, Depends(WebAuthorizer("petition.close"))],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    with web.services.unit() as ctx:
        lifecycle.close(ctx, web.principal, code, note or None)
    return web.redirect(f"{PREFIX}/petitions/{code}", ok=f"Đã kết thúc kiến nghị {code}.")
