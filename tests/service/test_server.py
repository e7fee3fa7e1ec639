"""The real thing: `kiennghi keys create` and `kiennghi serve` (uvicorn, several workers on
PostgreSQL) over loopback; every worker follows an activation; a restart keeps everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from kiennghi.settings import Settings
from tests.live_server import live_server
from tests.service.conftest import TrainedHome, copy_home

pytestmark = pytest.mark.slow


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIENNGHI_")}
    env["KIENNGHI_HOME"] = str(settings.home)
    env["KIENNGHI_DATABASE_URL"] = str(settings.database_url)
    env["KIENNGHI_POLICY"] = str(settings.policy)
    return env


def _cli(settings: Settings, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kiennghi.cli", *args],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def serving(settings: Settings, workers: int) -> Iterator[tuple[str, float, int]]:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "kiennghi.cli", "serve", "--port", str(port), "--workers", str(workers)]

    with live_server(command, _env(settings), timeout=120) as (base, process, seconds):
        yield base, seconds, process.pid


def test_serve_workers_follow_activation_and_restart(settings: Settings, trained_home: TrainedHome) -> None:
    copy_home(trained_home, settings.home)
    _cli(settings, "db", "upgrade")
    admin = _cli(settings, "keys", "create", "--role", "admin", "--name", "Quản trị")
    admin_key = admin.strip().splitlines()[-1]
    dept = _cli(settings, "keys", "create", "--role", "department", "--department", "so-y-te")
    dept_key = dept.strip().splitlines()[-1]
    clerk_key = _cli(settings, "keys", "create", "--role", "secretariat").strip().splitlines()[-1]
    assert admin_key.startswith("kn_") and dept_key.startswith("kn_")
    workers = 1 if str(settings.database_url).startswith("sqlite") else 2
    auth = {"Authorization": f"Bearer {admin_key}"}

    with serving(settings, workers) as (base, started, _pid), httpx.Client(base_url=base) as http:
        print(f"khởi động {workers} tiến trình: {started:.2f} s")
        created = http.post(
            "/api/v1/petitions",
            headers=auth,
            json={"text": "Trạm y tế xã thiếu bác sĩ, đề nghị bổ sung", "association": "hoi-phu-nu"},
        )
        assert created.status_code == 201, created.text
        code = created.json()["id"]
        assert created.json()["model_version"] == "v0001"
        r = http.post("/api/v1/models/v0002/activate", headers=auth, json={"force": True})
        assert r.status_code == 200, r.text
        versions = {
            http.post("/api/v1/petitions", headers=auth, json={"text": f"Đường hư số {i}"}).json()[
                "model_version"
            ]
            for i in range(12)
        }
        assert versions == {"v0002"}  # every worker picked up the activation

        # A key every worker has cached is refused by all of them once the CLI revokes it (a new
        # connection per request, so that both workers answer).
        clerk = {"Authorization": f"Bearer {clerk_key}"}
        assert {httpx.get(f"{base}/api/v1/catalog", headers=clerk).status_code for _ in range(12)} == {200}
        assert "Đã thu hồi khóa số 3" in _cli(settings, "keys", "revoke", clerk_key[:8])
        assert {httpx.get(f"{base}/api/v1/catalog", headers=clerk).status_code for _ in range(12)} == {401}
        assert "[admin]" in _cli(settings, "keys", "list")
        assert http.get("/openapi.json").json()["paths"]["/api/v1/petitions"]["post"]

    with serving(settings, 1) as (base, _, _pid), httpx.Client(base_url=base) as http:
        r = http.get(f"/api/v1/petitions/{code}", headers={"Authorization": f"Bearer {dept_key}"})
        assert r.status_code == 200 and r.json()["association"] == "hoi-phu-nu"
        assert http.get("/api/v1/petitions", headers=auth).json()["total"] == 13
        assert (
            http.post("/api/v1/petitions", headers=auth, json={"text": "x"}).json()["model_version"]
            == "v0002"
        )


def test_keys_create_rejects_bad_department(settings: Settings, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiennghi.cli",
            "keys",
            "create",
            "--role",
            "department",
            "--department",
            "so-khong-co",
        ],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and "so-y-te" in done.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return sorted(found)


def test_forked_workers_share_the_load_and_a_dead_worker_is_replaced(
    settings: Settings, trained_home: TrainedHome
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    copy_home(trained_home, settings.home)
    key = _cli(settings, "keys", "create", "--role", "secretariat").strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {key}"}

    def submit(i: int) -> tuple[int, str]:
        r = httpx.post(f"{base}/api/v1/petitions", headers=auth, json={"text": f"Đường liên xã hư số {i}"})
        return r.status_code, r.json().get("id", r.text)

    with serving(settings, 2) as (base, _started, parent):
        with ThreadPoolExecutor(8) as pool:
            first = list(pool.map(submit, range(60)))
        assert {status for status, _ in first} == {201}, [c for s, c in first if s != 201][:3]
        workers = _children(parent)
        assert len(workers) == 2  # forked by `kiennghi serve`, which loaded the model once
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(_children(parent)) < 2 or workers[0] in _children(parent):
            assert time.monotonic() < deadline, "no worker replaced the one killed"
            time.sleep(0.2)
        with ThreadPoolExecutor(8) as pool:
            second = list(pool.map(submit, range(60, 100)))
        assert {status for status, _ in second} == {201}
        assert len({code for _, code in first + second}) == 100
        listed = httpx.get(f"{base}/api/v1/petitions", headers=auth, params={"page_size": 1}).json()
        assert listed["total"] == 100
