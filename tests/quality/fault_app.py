"""An app factory for fault tests run under uvicorn in a child process (the fast fake model).

``KN_FAULT_MARKER`` and ``KN_FAULT_AFTER`` make an import stall halfway: once that many rows
are written (flushed to the database, not committed) the marker file appears and the request
sleeps, so the test can kill -9 the server at a known point inside the transaction.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from kiennghi.catalog import load_catalog
from kiennghi.service.app import create_app
from kiennghi.service.petitions import upload
from kiennghi.settings import Settings
from tests.service.fakes import FakeClassifier


def _stall_after(count: int, marker: Path) -> None:
    original = upload.store
    written = 0

    def store(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal written
        petitions = original(ctx, *args, **kwargs)
        before, written = written, written + len(petitions)
        if before < count <= written:
            ctx.session.flush()
            marker.write_text(str(os.getpid()))
            time.sleep(120)
        return petitions

    upload.store = store  # the upload's own reference to intake.store


def create() -> FastAPI:
    settings = Settings.from_env()
    if os.environ.get("KN_FAULT_MARKER"):
        _stall_after(int(os.environ["KN_FAULT_AFTER"]), Path(os.environ["KN_FAULT_MARKER"]))
    return create_app(settings, classifier=FakeClassifier(load_catalog(settings)))
