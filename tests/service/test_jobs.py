"""Retraining jobs a dead worker left "running" are declared failed (dead pid, reused pid, silent
heartbeat, timeout), so a new retraining can start; a live job is left alone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from kiennghi.service.modelops import service as modelops
from kiennghi.service.modelops.jobs import STALE_REASON, JobLimits, JobOwner, fail_stale_jobs
from kiennghi.service.modelops.repository import JobRepository
from tests.service.conftest import Api

HERE = socket.gethostname()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def add_job(
    api: Api, owner: str | None, age: timedelta, heartbeat: timedelta | None, status: str = "running"
) -> int:
    now = api.clock()
    with api.services.unit() as ctx:
        job = JobRepository(ctx.session).add(
            status=status,
            message="Đang huấn luyện",
            actor="test",
            created_at=now - age,
            n_corrections=0,
            metrics={},
            owner=owner,
            heartbeat_at=None if heartbeat is None else now - heartbeat,
        )
        return job.id


def test_owner_liveness() -> None:
    me = JobOwner.current()
    assert me.host == HERE and me.pid == os.getpid() and me.gone() is False
    assert JobOwner.parse(str(me)) == me
    assert JobOwner(HERE, dead_pid(), "").gone() is True
    if me.started:  # Linux: the same pid, started at another time, is another process
        assert JobOwner(HERE, me.pid, str(int(me.started) - 1)).gone() is True
    assert JobOwner("may-khac.example", 1, "").gone() is None
    assert JobOwner.parse(None) is None and JobOwner.parse("rác") is None


def test_dead_worker_job_is_failed_on_read_and_retrain_can_start(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modelops, "run_retrain", lambda *a, **k: None)
    job = add_job(api, f"{HERE}:{dead_pid()}:1", timedelta(seconds=20), timedelta(seconds=5))
    r = api.get("analyst", f"/api/v1/models/jobs/{job}")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "failed" and r.json()["finished_at"] is not None
    assert STALE_REASON in r.json()["message"] and "không còn chạy" in r.json()["message"]
    started = api.post("analyst", "/api/v1/models/retrain")
    assert started.status_code == 202, started.text
    assert started.json()["owner"] == str(JobOwner.current())


def test_stale_job_does_not_block_retrain(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelops, "run_retrain", lambda *a, **k: None)
    # Another machine's worker, silent for 10 minutes (heartbeat timeout: 5); a job from before
    # the owner was recorded, queued an hour ago.
    silent = add_job(api, "may-khac:4242:99", timedelta(minutes=30), timedelta(minutes=10))
    legacy = add_job(api, None, timedelta(hours=1), None, status="queued")
    r = api.post("analyst", "/api/v1/models/retrain")
    assert r.status_code == 202, r.text
    jobs = {j["id"]: j for j in api.get("analyst", "/api/v1/models/jobs").json()["items"]}
    for job in (silent, legacy):
        assert jobs[job]["status"] == "failed"
        assert "không có tín hiệu" in jobs[job]["message"]
    assert jobs[r.json()["id"]]["status"] == "queued"


def test_live_jobs_are_left_alone_until_the_timeout(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modelops, "run_retrain", lambda *a, **k: None)
    remote = add_job(api, "may-khac:4242:99", timedelta(minutes=30), timedelta(seconds=30))
    assert api.get("analyst", f"/api/v1/models/jobs/{remote}").json()["status"] == "running"
    busy = api.post("analyst", "/api/v1/models/retrain")
    assert busy.status_code == 409 and f"số {remote}" in busy.json()["detail"]
    with api.services.unit() as ctx:
        JobRepository(ctx.session).update(remote, status="succeeded")
    # This very process, beating, but running for 3 hours: past KIENNGHI_RETRAIN_TIMEOUT (2 h).
    mine = add_job(api, str(JobOwner.current()), timedelta(hours=3), timedelta(seconds=10))
    job = api.get("analyst", f"/api/v1/models/jobs/{mine}").json()
    assert job["status"] == "failed" and "chạy quá 120 phút" in job["message"]


def test_limits_are_configurable(api: Api) -> None:
    job = add_job(api, "may-khac:1:1", timedelta(minutes=3), timedelta(minutes=2))
    strict = JobLimits(timeout=timedelta(hours=1), heartbeat_timeout=timedelta(minutes=1))
    with api.services.unit() as ctx:
        repo = JobRepository(ctx.session)
        assert fail_stale_jobs(repo, api.clock(), JobLimits()) == []
        assert fail_stale_jobs(repo, api.clock(), strict) == [job]
    assert strict.heartbeat_interval == 15


def test_heartbeat_while_training_and_a_failed_job_stays_failed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:

    services = api.services
    with services.unit() as ctx:
        job = modelops.start_retrain(ctx, _admin(), JobOwner.current())
    from kiennghi.training import train as train_module

    beats: list[Any] = []

    def fake_train(*args: Any, **kwargs: Any) -> Any:
        for _ in range(20):
            time.sleep(0.02)
            api.clock.now += timedelta(seconds=1)
            with services.reader() as ctx:
                beats.append(JobRepository(ctx.session).get(job).heartbeat_at)
        # Meanwhile another worker declared this job failed (it looked dead to it).
        with services.unit() as ctx:
            JobRepository(ctx.session).update(
                job, status="failed", message="Huấn luyện thất bại: " + STALE_REASON
            )
        return SimpleNamespace(version="v0099", evaluations={})

    monkeypatch.setattr(train_module, "train_and_register", fake_train)
    modelops.run_retrain(
        job,
        services.unit,
        services.registry,
        services.training_data,
        clock=services.clock,
        heartbeat_interval=0.05,
    )
    assert len({b for b in beats if b is not None}) >= 2  # the heartbeat moved while training
    with services.reader() as ctx:
        row = JobRepository(ctx.session).get(job)
        assert row.status == "failed" and row.version is None  # not overwritten by "succeeded"


def _admin() -> Any:
    from kiennghi.service.auth.permissions import Principal

    return Principal(key_id=1, name="admin", role="admin")


def test_a_failed_retraining_is_logged_with_its_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kiennghi.training import train as train_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("hết bộ nhớ giả lập")

    services = api.services
    with services.unit() as ctx:
        job = modelops.start_retrain(ctx, _admin(), JobOwner.current())
    monkeypatch.setattr(train_module, "train_and_register", broken)
    with caplog.at_level("ERROR", logger="kiennghi"):
        modelops.run_retrain(job, services.unit, services.registry, services.training_data)
    failures = [r for r in caplog.records if r.name == "kiennghi.service.modelops.service"]
    assert failures and failures[0].exc_info is not None
    assert f"job {job} failed" in failures[0].getMessage()
    with services.reader() as ctx:
        row = JobRepository(ctx.session).get(job)
    assert row.status == "failed" and "hết bộ nhớ giả lập" in row.message
