"""Benchmark of single submits (classify + assign + persist) over loopback.

Starts `kiennghi serve` in its own process group on a free 127.0.0.1 port, creates a key with
`kiennghi keys create`, and drives POST /api/v1/petitions from this (second) process with 32
concurrent keep-alive connections. Two phases, each bounded in time and count:

* open loop: requests are due at a fixed rate (default 300/s) spread over the 32 connections;
  latency counts from when a request was due, so a slow server cannot hide queueing;
* closed loop: each connection sends its next request as soon as the last one returns: the
  most the service does (latency here is mostly queueing: concurrency / throughput).

Also reports the start time (until /healthz and until /readyz answer 200).

    python tests/benchmarks/bench_api.py                                   # SQLite, 1 worker
    python tests/benchmarks/bench_api.py --workers 2 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Not part of the test run. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PLACES = ["xã Tân Lập", "xã Hòa Bình", "thôn Đông", "xã Phú Mỹ", "phường An Lạc", "xã Vĩnh Hưng"]
TEMPLATES = [
    "Cử tri {p} đề nghị nâng cấp tuyến đường liên xã bị xuống cấp nghiêm trọng, nhiều ổ gà",
    "Hội Nông dân {p} đề nghị hỗ trợ kinh phí hoạt động cho chi hội năm {y}",
    "Trạm y tế {p} thiếu bác sĩ và thuốc thiết yếu, đề nghị bổ sung nhân lực",
    "Đề nghị cấp giấy chứng nhận quyền sử dụng đất còn tồn đọng ở {p} từ năm {y}",
    "Phản ánh phân bón giả, thuốc bảo vệ thực vật kém chất lượng bán tại chợ {p}",
    "Đề nghị xem xét chế độ cho cựu chiến binh theo Quyết định 62/2011/QĐ-TTg tại {p}",
    "de nghi ho tro kinh phi sua chua truong hoc {p}",
    "Mất điện kéo dài ở {p}, đề nghị ngành điện nâng cấp đường dây và trạm biến áp",
]


def text(i: int) -> str:
    rng = random.Random(i)
    return rng.choice(TEMPLATES).format(p=rng.choice(PLACES), y=2020 + i % 6) + f" (mục {i})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every process in the server's process group (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, …
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Connection:
    """A minimal HTTP/1.1 keep-alive client: little client CPU, so the server is measured."""

    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.key = key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_phase(port: int, key: str, concurrency: int, duration: float, max_requests: int,
                    rate: float | None, offset: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(max_requests))
    start = time.perf_counter() + 0.05
    stop = start + duration

    async def client() -> None:
        nonlocal errors
        conn = Connection(port, key)
        try:
            for i in counter:
                due = start + i / rate if rate else time.perf_counter()
                # Bounded: nothing is sent after the phase's end (+5 s for an overloaded
                # server to catch up with requests already due).
                if due > stop or time.perf_counter() > stop + 5:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = json.dumps({"text": text(offset + i), "association": "hoi-nong-dan"},
                                  ensure_ascii=False).encode()
                status = 0
                for _attempt in range(2):  # a closed keep-alive connection is reopened once
                    try:
                        status = await conn.post("/api/v1/petitions", body)
                        break
                    except (OSError, asyncio.IncompleteReadError):
                        await conn.close()
                        conn = Connection(port, key)
                if status != 201:
                    errors += 1
                latencies.append(time.perf_counter() - due)
        finally:
            await conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ms = [v * 1000 for v in latencies]
    return {
        "requests": len(ms), "errors": errors, "seconds": round(elapsed, 2),
        "rps": round(len(ms) / elapsed, 1),
        "p50_ms": round(percentile(ms, 0.50), 2), "p95_ms": round(percentile(ms, 0.95), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "kiennghi.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    return done.stdout


def prepare_model(home: Path, corpus: Path | None) -> None:
    """Train the default pipeline config into ``home`` (the seed corpus unless told)."""
    from kiennghi.catalog import load_catalog
    from kiennghi.resources import seed_corpus_dir
    from kiennghi.settings import Settings
    from models.registry import ModelRegistry
    from training.train import load_config, train_and_register

    settings = Settings.from_env({"KIENNGHI_HOME": str(home)})
    train_and_register(corpus or seed_corpus_dir(), load_config(None), load_catalog(settings),
                       ModelRegistry(settings.registry_dir), evaluate=False, activate=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite file in a temp home)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop requests/s")
    parser.add_argument("--light-rate", type=float, default=20.0,
                        help="a short open-loop phase at this rate: latency without queueing")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase (≤ 30)")
    parser.add_argument("--max-requests", type=int, default=6000, help="per phase (≤ 20000)")
    parser.add_argument("--corpus", type=Path, help="training data for the model")
    parser.add_argument("--models", type=Path, help="reuse this registry folder (models/)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    duration = min(args.duration, 30.0)
    max_requests = min(args.max_requests, 20_000)

    home = Path(tempfile.mkdtemp(prefix="kiennghi-bench-"))
    schema = None
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIENNGHI_")}
    env["KIENNGHI_HOME"] = str(home)
    if args.database:
        url = args.database
        if url.startswith("postgresql"):
            from sqlalchemy import create_engine

            schema = f"kn_bench_{uuid.uuid4().hex[:10]}"
            with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
        env["KIENNGHI_DATABASE_URL"] = url
    process = None
    try:
        if args.models:
            shutil.copytree(args.models, home / "models")
        else:
            prepare_model(home, args.corpus)
        key = cli(env, "keys", "create", "--role", "secretariat", "--name", "bench")
        key = key.strip().splitlines()[-1]
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "kiennghi.cli", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        import httpx

        live = ready = None
        while ready is None:
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("the service did not start")
            try:
                if live is None and httpx.get(f"http://127.0.0.1:{port}/healthz",
                                              timeout=1).status_code == 200:
                    live = time.perf_counter() - started
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    ready = time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        # Warm up every worker (first requests load caches) before measuring.
        asyncio.run(run_phase(port, key, args.concurrency, 2.0, 400, 150.0, 10_000_000))
        light = asyncio.run(run_phase(port, key, args.concurrency, 5.0, 1000, args.light_rate,
                                      5_000_000))
        cpu0 = group_cpu_seconds(process.pid)
        open_loop = asyncio.run(run_phase(port, key, args.concurrency, duration, max_requests,
                                          args.rate, 0))
        cpu1 = group_cpu_seconds(process.pid)
        closed = asyncio.run(run_phase(port, key, args.concurrency, duration, max_requests,
                                       None, 1_000_000))
        cpu2 = group_cpu_seconds(process.pid)
        # Server CPU per request does not depend on what else the machine runs: 2 cores divided
        # by it bounds the requests/s of an otherwise idle machine.
        open_loop["server_cpu_ms_per_req"] = round(1000 * (cpu1 - cpu0) / open_loop["requests"], 2)
        closed["server_cpu_ms_per_req"] = round(1000 * (cpu2 - cpu1) / closed["requests"], 2)
        result = {
            "database": "postgresql" if schema else "sqlite", "workers": args.workers,
            "concurrency": args.concurrency, "start_live_s": round(live or 0, 2),
            "start_ready_s": round(ready, 2),
            "light_load": {"target_rps": args.light_rate, **light},
            "open_loop": {"target_rps": args.rate, **open_loop},
            "closed_loop": closed,
        }
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{result['database']}, {args.workers} worker(s), {args.concurrency} clients; "
                  f"start: listening {result['start_live_s']} s, ready {ready:.2f} s")
            light["server_cpu_ms_per_req"] = "–"
            for name, r in ((f"open loop @{args.light_rate:g}/s", light),
                            (f"open loop @{args.rate:g}/s", open_loop), ("closed loop", closed)):
                print(f"  {name:18s} {r['requests']:6d} req in {r['seconds']:5.1f} s = "
                      f"{r['rps']:7.1f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} "
                      f"ms  p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  "
                      f"server CPU {r['server_cpu_ms_per_req']} ms/req")
            print(f"  machine load average at the end: {os.getloadavg()[0]:.1f} on "
                  f"{os.cpu_count()} cores")
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        if schema:
            from sqlalchemy import create_engine

            with create_engine(args.database, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
