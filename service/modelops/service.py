"""Model operations: retraining in the background, comparison, activation with its gate, rollback.

The functions take what they need explicitly; ``ModelOps`` binds them to one running service so
that the HTTP handlers and the command line make the same call.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kiennghi.catalog import Catalog
from kiennghi.models.registry import ModelRegistry
from kiennghi.models.serving import PetitionClassifier
from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context, UnitFactory
from kiennghi.service.errors import ConflictError, ModelOperationError
from kiennghi.service.modelops.jobs import (
    Heartbeat,
    JobLimits,
    JobOwner,
    fail_stale_jobs,
    reap_stale_jobs,
    utc_now,
)
from kiennghi.service.modelops.provider import ModelProvider
from kiennghi.service.modelops.repository import JobRepository
from kiennghi.service.review.repository import CorrectionRepository
from kiennghi.service.tables import ModelJob
from kiennghi.training.corpus import LabelledItem

__all__ = [
    "ModelOps",
    "activate",
    "compare",
    "is_holdout",
    "job_info",
    "labelled_decisions",
    "list_models",
    "rollback",
    "run_retrain",
    "start_retrain",
]

log = logging.getLogger(__name__)


def is_holdout(code: str) -> bool:
    """One item in five (fixed by its id) is kept out of training to compare models on."""
    return int(hashlib.sha256(code.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def labelled_decisions(ctx: Context) -> tuple[list[LabelledItem], list[LabelledItem]]:
    """Clerks' decisions (latest per item) as labelled items: (for training, held out)."""
    catalog = ctx.catalog
    latest: dict[str, Any] = {}
    for correction, code in CorrectionRepository(ctx.session).all():
        latest[code] = correction
    train: list[LabelledItem] = []
    held: list[LabelledItem] = []
    for code, c in latest.items():
        if c.sector not in catalog.taxonomy:
            continue
        item = LabelledItem(
            id=f"correction:{code}",
            text=c.text,
            sector=c.sector,
            lead=c.lead_department,
            origin="correction",
            group=code,
        )
        (held if is_holdout(code) else train).append(item)
    return train, held


def list_models(registry: ModelRegistry, principal: Principal) -> list[dict[str, Any]]:
    require(principal, "model.read")
    rows = []
    for meta in registry.versions():
        rows.append(
            {
                "version": meta["version"],
                "active": meta["active"],
                "created_at": meta.get("created_at"),
                "name": meta.get("name"),
                "n_items": (meta.get("data") or {}).get("n_items"),
                "n_corrections": (meta.get("data") or {}).get("n_corrections", 0),
                "metrics": meta.get("metrics") or {},
            }
        )
    return rows


def start_retrain(
    ctx: Context,
    principal: Principal,
    owner: JobOwner | None = None,
    limits: JobLimits | None = None,
) -> int:
    """Record a queued retraining job (one at a time); the caller runs it in the background.

    A job left queued or running by a worker that died is first declared failed, so it does not
    block this one. ``owner`` is the process that will run the job (default: this one).
    """
    require(principal, "model.train")
    repo = JobRepository(ctx.session)
    now = ctx.now
    fail_stale_jobs(repo, now, limits or JobLimits())
    running = repo.running()
    if running is not None:
        raise ConflictError(f"Đang có lượt huấn luyện số {running.id} ({running.status}); chờ lượt đó xong")
    job = repo.add(
        status="queued",
        message="Đang chờ",
        actor=principal.identity,
        created_at=now,
        n_corrections=0,
        metrics={},
        owner=str(owner or JobOwner.current()),
        heartbeat_at=now,
    )
    return job.id


def run_retrain(
    job_id: int,
    unit_of_work: UnitFactory,
    registry: ModelRegistry,
    training_data: Path,
    extra_holdout: list[LabelledItem] | None = None,
    clock: Callable[[], datetime] = utc_now,
    heartbeat_interval: float | None = None,
) -> None:
    """Train seed corpus + stored corrections into a new (inactive) version; record the outcome.

    ``unit_of_work()`` returns a context manager yielding a Context that commits on exit.
    While training, the job's heartbeat is refreshed every ``heartbeat_interval`` seconds. A job
    declared failed meanwhile (see service.jobs) keeps that outcome: no update below overwrites it.
    """
    from kiennghi.training.train import load_config, train_and_register

    last = [0.0]

    def progress(message: str, done: int, total: int) -> None:
        if time.monotonic() - last[0] < 1.0:
            return
        last[0] = time.monotonic()
        with unit_of_work() as ctx:
            JobRepository(ctx.session).update(
                job_id, when_status=("running",), message=message, heartbeat_at=clock()
            )

    def beat() -> None:
        with unit_of_work() as ctx:
            JobRepository(ctx.session).update(job_id, when_status=("running",), heartbeat_at=clock())

    try:
        with unit_of_work() as ctx:
            catalog = ctx.catalog
            train, held = labelled_decisions(ctx)
            started = JobRepository(ctx.session).update(
                job_id,
                when_status=("queued",),
                status="running",
                n_corrections=len(train),
                message="Đang huấn luyện",
                heartbeat_at=clock(),
            )
        if not started:
            log.warning("retraining job %d was declared failed while queued; not run", job_id)
            return
        log.info("retraining job %d started with %d corrections", job_id, len(train))
        held = held + list(extra_holdout or [])
        with Heartbeat(beat, heartbeat_interval or JobLimits().heartbeat_interval):
            result = train_and_register(
                training_data,
                load_config(None),
                catalog,
                registry,
                eval_sets={"holdout": held} if held else None,
                extra_items=train,
                evaluate=False,
                activate=False,
                progress=progress,
            )
        metrics = {name: r.as_dict() for name, r in result.evaluations.items()}
        with unit_of_work() as ctx:
            JobRepository(ctx.session).update(
                job_id,
                when_status=("running",),
                status="succeeded",
                version=result.version,
                metrics=metrics,
                message=f"Đã tạo phiên bản {result.version} (chưa kích hoạt)",
                finished_at=clock(),
            )
        log.info("retraining job %d made version %s", job_id, result.version)
    except Exception as e:  # a background job must record any failure, not die silently
        log.exception("retraining job %d failed", job_id)
        with unit_of_work() as ctx:
            JobRepository(ctx.session).update(
                job_id,
                when_status=("queued", "running"),
                status="failed",
                message=f"Huấn luyện thất bại: {e}",
                finished_at=clock(),
            )


def compare(
    registry: ModelRegistry,
    catalog: Catalog,
    principal: Principal,
    candidate: str,
    baseline: str | None,
    holdout: list[LabelledItem],
) -> dict[str, Any]:
    """Score the candidate and the baseline (default: active) on the same held-out items."""
    from kiennghi.training.metrics import score

    require(principal, "model.read")
    baseline = baseline or registry.active_version()
    if baseline is None:
        raise ModelOperationError("Chưa có phiên bản nào đang dùng để so sánh")
    out: dict[str, Any] = {"candidate": candidate, "baseline": baseline, "n": len(holdout)}
    results: dict[str, dict[str, Any]] = {}
    for role, version in (("candidate", candidate), ("baseline", baseline)):
        model = registry.load(version)
        if holdout:
            probs = model.pipeline.predict_proba([i.text for i in holdout])
            results[role] = score(holdout, probs, model.classes, catalog).as_dict()
    out["metrics"] = results
    if holdout:
        gap = results["candidate"]["lead_accuracy"] - results["baseline"]["lead_accuracy"]
        out["lead_accuracy_change"] = round(gap, 4)
        out["worse"] = gap < 0
    else:
        out["lead_accuracy_change"] = None
        out["worse"] = False
        out["note"] = "Chưa có kiến nghị đối chứng (được cán bộ duyệt) để so sánh"
    return out


def activate(
    registry: ModelRegistry,
    catalog: Catalog,
    principal: Principal,
    version: str,
    force: bool,
    holdout: list[LabelledItem],
) -> dict[str, Any]:
    """Make ``version`` active unless it is worse than the active one on held-out items."""
    require(principal, "model.activate")
    active = registry.active_version()
    comparison: dict[str, Any] = {"candidate": version, "baseline": active}
    if active is not None and active != version:
        comparison = compare(registry, catalog, principal, version, active, holdout)
        if comparison["worse"] and not force:
            raise ModelOperationError(
                f"Phiên bản {version} kém hơn phiên bản đang dùng {active} trên "
                f"{comparison['n']} kiến nghị đối chứng (độ chính xác cơ quan chủ trì "
                f"{comparison['lead_accuracy_change']:+.1%}); "
                "thêm force=true nếu vẫn muốn kích hoạt"
            )
    PetitionClassifier(registry.load(version), catalog)  # refuse what cannot serve here
    registry.activate(version)
    return {**comparison, "active": version, "forced": force}


def rollback(registry: ModelRegistry, principal: Principal) -> str:
    require(principal, "model.activate")
    return registry.rollback()


def job_info(job: ModelJob) -> dict[str, Any]:
    """A retraining job as the API and the command line show it."""
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


@dataclass
class ModelOps:
    """The model operations of one running service: what its handlers and the CLI call.

    ``provider`` is this worker's active classifier, refreshed at once after an activation (None
    from the command line, where no model is served); ``unit`` and ``reader`` open a write /
    read-only Context; ``holdout_file`` holds the labelled
    items of KIENNGHI_HOLDOUT, scored with the clerks' held-out decisions before an activation.
    """

    registry: ModelRegistry
    catalog: Catalog
    provider: ModelProvider | None
    unit: UnitFactory
    reader: UnitFactory
    clock: Callable[[], datetime]
    limits: JobLimits
    training_data: Path
    holdout_file: list[LabelledItem] = field(default_factory=list)

    def holdout(self) -> list[LabelledItem]:
        """The clerks' held-out decisions and the holdout file: what candidates are compared on."""
        with self.reader() as ctx:
            _train, held = labelled_decisions(ctx)
        return held + self.holdout_file

    def reap(self) -> None:
        """Jobs whose worker died are declared failed before anyone reads a job's status."""
        reap_stale_jobs(self.reader, self.unit, self.clock(), self.limits)

    def models(self, principal: Principal) -> dict[str, Any]:
        return {"items": list_models(self.registry, principal), "active": self.registry.active_version()}

    def retrain(self, principal: Principal) -> dict[str, Any]:
        """Record a job and run it in a background thread of this process; the job as queued."""
        with self.unit() as ctx:
            job_id = start_retrain(ctx, principal, JobOwner.current(), self.limits)
        thread = threading.Thread(
            target=run_retrain,
            name=f"retrain-{job_id}",
            daemon=True,
            args=(
                job_id,
                self.unit,
                self.registry,
                self.training_data,
                self.holdout_file,
                self.clock,
                self.limits.heartbeat_interval,
            ),
        )
        thread.start()
        log.info("retraining job %d queued by %s", job_id, principal.identity)
        return self.job(principal, job_id, reap=False)

    def jobs(self, principal: Principal) -> list[dict[str, Any]]:
        require(principal, "model.read")
        self.reap()
        with self.reader() as ctx:
            return [job_info(j) for j in JobRepository(ctx.session).recent()]

    def job(self, principal: Principal, job_id: int, reap: bool = True) -> dict[str, Any]:
        require(principal, "model.read")
        if reap:
            self.reap()
        with self.reader() as ctx:
            return job_info(JobRepository(ctx.session).get(job_id))

    def compare(self, principal: Principal, version: str, baseline: str | None = None) -> dict[str, Any]:
        return compare(self.registry, self.catalog, principal, version, baseline, self.holdout())

    def activate(self, principal: Principal, version: str, force: bool = False) -> dict[str, Any]:
        """Activate unless worse than the active version (or forced); this worker serves it at once."""
        result = activate(self.registry, self.catalog, principal, version, force, self.holdout())
        if self.provider is not None:
            self.provider.refresh(force=True)
        log.info("model %s activated by %s%s", version, principal.identity, " (forced)" if force else "")
        return result

    def rollback(self, principal: Principal) -> str:
        """Back to the version active before; this worker serves it at once."""
        version = rollback(self.registry, principal)
        if self.provider is not None:
            self.provider.refresh(force=True)
        log.info("model rolled back to %s by %s", version, principal.identity)
        return version
