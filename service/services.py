"""The long-lived parts of a running service, built once by create_app and shared by requests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from kiennghi.catalog import Catalog
from kiennghi.catalog.associations import Associations
from kiennghi.models.registry import ModelRegistry
from kiennghi.service.auth.authentication import Authenticator
from kiennghi.service.auth.revocation import RevocationSignal
from kiennghi.service.config import ServiceConfig
from kiennghi.service.context import Context
from kiennghi.service.modelops.provider import ModelProvider
from kiennghi.service.modelops.service import ModelOps
from kiennghi.service.petitions.domain import Classifier
from kiennghi.service.petitions.writer import SubmitWriter
from kiennghi.settings import Settings
from kiennghi.timezone import local_date
from kiennghi.training.corpus import LabelledItem

__all__ = ["Services", "utc_now"]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    config: ServiceConfig
    catalog: Catalog
    associations: Associations
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    registry: ModelRegistry
    provider: ModelProvider
    clock: Callable[[], datetime] = utc_now
    holdout_file: list[LabelledItem] = field(default_factory=list)
    _writer: SubmitWriter | None = None
    _writer_lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def revocations(self) -> RevocationSignal:
        return RevocationSignal.in_home(self.settings.home)

    @cached_property
    def auth(self) -> Authenticator:
        """Who is calling (bearer keys, cached per process until any key is revoked)."""
        return Authenticator(
            self.reader, self.unit, self.revocations, self.clock, self.config.key_cache_seconds
        )

    @cached_property
    def models(self) -> ModelOps:
        """Retraining, comparison, activation and rollback, as handlers and the CLI call them."""
        return ModelOps(
            registry=self.registry,
            catalog=self.catalog,
            provider=self.provider,
            unit=self.unit,
            reader=self.reader,
            clock=self.clock,
            limits=self.config.job_limits,
            training_data=self.training_data,
            holdout_file=self.holdout_file,
        )

    @property
    def submissions(self) -> SubmitWriter:
        """This process's group-commit writer of single submits (its thread starts on first use)."""
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = SubmitWriter(self, max_batch=self.config.submit_batch)
        return self._writer

    def classifier(self) -> Classifier:
        """The active classifier (follows activations in any worker)."""
        return self.provider.current()

    def close(self) -> None:
        """Store submits still queued, stop the writer thread, close the database connections."""
        if self._writer is not None:
            self._writer.close()
        self.engine.dispose()

    def context(self, session: Session) -> Context:
        return Context(session, self.catalog, self.associations, self.clock(), self.settings.zone)

    @contextmanager
    def unit(self) -> Iterator[Context]:
        """One write transaction: commit when the block ends, roll back on any exception."""
        with self.sessions() as session, session.begin():
            yield self.context(session)

    @contextmanager
    def reader(self) -> Iterator[Context]:
        """One read-only transaction."""
        with self.read_sessions() as session, session.begin():
            yield self.context(session)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether the database answers and a model is loaded, and what each check found."""
        checks: dict[str, Any] = {}
        try:
            with self.reader() as ctx:
                ctx.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as e:  # readiness reports any database failure instead of raising
            log.warning("readiness: database check failed: %s", e)
            checks["database"] = f"lỗi: {type(e).__name__}"
        if self.provider.ready:
            checks["model"] = self.provider.current().version
        else:
            checks["model"] = self.provider.last_error or "chưa nạp"
        return checks["database"] == "ok" and self.provider.ready, checks

    def today(self) -> date:
        """The province's calendar day now (KIENNGHI_TIMEZONE)."""
        return local_date(self.clock(), self.settings.zone)

    @property
    def training_data(self) -> Path:
        return self.config.training_corpus()
