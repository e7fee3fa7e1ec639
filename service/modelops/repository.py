"""Retraining jobs: their rows, status and heartbeat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiennghi.service.errors import NotFoundError
from kiennghi.service.tables import ModelJob

__all__ = ["JobRepository"]


class JobRepository:
    """Job statements within one unit of work (one SQLAlchemy session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **fields: Any) -> ModelJob:
        job = ModelJob(**fields)
        self.session.add(job)
        self.session.flush()
        return job

    def get(self, job_id: int) -> ModelJob:
        job = self.session.get(ModelJob, job_id)
        if job is None:
            raise NotFoundError(f"Không có lượt huấn luyện số {job_id}")
        return job

    def running(self) -> ModelJob | None:
        return self.session.scalar(
            select(ModelJob).where(ModelJob.status.in_(("queued", "running"))).limit(1)
        )

    def recent(self, limit: int = 20) -> list[ModelJob]:
        stmt = select(ModelJob).order_by(ModelJob.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def active(self) -> list[ModelJob]:
        stmt = select(ModelJob).where(ModelJob.status.in_(("queued", "running"))).order_by(ModelJob.id)
        return list(self.session.scalars(stmt))

    def update(self, job_id: int, when_status: Sequence[str] | None = None, **fields: Any) -> bool:
        """Update a job; with ``when_status``, only while it is in one of those states."""
        stmt = update(ModelJob).where(ModelJob.id == job_id)
        if when_status is not None:
            stmt = stmt.where(ModelJob.status.in_(tuple(when_status)))
        result = self.session.execute(stmt.values(**fields))
        return bool(result.rowcount)  # type: ignore[attr-defined]
