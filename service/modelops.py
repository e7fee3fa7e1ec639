"""Model operations: the active classifier for every worker, retraining, comparison, activation."""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiennghi.catalog import Catalog
from kiennghi.errors import KienNghiError
from kiennghi.models.registry import LoadedModel, ModelRegistry
from kiennghi.models.serving import PetitionClassifier
from kiennghi.service.errors import ConflictError, ModelNotReadyError, ModelOperationError
from kiennghi.service.jobs import Heartbeat, JobLimits, JobOwner, fail_stale_jobs, utc_now
from kiennghi.service.repository import Repository
from kiennghi.service.security import Principal, require
from kiennghi.service.workflow import Classifier
from kiennghi.training.corpus import LabelledItem

__all__ = [
    "ModelProvider",
    "activate",
    "compare",
    "is_holdout",
    "labelled_decisions",
    "list_models",
    "rollback",
    "run_retrain",
    "start_retrain",
]


class ModelProvider:
    """Hands out the active classifier and follows the registry's active version.

    Every worker process has its own provider; an activation in any worker rewrites the registry
    index, and each provider notices on its next request (one ``stat`` call) and loads the new
    version once. A fixed classifier (tests) is handed out as is.
    """

    def __init__(self, registry: ModelRegistry, catalog: Catalog, fixed: Classifier | None = None) -> None:
        self.registry = registry
        self.catalog = catalog
        self._fixed = fixed
        self._classifier: Classifier | None = fixed
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def ready(self) -> bool:
        return self._classifier is not None

    def _serving(self, model: LoadedModel) -> Classifier:
        # Each request scores its own text in its handler thread; the model's compiled form keeps
        # that to well under a millisecond (models/compiled.py).
        return PetitionClassifier(model, self.catalog)

    def _index_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.registry.root / "index.json")
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self, build: Callable[[], Classifier] | None = None) -> None:
        """First load at start-up; ``build`` makes the default model on a fresh install."""
        if self._fixed is not None:
            return
        if self.registry.active_version() is None and build is not None:
            build()  # trains and activates the default model (first start only)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        if self._fixed is not None:
            return
        stamp = self._index_stamp()
        if not force and stamp == self._stamp:
            return
        with self._lock:
            if not force and stamp == self._stamp:
                return
            try:
                active = self.registry.active_version()
                if active and (self._classifier is None or self._classifier.version != active):
                    self._classifier = self._serving(self.registry.load(active))
                    gc.freeze()  # keep full collections from walking the model (see app.freeze_heap)
                self.last_error = None
            except KienNghiError as e:
                # Keep serving the model we have; /readyz and the model list show the problem.
                self.last_error = str(e)
            self._stamp = stamp

    def current(self) -> Classifier:
        self.refresh()
        if self._classifier is None:
            raise ModelNotReadyError(
                self.last_error or "Chưa có mô hình nào được kích hoạt; hãy huấn luyện mô hình"
            )
        return self._classifier


def is_holdout(code: str) -> bool:
    """One item in five (fixed by its id) is kept out of training to compare models on."""
    return int(hashlib.sha256(code.encode("utf-8")).hexdigest()[:8], 16) % 5 == 0


def labelled_decisions(repo: Repository, catalog: Catalog) -> tuple[list[LabelledItem], list[LabelledItem]]:
    """Clerks' decisions (latest per item) as labelled items: (for training, held out)."""
    latest: dict[str, Any] = {}
    for correction, code in repo.corrections():
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
    repo: Repository,
    principal: Principal,
    now: datetime,
    owner: JobOwner | None = None,
    limits: JobLimits | None = None,
) -> int:
    """Record a queued retraining job (one at a time); the caller runs it in the background.

    A job left queued or running by a worker that died is first declared failed, so it does not
    block this one. ``owner`` is the process that will run the job (default: this one).
    """
    require(principal, "model.train")
    fail_stale_jobs(repo, now, limits or JobLimits())
    running = repo.running_job()
    if running is not None:
        raise ConflictError(f"Đang có lượt huấn luyện số {running.id} ({running.status}); chờ lượt đó xong")
    job = repo.add_job(
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
    unit_of_work: Callable[[], Any],
    registry: ModelRegistry,
    catalog: Catalog,
    training_data: Path,
    extra_holdout: list[LabelledItem] | None = None,
    clock: Callable[[], datetime] = utc_now,
    heartbeat_interval: float | None = None,
) -> None:
    """Train seed corpus + stored corrections into a new (inactive) version; record the outcome.

    ``unit_of_work()`` returns a context manager yielding a Repository that commits on exit.
    While training, the job's heartbeat is refreshed every ``heartbeat_interval`` seconds. A job
    declared failed meanwhile (see service.jobs) keeps that outcome: no update below overwrites it.
    """
    from kiennghi.training.train import load_config, train_and_register

    last = [0.0]

    def progress(message: str, done: int, total: int) -> None:
        if time.monotonic() - last[0] < 1.0:
            return
        last[0] = time.monotonic()
        with unit_of_work() as repo:
            repo.update_job(job_id, when_status=("running",), message=message, heartbeat_at=clock())

    def beat() -> None:
        with unit_of_work() as repo:
            repo.update_job(job_id, when_status=("running",), heartbeat_at=clock())

    try:
        with unit_of_work() as repo:
            train, held = labelled_decisions(repo, catalog)
            started = repo.update_job(
                job_id,
                when_status=("queued",),
                status="running",
                n_corrections=len(train),
                message="Đang huấn luyện",
                heartbeat_at=clock(),
            )
        if not started:
            return  # declared failed while queued
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
        with unit_of_work() as repo:
            repo.update_job(
                job_id,
                when_status=("running",),
                status="succeeded",
                version=result.version,
                metrics=metrics,
                message=f"Đã tạo phiên bản {result.version} (chưa kích hoạt)",
                finished_at=clock(),
            )
    except Exception as e:  # a background job must record any failure, not die silently
        with unit_of_work() as repo:
            repo.update_job(
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
    results = {}
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
