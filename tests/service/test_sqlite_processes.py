"""Several worker processes on one SQLite file (WAL, busy timeout, a lock file for writers):
every submit is stored exactly once, numbers stay contiguous, nobody sees 'database is locked'."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from kiennghi.service.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 3
EACH = 120


def test_processes_sharing_a_sqlite_file_store_every_submit_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiennghi.db'}"
    engine = make_engine(url)
    upgrade(engine)
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.service.sqlite_child",
                url,
                str(tmp_path / f"home{n}"),
                str(EACH),
                f"p{n}",
                str(go),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    time.sleep(3)  # every child has imported and opened the database
    go.touch()
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err[-2000:]
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    assert [o["errors"] for o in outputs] == [[]] * PROCESSES
    codes = [c for o in outputs for c in o["codes"]]
    assert len(codes) == len(set(codes)) == PROCESSES * EACH
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, text FROM petitions ORDER BY id")).all()
        events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        last = conn.execute(text("SELECT last FROM sequences")).scalar_one()
    engine.dispose()
    assert sorted(code for code, _t in rows) == sorted(codes)
    assert len({t for _c, t in rows}) == PROCESSES * EACH  # each text once: nothing stored twice
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, PROCESSES * EACH + 1))
    assert last == PROCESSES * EACH
    assert events == 2 * PROCESSES * EACH
