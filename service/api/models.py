"""Model operations: versions, background retraining, comparison, activation, rollback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Path

from kiennghi.service import jobs, modelops
from kiennghi.service.api.deps import Caller, ServicesDep
from kiennghi.service.repository import Repository
from kiennghi.service.schemas import ActivateIn
from kiennghi.service.services import Services
from kiennghi.training.corpus import LabelledItem

router = APIRouter(prefix="/api/v1/models", tags=["models"])


def _holdout(services: Services) -> list[LabelledItem]:
    with services.reader() as repo:
        _train, held = modelops.labelled_decisions(repo, services.catalog)
    return held + services.holdout_file


def _reap(services: Services) -> None:
    """Jobs whose worker died are declared failed before anyone reads a job's status."""
    jobs.reap_stale_jobs(services.reader, services.unit, services.clock(), services.config.job_limits)


def _job(job: Any) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "message": job.message,
        "version": job.version,
        "n_corrections": job.n_corrections,
        "metrics": job.metrics,
        "actor": job.actor,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "owner": job.owner,
        "heartbeat_at": job.heartbeat_at,
    }


@router.get("", summary="Các phiên bản mô hình")
def list_models(principal: Caller("model.read"), services: ServicesDep) -> Any:
    return {
        "items": modelops.list_models(services.registry, principal),
        "active": services.registry.active_version(),
    }


@router.post(
    "/retrain", status_code=202, summary="Huấn luyện lại (chạy nền) từ kho mẫu và các sửa lỗi đã lưu"
)
def retrain(principal: Caller("model.train"), services: ServicesDep) -> Any:
    with services.unit() as repo:
        job_id = modelops.start_retrain(
            repo, principal, services.clock(), jobs.JobOwner.current(), services.config.job_limits
        )

    @contextmanager
    def unit() -> Iterator[Repository]:
        with services.unit() as repo:
            yield repo

    thread = threading.Thread(
        target=modelops.run_retrain,
        name=f"retrain-{job_id}",
        daemon=True,
        args=(
            job_id,
            unit,
            services.registry,
            services.catalog,
            services.training_data,
            services.holdout_file,
            services.clock,
            services.config.job_limits.heartbeat_interval,
        ),
    )
    thread.start()
    with services.reader() as repo:
        return _job(repo.get_job(job_id))


@router.get("/jobs", summary="Các lượt huấn luyện gần đây")
def list_jobs(principal: Caller("model.read"), services: ServicesDep) -> Any:
    _reap(services)
    with services.reader() as repo:
        return {"items": [_job(j) for j in repo.list_jobs()]}


@router.get("/jobs/{job_id}", summary="Trạng thái một lượt huấn luyện")
def get_job(
    job_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: Caller("model.read"),
    services: ServicesDep,
) -> Any:
    _reap(services)
    with services.reader() as repo:
        return _job(repo.get_job(job_id))


@router.get(
    "/{version}/compare", summary="So sánh phiên bản với phiên bản đang dùng trên cùng dữ liệu đối chứng"
)
def compare(
    version: str, principal: Caller("model.read"), services: ServicesDep, baseline: str | None = None
) -> Any:
    return modelops.compare(
        services.registry, services.catalog, principal, version, baseline, _holdout(services)
    )


@router.post(
    "/{version}/activate", summary="Kích hoạt (từ chối nếu kém hơn phiên bản đang dùng, trừ khi force)"
)
def activate(
    version: str, principal: Caller("model.activate"), services: ServicesDep, body: ActivateIn | None = None
) -> Any:
    result = modelops.activate(
        services.registry, services.catalog, principal, version, bool(body and body.force), _holdout(services)
    )
    services.provider.refresh(force=True)
    return result


@router.post("/rollback", summary="Quay lại phiên bản được kích hoạt trước đó")
def rollback(principal: Caller("model.activate"), services: ServicesDep) -> Any:
    version = modelops.rollback(services.registry, principal)
    services.provider.refresh(force=True)
    return {"active": version}
