"""Model operations over HTTP: versions, background retraining, comparison, activation, rollback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from kiennghi.service.api.deps import ModelActivate, ModelRead, ModelTrain, ServicesDep
from kiennghi.service.modelops.schemas import ActivateIn

router = APIRouter(prefix="/api/v1/models", tags=["models"])


@router.get("", summary="Các phiên bản mô hình")
def list_models(principal: ModelRead, services: ServicesDep) -> Any:
    return services.models.models(principal)


@router.post(
    "/retrain", status_code=202, summary="Huấn luyện lại (chạy nền) từ kho mẫu và các sửa lỗi đã lưu"
)
def retrain(principal: ModelTrain, services: ServicesDep) -> Any:
    return services.models.retrain(principal)


@router.get("/jobs", summary="Các lượt huấn luyện gần đây")
def list_jobs(principal: ModelRead, services: ServicesDep) -> Any:
    return {"items": services.models.jobs(principal)}


@router.get("/jobs/{job_id}", summary="Trạng thái một lượt huấn luyện")
def get_job(
    job_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: ModelRead,
    services: ServicesDep,
) -> Any:
    return services.models.job(principal, job_id)


@router.get(
    "/{version}/compare", summary="So sánh phiên bản với phiên bản đang dùng trên cùng dữ liệu đối chứng"
)
def compare(version: str, principal: ModelRead, services: ServicesDep, baseline: str | None = None) -> Any:
    return services.models.compare(principal, version, baseline)


@router.post(
    "/{version}/activate", summary="Kích hoạt (từ chối nếu kém hơn phiên bản đang dùng, trừ khi force)"
)
def activate(
    version: str, principal: ModelActivate, services: ServicesDep, body: ActivateIn | None = None
) -> Any:
    return services.models.activate(principal, version, bool(body and body.force))


@router.post("/rollback", summary="Quay lại phiên bản được kích hoạt trước đó")
def rollback(principal: ModelActivate, services: ServicesDep) -> Any:
    return {"active": services.models.rollback(principal)}
