"""The start page: what needs attention (the secretariat), else each role's own start page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from kiennghi.service.petitions.search import PetitionQuery
from kiennghi.service.reports.service import summary
from kiennghi.service.review.service import returned
from kiennghi.service.web.deps import PREFIX, Web, WebAuthorizer

router = APIRouter(prefix=PREFIX)

START_PAGES = {"department": f"{PREFIX}/inbox", "analyst": f"{PREFIX}/models"}


@router.get("/")
def start(web: Annotated[Web, Depends(WebAuthorizer(None))]) -> Response:
    role = web.principal.role
    if role in START_PAGES:
        return web.redirect(START_PAGES[role])
    with web.services.reader() as ctx:
        report = summary(ctx, web.principal, PetitionQuery())
        back, back_total = returned(ctx, web.principal, limit=5)
    open_by_lead = sorted(
        (
            b
            for b in report["by_body"]
            if b["role"] == "lead"
            and (b["statuses"]["assigned"] + b["statuses"]["acknowledged"] + b["statuses"]["in_progress"])
        ),
        key=lambda b: (-b["overdue"], -b["total"]),
    )
    return web.page(
        "home.html", report=report, returned=back, returned_total=back_total, open_by_lead=open_by_lead
    )
