"""The long-lived parts of a running service, built once by create_app and shared by requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiennghi.catalog import Catalog
from kiennghi.settings import Settings
from models.registry import ModelRegistry
from service.associations import Associations
from service.config import ServiceConfig
from service.errors import AuthenticationError
from service.modelops import ModelProvider
from service.repository import Repository
from service.security import Principal, hash_key
from service.workflow import Classifier, Workflow
from service.writer import SubmitWriter
from training.corpus import LabelledItem

__all__ = ["Services", "utc_now"]


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
    _keys: dict[str, tuple[Principal, float]] = field(default_factory=dict)
    _keys_lock: threading.Lock = field(default_factory=threading.Lock)
    _writer: SubmitWriter | None = None
    _writer_lock: threading.Lock = field(default_factory=threading.Lock)

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

    @contextmanager
    def unit(self) -> Iterator[Repository]:
        """One write transaction: commit when the block ends, roll back on any exception."""
        with self.sessions() as session, session.begin():
            yield Repository(session)

    @contextmanager
    def reader(self) -> Iterator[Repository]:
        with self.read_sessions() as session, session.begin():
            yield Repository(session)

    def workflow(self, repo: Repository) -> Workflow:
        return Workflow(repo, self.catalog, self.associations, self.clock())

    def cached_principal(self, key: str | None) -> Principal | None:
        """The principal of a key looked up less than ``ttl`` seconds ago (no I/O), else None."""
        if not key:
            return None
        cached = self._keys.get(hash_key(key))
        if cached and cached[1] > time.monotonic():
            return cached[0]
        return None

    def authenticate(self, key: str | None, ttl: float = 30.0) -> Principal:
        """The principal of a bearer key; lookups are cached briefly to keep requests cheap."""
        if not key:
            raise AuthenticationError(
                "Thiếu khóa API; gửi tiêu đề 'Authorization: Bearer <khóa>' "
                "(tạo khóa bằng 'kiennghi keys create')"
            )
        digest = hash_key(key)
        cached = self._keys.get(digest)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        with self.reader() as repo:
            row = repo.key_by_hash(digest)
            if row is None:
                raise AuthenticationError("Khóa API không hợp lệ hoặc đã bị thu hồi")
            principal = Principal(row.id, row.name, row.role, row.department)
        with self._keys_lock:
            self._keys[digest] = (principal, time.monotonic() + ttl)
        return principal

    @property
    def training_data(self) -> Path:
        from kiennghi.resources import seed_corpus_dir

        return self.config.training_data or seed_corpus_dir()
