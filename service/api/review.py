"""The secretariat's review queue: suggestions with their words; confirm or override."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kiennghi.service.api.deps import Caller, FiltersDep, ServicesDep
from kiennghi.service.schemas import DecisionIn, PetitionDetail, ReviewList, present

router = APIRouter(prefix="/api/v1/review", tags=["review"])


@router.get("", response_model=ReviewList, summary="Hàng chờ duyệt, kèm gợi ý và từ khóa")
def review_queue(
    principal: Caller("review.read"),
    services: ServicesDep,
    query: FiltersDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    classifier = services.provider.current()
    with services.reader() as repo:
        wf = services.workflow(repo)
        views, total = wf.review_queue(principal, classifier, page, page_size, query)
        return {
            "items": [present(v, wf.today) for v in views],
            "total": total,
            "page": page,
            "page_size": page_size,
        }


def _decided(services: ServicesDep, principal: Any, decide: Any) -> Any:
    with services.unit() as repo:
        wf = services.workflow(repo)
        petition = decide(wf)
        view = wf.views(principal, [petition])[0]
        view.history = wf.history(petition)
        return present(view, wf.today)


@router.post("/{code}/confirm", response_model=PetitionDetail, summary="Xác nhận đề xuất của mô hình")
def confirm(code: str, principal: Caller("review.decide"), services: ServicesDep) -> Any:
    return _decided(services, principal, lambda wf: wf.confirm(principal, code))


@router.post(
    "/{code}/override",
    response_model=PetitionDetail,
    summary="Giao khác đề xuất (lưu làm dữ liệu sửa lỗi để huấn luyện lại)",
)
def override(code: str, body: DecisionIn, principal: Caller("review.decide"), services: ServicesDep) -> Any:
    return _decided(
        services,
        principal,
        lambda wf: wf.override(
            principal, code, body.sector, body.lead_department, body.coordinating_departments, body.reason
        ),
    )
