"""Running the HTTP service: one process, or a parent that loads the model once and forks workers.

With several workers, uvicorn's own supervisor starts each worker as a fresh interpreter that
imports everything and loads the model again: on two cores, two workers took twice the CPU of
one before the first answered. Here the parent imports the application, loads the model and
binds the socket, then forks the workers; each opens its own database connections (in the
app's lifespan, after the fork) and serves on the shared socket. Memory pages of the model
stay shared between the workers until written.

A worker that dies (killed, crashed) is replaced; one whose app cannot start (a database that
cannot be reached) stops the whole service instead of restarting in a loop, and so do more than
``_MAX_RESTARTS`` restarts within ``_RESTART_WINDOW`` seconds. SIGTERM or SIGINT to the parent
stops the workers gracefully.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from typing import Any

__all__ = ["serve"]

_STARTUP_FAILED = 3  # a worker's exit code when its app could not start (database, port …)
_MAX_RESTARTS, _RESTART_WINDOW = 5, 60.0  # more restarts than this within the window: give up
_log = logging.getLogger(__name__)


def serve(host: str, port: int, workers: int) -> None:
    """Serve ``service.app`` on host:port with ``workers`` processes (the database is migrated)."""
    import uvicorn

    if workers <= 1 or not hasattr(os, "fork"):
        uvicorn.run(
            "kiennghi.service.app:serve_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
        return
    from kiennghi.service.app import create_app, freeze_heap, load_model
    from kiennghi.service.config import ServiceConfig
    from kiennghi.settings import Settings

    settings = Settings.from_env()
    provider = load_model(settings, associations=ServiceConfig.from_env().associations)
    app = create_app(settings, migrate=False, provider=provider)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    sock = config.bind_socket()
    freeze_heap()  # before the fork: collections in the workers do not touch the shared pages
    sys.exit(_supervise(config, sock, workers))


def _run_worker(config: Any, sock: Any) -> None:
    import uvicorn

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server = uvicorn.Server(config)
    code = 1
    try:
        server.run(sockets=[sock])
        code = 0
    except BaseException:
        _log.exception("Tiến trình phục vụ dừng vì lỗi")
    finally:
        # uvicorn returns without serving when the app's start-up (lifespan) failed.
        os._exit(code if server.started else _STARTUP_FAILED)


def _supervise(config: Any, sock: Any, workers: int) -> int:
    children: set[int] = set()
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            _run_worker(config, sock)
        children.add(pid)

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for _ in range(workers):
        spawn()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    restarts: list[float] = []
    while children:
        pid, wait_status = os.wait()
        if pid not in children:
            continue
        children.discard(pid)
        if stopping:
            continue
        code = os.waitstatus_to_exitcode(wait_status)
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < _RESTART_WINDOW] + [now]
        if code == _STARTUP_FAILED or len(restarts) > _MAX_RESTARTS:
            _log.error(
                "Tiến trình phục vụ %s dừng (mã %s) và không khởi động lại được; dừng dịch vụ.", pid, code
            )
            status = 1
            stop(signal.SIGTERM, None)
            continue
        _log.error("Tiến trình phục vụ %s dừng bất thường (mã %s); khởi động lại.", pid, code)
        spawn()
    return status
