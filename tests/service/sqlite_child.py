"""A worker process for the multi-process SQLite test: submits petitions into a shared file.

    python -m tests.service.sqlite_child DATABASE_URL HOME COUNT TAG GO_FILE

Waits for GO_FILE (so all processes start writing together), then stores COUNT petitions:
most through the group-commit writer (8 at a time), every fifth in its own transaction as an
upload-like unit of work; prints one JSON line with the codes it got and the errors it saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from kiennghi.catalog import load_catalog
from kiennghi.service.app import build_services
from kiennghi.service.auth.permissions import Principal
from kiennghi.service.config import ServiceConfig
from kiennghi.service.petitions.domain import NewPetition
from kiennghi.service.petitions.intake import submit_one
from kiennghi.settings import Settings
from tests.service.fakes import FakeClassifier


def main() -> None:
    url, home, count, tag, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])
    settings = Settings.from_env({"KIENNGHI_HOME": home, "KIENNGHI_DATABASE_URL": url})
    services = build_services(
        settings, ServiceConfig(db_timeout=30), FakeClassifier(load_catalog(settings)), None, migrate=False
    )
    principal = Principal(key_id=1, name=f"tiến trình {tag}", role="secretariat")
    codes: list[str] = []
    errors: list[str] = []

    def alone(i: int) -> None:
        with services.unit() as ctx:
            view = submit_one(ctx, principal, services.classifier(), NewPetition(text=f"{tag} đường {i}"))
            codes.append(view.petition.code)

    async def client(start: int) -> None:
        for i in range(start, count, 8):
            try:
                if i % 5 == 0:
                    await asyncio.to_thread(alone, i)
                else:
                    item = NewPetition(text=f"{tag} đường {i}")
                    stored = await services.submissions.submit(principal, item)
                    codes.append(stored.view.petition.code)
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")

    async def run() -> None:
        await asyncio.gather(*(client(s) for s in range(8)))

    while not go.exists():
        time.sleep(0.005)
    asyncio.run(run())
    services.close()
    print(json.dumps({"codes": codes, "errors": errors}))


if __name__ == "__main__":
    main()
