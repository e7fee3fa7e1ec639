"""The secretariat's decisions over HTTP: the review queue, confirm, override, reassign."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kiennghi.service.api.deps import FiltersDep, PetitionAssign, ReviewDecide, ReviewRead, ServicesDep
from kiennghi.service.petitions.router import changed
from kiennghi.service.petitions.schemas import DecisionIn, PetitionDetail, present
from kiennghi.service.review import service as review
from kiennghi.service.review.schemas import ReviewList

router = APIRouter(prefix="/api/v1", tags=["review"])

ORDER_HELP = (
    "Thứ tự hàng chờ. `uncertainty` (mặc định): độ tin cậy của cơ quan chủ trì thấp nhất trước, "
    "rồi chênh lệch nhỏ nhất giữa hai cơ quan đầu: xác nhận những kiến nghị này dạy mô hình nhiều "
    "nhất. `disagreement`: hai cơ quan đầu sát nhau nhất trước. `oldest`: nhận trước thì trước. "
    "`deadline`: hạn sớm nhất trước, hạn tính bằng ngày nhận cộng số ngày xử lý của lĩnh vực đề "
    "xuất (`deadline_days` trong policy.yaml), vì kiến nghị chờ duyệt chưa có hạn riêng. Cùng "
    "khóa: nhận trước thì trước. Giá trị khác: lỗi 422 nêu các giá trị hợp lệ."
)


@router.get("/review", response_model=ReviewList, summary="Hàng chờ duyệt, kèm gợi ý và từ khóa")
def review_queue(
    principal: ReviewRead,
    services: ServicesDep,
    query: FiltersDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    order: Annotated[
        str, Query(description=ORDER_HELP, json_schema_extra={"enum": list(review.QUEUE_ORDERS)})
    ] = ("uncertainty"),
) -> Any:
    classifier = services.classifier()
    with services.reader() as ctx:
        views, total = review.queue(ctx, principal, classifier, page, page_size, query, order)
        items = [present(v, ctx.today) for v in views]
    return {"items": items, "total": total, "page": page, "page_size": page_size, "order": order}


@router.post("/review/{code}/confirm", response_model=PetitionDetail, summary="Xác nhận đề xuất của mô hình")
def confirm(code: str, principal: ReviewDecide, services: ServicesDep) -> Any:
    return changed(services, lambda ctx: review.confirm(ctx, principal, code))


@router.post(
    "/review/{code}/override",
    response_model=PetitionDetail,
    summary="Giao khác đề xuất (lưu làm dữ liệu sửa lỗi để huấn luyện lại)",
)
def override(code: str, body: DecisionIn, principal: ReviewDecide, services: ServicesDep) -> Any:
    return changed(
        services,
        lambda ctx: review.override(
            ctx,
            principal,
            code,
            body.sector,
            body.lead_department,
            body.coordinating_departments,
            body.reason,
        ),
    )


@router.post(
    "/petitions/{code}/reassign",
    response_model=PetitionDetail,
    summary="Giao lại cho cơ quan khác (thông báo lại)",
    tags=["petitions"],
)
def reassign(code: str, body: DecisionIn, principal: PetitionAssign, services: ServicesDep) -> Any:
    return changed(
        services,
        lambda ctx: review.reassign(
            ctx,
            principal,
            code,
            body.sector,
            body.lead_department,
            body.coordinating_departments,
            body.reason or "",
        ),
    )
