"""The review queue: each item with its top-3 suggestions; confirm one (click or key c), confirm
the selected ones at once, or pick another body from a searchable list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.responses import Response

from kiennghi.service.petitions.schemas import present
from kiennghi.service.review import service as review
from kiennghi.service.web.deps import PREFIX, Web, WebAuthorizer, safe_next
from kiennghi.service.web.filters import read_filters

router = APIRouter(prefix=PREFIX)

PAGE_SIZE = 20
ORDERS = {
    "uncertainty": "Chưa chắc chắn nhất trước (dạy mô hình nhiều nhất)",
    "disagreement": "Hai cơ quan đầu sát nhau nhất trước",
    "oldest": "Nhận trước thì trước",
    "deadline": "Hạn trả lời sớm nhất trước",
}
BULK_LIMIT = 200

Decider = Annotated[Web, Depends(WebAuthorizer("review.decide"))]


@router.get("/review")
def queue(
    web: Annotated[Web, Depends(WebAuthorizer("review.read"))],
    page: int = 1,
    order: str = "uncertainty",
    returned: bool = False,
) -> Response:
    form = read_filters(web.request.query_params, statuses=("needs_review",))
    page = max(1, min(page, 100_000))
    order = order if order in ORDERS else "uncertainty"
    with web.services.reader() as ctx:
        if returned:
            found, total = review.returned(ctx, web.principal, limit=BULK_LIMIT)
            classifier = web.services.classifier()
            for item in found:
                item.suggestions = review.suggestions_of(ctx, classifier, item.petition)
        else:
            found, total = review.queue(
                ctx, web.principal, web.services.classifier(), page, PAGE_SIZE, form.query, order
            )
        items = [present(v, ctx.today) for v in found]
    pages = 1 if returned else max(1, -(-total // PAGE_SIZE))
    here = web.request.url.path + (f"?{web.request.url.query}" if web.request.url.query else "")
    return web.page(
        "review.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        form=form,
        order=order,
        orders=ORDERS,
        only_returned=returned,
        back=here,
        action=f"{PREFIX}/review",
    )


@router.post("/review/confirm")
def confirm_selected(
    web: Decider,
    codes: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form()] = f"{PREFIX}/review",
) -> Response:
    chosen = [c for c in codes or [] if c][:BULK_LIMIT]
    if not chosen:
        return web.redirect(back, error="Chưa chọn kiến nghị nào để xác nhận.")
    outcome = review.confirm_many(web.services.unit, web.principal, chosen)
    if outcome.done:
        web.session.flash("ok", f"Đã xác nhận {len(outcome.done)} kiến nghị: {', '.join(outcome.done)}.")
    for code, message in outcome.failed:
        web.session.flash("error", f"{code}: {message}")
    return web.redirect(safe_next(back))


@router.post("/review/{code}/confirm")
def confirm_one(code: str, web: Decider, back: Annotated[str, Form()] = f"{PREFIX}/review") -> Response:
    with web.services.unit() as ctx:
        petition = review.confirm(ctx, web.principal, code)
        lead = petition.lead_department or ""
    name = web.services.catalog.names.body_name(lead)
    return web.redirect(back, ok=f"Đã xác nhận {code}: giao {name} chủ trì.")


@router.post("/review/{code}/override")
def override(
    code: str,
    web: Decider,
    lead_department: Annotated[str, Form(max_length=300)],
    sector: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form()] = f"{PREFIX}/review",
) -> Response:
    with web.services.unit() as ctx:
        petition = review.override(
            ctx, web.principal, code, sector or None, lead_department, None, reason or None
        )
        lead = petition.lead_department or ""
    name = web.services.catalog.names.body_name(lead)
    return web.redirect(back, ok=f"Đã giao {code} cho {name} chủ trì (lưu làm dữ liệu sửa lỗi).")
