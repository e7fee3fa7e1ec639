"""A real server process for end-to-end tests: start it on a free port, wait for /readyz, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["fake_app_command", "free_port", "live_server"]


def fake_app_command(port: int) -> list[str]:
    """uvicorn serving the app with the fast fake model (tests.quality.fault_app) on ``port``."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.quality.fault_app:create",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(
    command: Callable[[int], list[str]],
    env: Mapping[str, str],
    timeout: float,
    cwd: Path | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """Run ``command(port)`` in its own session; yield (base URL, process, seconds until ready).

    The process group is stopped with SIGTERM on exit unless the test already ended it.
    """
    port = free_port()
    start = time.monotonic()
    process = subprocess.Popen(
        command(port),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() - start < timeout, f"the server was not ready after {timeout:.0f} s"
            time.sleep(0.1)
        yield base, process, time.monotonic() - start
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
