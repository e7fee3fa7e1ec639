"""Petitions over HTTP: intake (one or a spreadsheet), lists, detail and the departments' moves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from kiennghi.service.api.deps import (
    FiltersDep,
    PetitionClose,
    PetitionCreate,
    PetitionRead,
    PetitionRespond,
    ServicesDep,
)
from kiennghi.service.context import Context
from kiennghi.service.petitions import lifecycle, queries
from kiennghi.service.petitions.schemas import (
    AnswerIn,
    PetitionDetail,
    PetitionIn,
    PetitionList,
    PetitionOut,
    ReasonIn,
    StatusIn,
    present,
)
from kiennghi.service.petitions.upload import upload_stream
from kiennghi.service.services import Services
from kiennghi.service.tables import Petition

router = APIRouter(prefix="/api/v1/petitions", tags=["petitions"])


@router.post(
    "", status_code=201, response_model=PetitionOut, summary="Tiếp nhận một kiến nghị: phân loại, giao và lưu"
)
async def create_petition(body: PetitionIn, principal: PetitionCreate, services: ServicesDep) -> Any:
    # Validated, classified and stored by the process's writer thread together with the other
    # submits waiting at that moment (group commit); this handler only waits for its own outcome.
    stored = await services.submissions.submit(principal, body.to_domain())
    return Response(
        PetitionOut.model_validate(present(stored.view, stored.today)).model_dump_json(),
        status_code=201,
        media_type="application/json",
    )


@router.post("/upload", summary="Tải lên danh sách kiến nghị (CSV/XLSX), không tạo trùng")
def upload_petitions(
    file: Annotated[UploadFile, File(description="Tệp .csv hoặc .xlsx có cột text/Nội dung")],
    principal: PetitionCreate,
    services: ServicesDep,
) -> Any:
    report = upload_stream(services.unit, principal, services.classifier(), file.file, file.filename)
    return report.__dict__


@router.get("", response_model=PetitionList, summary="Danh sách / hộp thư cơ quan, có lọc và tìm")
def list_petitions(
    principal: PetitionRead,
    services: ServicesDep,
    query: FiltersDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = 50,
    sort: str = Query(
        "-id", description="received_on, created_at, deadline, id, confidence, status; '-' để giảm dần"
    ),
) -> Any:
    with services.reader() as ctx:
        views, total = queries.listing(ctx, principal, query, page, page_size, sort)
        items = [present(v, ctx.today) for v in views]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


@router.get("/{code}", response_model=PetitionDetail, summary="Chi tiết kiến nghị và lịch sử")
def get_petition(code: str, principal: PetitionRead, services: ServicesDep) -> Any:
    with services.reader() as ctx:
        return present(queries.view(ctx, principal, code), ctx.today)


def changed(services: Services, action: Callable[[Context], Petition]) -> dict[str, Any]:
    """Run one action in a write transaction; the item as changed, with its history."""
    with services.unit() as ctx:
        return present(queries.detail(ctx, action(ctx)), ctx.today)


@router.post(
    "/{code}/acknowledge", response_model=PetitionDetail, summary="Cơ quan xác nhận đã nhận kiến nghị"
)
def acknowledge(code: str, principal: PetitionRespond, services: ServicesDep) -> Any:
    return changed(services, lambda ctx: lifecycle.acknowledge(ctx, principal, code))


@router.post(
    "/{code}/status",
    response_model=PetitionDetail,
    summary="Cơ quan chuyển trạng thái: acknowledged, in_progress",
)
def change_status(code: str, body: StatusIn, principal: PetitionRespond, services: ServicesDep) -> Any:
    return changed(
        services, lambda ctx: lifecycle.change_status(ctx, principal, code, body.status, body.note)
    )


@router.post("/{code}/answer", response_model=PetitionDetail, summary="Cơ quan chủ trì trả lời")
def answer(code: str, body: AnswerIn, principal: PetitionRespond, services: ServicesDep) -> Any:
    return changed(services, lambda ctx: lifecycle.answer(ctx, principal, code, body.answer_text))


@router.post(
    "/{code}/return",
    response_model=PetitionDetail,
    summary="Trả lại vì không thuộc thẩm quyền (về hàng chờ duyệt)",
)
def return_item(code: str, body: ReasonIn, principal: PetitionRespond, services: ServicesDep) -> Any:
    return changed(services, lambda ctx: lifecycle.return_item(ctx, principal, code, body.reason))


@router.post("/{code}/close", response_model=PetitionDetail, summary="Kết thúc kiến nghị đã trả lời")
def close(code: str, principal: PetitionClose, services: ServicesDep) -> Any:
    return changed(services, lambda ctx: lifecycle.close(ctx, principal, code))
