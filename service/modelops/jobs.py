"""Who runs a retraining job, its heartbeat, and failing the jobs a dead worker left "running".

A retraining job runs in a thread of the worker process that accepted the request. If that process
dies (killed, restarted, machine rebooted) the job's row would stay "running" and block every new
retraining. So each job records its owner process and refreshes a heartbeat; a job is declared
failed when its owner is gone (same machine), its heartbeat stopped, or it ran past the timeout.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from kiennghi.service.context import UnitFactory
from kiennghi.service.modelops.repository import JobRepository
from kiennghi.service.tables import ModelJob

__all__ = [
    "STALE_REASON",
    "Heartbeat",
    "JobLimits",
    "JobOwner",
    "fail_stale_jobs",
    "reap_stale_jobs",
    "stale_reason",
]

log = logging.getLogger(__name__)

STALE_REASON = "tiến trình huấn luyện đã dừng bất thường"


def _start_marker(pid: int) -> str:
    """When the process started (Linux: clock ticks since boot), to tell a reused pid apart; ''
    where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    # Field 2 (the command) may hold spaces and parentheses: count from its closing one.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


@dataclass(frozen=True)
class JobOwner:
    """The worker process running a job: host name, pid and the process start marker."""

    host: str
    pid: int
    started: str = ""

    @classmethod
    def current(cls) -> JobOwner:
        pid = os.getpid()
        return cls(socket.gethostname(), pid, _start_marker(pid))

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}"

    @classmethod
    def parse(cls, text: str | None) -> JobOwner | None:
        if not text:
            return None
        host, _, rest = text.rpartition(":")
        host, _, pid = host.rpartition(":")
        if not host or not pid.isdigit():
            return None
        return cls(host, int(pid), rest)

    def gone(self) -> bool | None:
        """True when the process has ended, False when it runs, None when it is on another host."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # exists, owned by another user
        if self.started:
            now = _start_marker(self.pid)
            if now and now != self.started:
                return True  # the pid now belongs to another process
        return False


@dataclass(frozen=True)
class JobLimits:
    """timeout: longest a retraining may run (``KIENNGHI_RETRAIN_TIMEOUT``, seconds);
    heartbeat_timeout: silence after which its worker is presumed dead
    (``KIENNGHI_RETRAIN_HEARTBEAT_TIMEOUT``, seconds); the job beats four times within it."""

    timeout: timedelta = timedelta(hours=2)
    heartbeat_timeout: timedelta = timedelta(minutes=5)

    @property
    def heartbeat_interval(self) -> float:
        return min(30.0, self.heartbeat_timeout.total_seconds() / 4)


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:g} phút"


def stale_reason(job: ModelJob, now: datetime, limits: JobLimits) -> str | None:
    """Why a queued or running job should be declared failed, or None while it may be alive."""
    owner = JobOwner.parse(job.owner)
    if owner is not None and owner.gone():
        return f"{STALE_REASON} (tiến trình {owner.pid} trên máy {owner.host} không còn chạy)"
    last = job.heartbeat_at or job.created_at
    if now - last > limits.heartbeat_timeout:
        return (
            f"{STALE_REASON} (không có tín hiệu từ tiến trình huấn luyện trong hơn "
            f"{_minutes(limits.heartbeat_timeout)})"
        )
    if now - job.created_at > limits.timeout:
        return f"{STALE_REASON} hoặc bị treo (chạy quá {_minutes(limits.timeout)})"
    return None


def fail_stale_jobs(repo: JobRepository, now: datetime, limits: JobLimits) -> list[int]:
    """Mark failed every queued or running job whose worker is gone; returns their numbers."""
    failed = []
    for job in repo.active():
        reason = stale_reason(job, now, limits)
        if reason is None:
            continue
        message = f"Huấn luyện thất bại: {reason}; có thể bắt đầu lượt huấn luyện mới"
        if repo.update(job.id, when_status=(job.status,), status="failed", message=message, finished_at=now):
            log.warning("retraining job %d declared failed: %s", job.id, reason)
            failed.append(job.id)
    return failed


def reap_stale_jobs(
    reader: UnitFactory,
    unit_of_work: UnitFactory,
    now: datetime,
    limits: JobLimits,
) -> list[int]:
    """``fail_stale_jobs`` that takes a write transaction only when some job is stale."""
    with reader() as ctx:
        if not any(stale_reason(job, now, limits) for job in JobRepository(ctx.session).active()):
            return []
    with unit_of_work() as ctx:
        return fail_stale_jobs(JobRepository(ctx.session), now, limits)


class Heartbeat(AbstractContextManager["Heartbeat"]):
    """Calls ``beat`` every ``interval`` seconds in a thread while the block runs."""

    def __init__(self, beat: Callable[[], None], interval: float) -> None:
        self.beat = beat
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retrain-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            # A missed beat (database busy for a moment) is retried; only many misses fail the job.
            try:
                self.beat()
            except Exception as e:
                log.warning("retraining heartbeat missed: %s", e)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()


def utc_now() -> datetime:
    return datetime.now(UTC)
