"""Petitions: intake (one or a spreadsheet), inbox list, detail, and the departments' actions."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from kiennghi.service.api.deps import Caller, FiltersDep, ServicesDep
from kiennghi.service.errors import FieldError
from kiennghi.service.intake import upload_file
from kiennghi.service.reports import export_petitions
from kiennghi.service.schemas import (
    AnswerIn,
    DecisionIn,
    PetitionDetail,
    PetitionIn,
    PetitionList,
    PetitionOut,
    ReasonIn,
    StatusIn,
    present,
)
from kiennghi.service.security import Principal
from kiennghi.service.workflow import PetitionView, Workflow

router = APIRouter(prefix="/api/v1/petitions", tags=["petitions"])


def _one(wf: Workflow, view: PetitionView) -> dict[str, Any]:
    return present(view, wf.today)


@router.post(
    "", status_code=201, response_model=PetitionOut, summary="Tiếp nhận một kiến nghị: phân loại, giao và lưu"
)
async def create_petition(
    body: PetitionIn, principal: Caller("petition.create"), services: ServicesDep
) -> Any:
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
    principal: Caller("petition.create"),
    services: ServicesDep,
) -> Any:
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FieldError("file", f"Tệp '{name}' không phải .csv hoặc .xlsx")
    classifier = services.provider.current()
    with tempfile.TemporaryDirectory(prefix="kiennghi-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        with services.unit() as repo:
            report = upload_file(services.workflow(repo), principal, classifier, path, name)
    return report.__dict__


@router.get("", response_model=PetitionList, summary="Danh sách / hộp thư cơ quan, có lọc và tìm")
def list_petitions(
    principal: Caller("petition.read"),
    services: ServicesDep,
    query: FiltersDep,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    sort: str = Query(
        "-id", description="received_on, created_at, deadline, id, confidence, status; '-' để giảm dần"
    ),
) -> Any:
    with services.reader() as repo:
        wf = services.workflow(repo)
        views, total = wf.listing(principal, query, page, page_size, sort)
        return {"items": [_one(wf, v) for v in views], "total": total, "page": page, "page_size": page_size}


@router.get(
    "/export",
    summary="Xuất danh sách đã lọc ra XLSX hoặc CSV (tiêu đề tiếng Việt)",
    response_class=FileResponse,
)
def export(
    principal: Caller("report.read"),
    services: ServicesDep,
    query: FiltersDep,
    format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx",
) -> Any:
    with services.reader() as repo:
        wf = services.workflow(repo)
        wf._check_query(query)
        result = export_petitions(
            repo,
            principal,
            services.catalog,
            services.associations,
            query,
            format,
            wf.today,
            zone=wf.zone,
        )
    return FileResponse(
        result.path,
        media_type=result.media_type,
        filename=result.filename,
        background=BackgroundTask(shutil.rmtree, result.path.parent, True),
    )


@router.get("/{code}", response_model=PetitionDetail, summary="Chi tiết kiến nghị và lịch sử")
def get_petition(code: str, principal: Caller("petition.read"), services: ServicesDep) -> Any:
    with services.reader() as repo:
        wf = services.workflow(repo)
        return _one(wf, wf.view(principal, code))


def _after(services: ServicesDep, principal: Principal, code: str, action: Any) -> Any:
    with services.unit() as repo:
        wf = services.workflow(repo)
        petition = action(wf)
        # Shown from the petition just changed: a department that returned an item no longer
        # sees it, yet gets the outcome of its own action.
        view = wf.views(principal, [petition])[0]
        view.history = wf.history(petition)
        return _one(wf, view)


@router.post(
    "/{code}/acknowledge", response_model=PetitionDetail, summary="Cơ quan xác nhận đã nhận kiến nghị"
)
def acknowledge(code: str, principal: Caller("petition.respond"), services: ServicesDep) -> Any:
    return _after(services, principal, code, lambda wf: wf.acknowledge(principal, code))


@router.post(
    "/{code}/status",
    response_model=PetitionDetail,
    summary="Cơ quan chuyển trạng thái: acknowledged, in_progress",
)
def change_status(
    code: str, body: StatusIn, principal: Caller("petition.respond"), services: ServicesDep
) -> Any:
    return _after(
        services, principal, code, lambda wf: wf.change_status(principal, code, body.status, body.note)
    )


@router.post("/{code}/answer", response_model=PetitionDetail, summary="Cơ quan chủ trì trả lời")
def answer(code: str, body: AnswerIn, principal: Caller("petition.respond"), services: ServicesDep) -> Any:
    return _after(services, principal, code, lambda wf: wf.answer(principal, code, body.answer_text))


@router.post(
    "/{code}/return",
    response_model=PetitionDetail,
    summary="Trả lại vì không thuộc thẩm quyền (về hàng chờ duyệt)",
)
def return_item(
    code: str, body: ReasonIn, principal: Caller("petition.respond"), services: ServicesDep
) -> Any:
    return _after(services, principal, code, lambda wf: wf.return_item(principal, code, body.reason))


@router.post(
    "/{code}/reassign", response_model=PetitionDetail, summary="Giao lại cho cơ quan khác (thông báo lại)"
)
def reassign(code: str, body: DecisionIn, principal: Caller("petition.assign"), services: ServicesDep) -> Any:
    return _after(
        services,
        principal,
        code,
        lambda wf: wf.reassign(
            principal,
            code,
            body.sector,
            body.lead_department,
            body.coordinating_departments,
            body.reason or "",
        ),
    )


@router.post("/{code}/close", response_model=PetitionDetail, summary="Kết thúc kiến nghị đã trả lời")
def close(code: str, principal: Caller("petition.close"), services: ServicesDep) -> Any:
    return _after(services, principal, code, lambda wf: wf.close(principal, code))
