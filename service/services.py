"""The long-lived parts of a running service, built once by create_app and shared by requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiennghi.catalog import Catalog
from kiennghi.catalog.associations import Associations
from kiennghi.models.registry import ModelRegistry
from kiennghi.service.config import ServiceConfig
from kiennghi.service.errors import AuthenticationError
from kiennghi.service.key_repository import KeyRepository
from kiennghi.service.keys import RevocationSignal
from kiennghi.service.modelops import ModelProvider
from kiennghi.service.repository import Repository
from kiennghi.service.security import Principal, hash_key
from kiennghi.service.workflow import Classifier, Workflow
from kiennghi.service.writer import SubmitWriter
from kiennghi.settings import Settings
from kiennghi.timezone import local_date
from kiennghi.training.corpus import LabelledItem

__all__ = ["LAST_USED_RESOLUTION", "Services", "utc_now"]

# A key's "last used" time is refreshed when older than this: one write per key per hour at
# most, never one per request.
LAST_USED_RESOLUTION = timedelta(hours=1)


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
    # key hash → (principal, monotonic expiry, revocation stamp when it was looked up)
    _keys: dict[str, tuple[Principal, float, object]] = field(default_factory=dict)
    _keys_lock: threading.Lock = field(default_factory=threading.Lock)
    revocations: RevocationSignal = field(init=False)
    _writer: SubmitWriter | None = None
    _writer_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.revocations = RevocationSignal.in_home(self.settings.home)

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
        return Workflow(repo, self.catalog, self.associations, self.clock(), self.settings.zone)

    def today(self) -> date:
        """The province's calendar day now (KIENNGHI_TIMEZONE)."""
        return local_date(self.clock(), self.settings.zone)

    def cached_principal(self, key: str | None) -> Principal | None:
        """The principal of a key looked up recently, else None. No database: one ``stat`` of the
        revocation signal, so a key revoked by any worker or by the command line is not served
        from the cache."""
        if not key:
            return None
        cached = self._keys.get(hash_key(key))
        if cached and cached[1] > time.monotonic() and cached[2] == self.revocations.stamp():
            return cached[0]
        return None

    def authenticate(self, key: str | None, ttl: float | None = None) -> Principal:
        """The principal of a bearer key; lookups are cached for ``ttl`` seconds (default
        ``config.key_cache_seconds``) or until any key is revoked."""
        if not key:
            raise AuthenticationError(
                "Thiếu khóa API; gửi tiêu đề 'Authorization: Bearer <khóa>' "
                "(tạo khóa bằng 'kiennghi keys create')"
            )
        digest = hash_key(key)
        # Read before the database: a revocation committed after our lookup changes the stamp
        # afterwards, so the entry cached below is never used past it.
        stamp = self.revocations.stamp()
        cached = self._keys.get(digest)
        if cached and cached[1] > time.monotonic() and cached[2] == stamp:
            return cached[0]
        with self.reader() as repo:
            row = repo.key_by_hash(digest)
            if row is None:
                raise AuthenticationError("Khóa API không hợp lệ hoặc đã bị thu hồi")
            principal = Principal(row.id, row.name, row.role, row.department)
            last_used = row.last_used_at
        self._record_use(principal.key_id, last_used)
        expiry = time.monotonic() + (self.config.key_cache_seconds if ttl is None else ttl)
        with self._keys_lock:
            self._keys[digest] = (principal, expiry, stamp)
        return principal

    def _record_use(self, key_id: int, last_used: datetime | None) -> None:
        now = self.clock()
        if last_used is not None and now - last_used < LAST_USED_RESOLUTION:
            return
        try:
            with self.unit() as repo:
                KeyRepository(repo.session).touch(key_id, now)
        except OperationalError:
            # Advisory only: a database busy with writes (or locked by another program) must not
            # refuse a valid key; the time is recorded on a later request.
            pass

    @property
    def training_data(self) -> Path:
        from kiennghi.training.corpus import seed_corpus_dir

        return self.config.training_data or seed_corpus_dir()
