"""Service settings beside the core ones (KIENNGHI_* variables), read only by factories."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kiennghi.service.modelops.jobs import JobLimits

if TYPE_CHECKING:
    from kiennghi.catalog import Catalog
    from kiennghi.training.corpus import LabelledItem

__all__ = ["ServiceConfig"]


@dataclass(frozen=True)
class ServiceConfig:
    """Limits and data files of the web service.

    max_body_bytes: largest JSON request body (``KIENNGHI_MAX_BODY_BYTES``).
    max_upload_bytes: largest uploaded spreadsheet (``KIENNGHI_MAX_UPLOAD_BYTES``).
    associations: the associations list (``KIENNGHI_ASSOCIATIONS``; default: bundled).
    training_data: the corpus retraining starts from (``KIENNGHI_TRAINING_DATA``; default: seed).
    holdout: an extra labelled file every model comparison also scores (``KIENNGHI_HOLDOUT``).
    db_timeout: seconds to wait for the database (SQLite write lock, PostgreSQL connection)
        before answering 503 with Retry-After (``KIENNGHI_DB_TIMEOUT``).
    key_cache_seconds: how long a worker trusts an API key it has checked without asking the
        database again (``KIENNGHI_KEY_CACHE_SECONDS``). A revocation reaches every worker that
        shares KIENNGHI_HOME at once; this is the bound for any other worker.
    retrain_timeout: seconds after which a retraining still "running" is declared failed
        (``KIENNGHI_RETRAIN_TIMEOUT``, default 2 hours).
    retrain_heartbeat_timeout: seconds without a heartbeat from a retraining's worker after which
        it is declared failed (``KIENNGHI_RETRAIN_HEARTBEAT_TIMEOUT``, default 5 minutes); on the
        worker's own machine a dead worker is noticed at once.
    submit_batch: most single submits stored in one transaction (``KIENNGHI_SUBMIT_BATCH``).
    web_session_seconds: how long a browser stays signed in (``KIENNGHI_WEB_SESSION_HOURS``,
        default 8 hours: a working day).
    """

    max_body_bytes: int = 1 << 20
    max_upload_bytes: int = 10 << 20
    associations: Path | None = None
    training_data: Path | None = None
    holdout: Path | None = None
    db_pool_size: int = 10
    db_timeout: float = 10.0
    # Threads running request handlers per worker. Handlers are CPU-bound Python: more threads
    # than this only contend for the GIL (the default pool has 40).
    threads: int = 8
    key_cache_seconds: float = 30.0
    retrain_timeout: float = 7200.0
    retrain_heartbeat_timeout: float = 300.0

    @property
    def job_limits(self) -> JobLimits:
        return JobLimits(
            timeout=timedelta(seconds=self.retrain_timeout),
            heartbeat_timeout=timedelta(seconds=self.retrain_heartbeat_timeout),
        )

    def training_corpus(self) -> Path:
        """The corpus retraining starts from: KIENNGHI_TRAINING_DATA, else the bundled seed."""
        from kiennghi.training.corpus import seed_corpus_dir

        return self.training_data or seed_corpus_dir()

    def holdout_items(self, catalog: Catalog) -> list[LabelledItem]:
        """The labelled items of KIENNGHI_HOLDOUT (none when it is not set)."""
        from kiennghi.training.corpus import load_labelled

        return load_labelled(self.holdout, catalog) if self.holdout else []

    # Most single submits the writer stores in one transaction (group commit); 1 turns it off.
    submit_batch: int = 64
    web_session_seconds: int = 8 * 3600

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServiceConfig:
        env = os.environ if environ is None else environ

        def path(name: str) -> Path | None:
            value = env.get(name)
            return Path(value).expanduser() if value else None

        return cls(
            max_body_bytes=int(env.get("KIENNGHI_MAX_BODY_BYTES") or cls.max_body_bytes),
            max_upload_bytes=int(env.get("KIENNGHI_MAX_UPLOAD_BYTES") or cls.max_upload_bytes),
            associations=path("KIENNGHI_ASSOCIATIONS"),
            training_data=path("KIENNGHI_TRAINING_DATA"),
            holdout=path("KIENNGHI_HOLDOUT"),
            db_pool_size=int(env.get("KIENNGHI_DB_POOL_SIZE") or cls.db_pool_size),
            db_timeout=float(env.get("KIENNGHI_DB_TIMEOUT") or cls.db_timeout),
            threads=int(env.get("KIENNGHI_THREADS") or cls.threads),
            key_cache_seconds=float(env.get("KIENNGHI_KEY_CACHE_SECONDS") or cls.key_cache_seconds),
            retrain_timeout=float(env.get("KIENNGHI_RETRAIN_TIMEOUT") or cls.retrain_timeout),
            retrain_heartbeat_timeout=float(
                env.get("KIENNGHI_RETRAIN_HEARTBEAT_TIMEOUT") or cls.retrain_heartbeat_timeout
            ),
            submit_batch=int(env.get("KIENNGHI_SUBMIT_BATCH") or cls.submit_batch),
            web_session_seconds=int(
                float(env.get("KIENNGHI_WEB_SESSION_HOURS") or cls.web_session_seconds / 3600) * 3600
            ),
        )
