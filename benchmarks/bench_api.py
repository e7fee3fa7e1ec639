"""Benchmark of single submits (classify + assign + persist) over loopback, driven by wrk.

Starts `kiennghi serve` in its own process group on a free 127.0.0.1 port (the model is built or
copied first, so the start measured is a normal start, not the first one), creates a key with
`kiennghi keys create`, and drives POST /api/v1/petitions with `wrk` (a C load generator: little
client CPU, so the two cores go to the server rather than to a Python client):

* closed loop at each level of ``--clients`` (default 1, 8, 32): each connection sends its next
  request as soon as the last one returns — the most the service does. By Little's law the
  latency here is about clients / throughput (32 clients at 800 requests/s: ~40 ms);
* paced: ``--concurrency`` connections (32) that each wait a random think time (exponential,
  mean concurrency / ``--rate``, shortened by the latency seen when a run falls short, up to two
  more runs) between requests, so together they send about ``--rate`` requests/s (default 300):
  the latency of a service that is not saturated. wrk measures from
  the moment a request is written; a stalled server delays later requests, which then are not
  counted as late (closed-loop measurement), so the achieved rate is reported beside it.

Reported per level: requests/s, p50/p95/p99 latency, the server's CPU per request (all its
processes, from /proc: independent of what else runs on the machine; with PostgreSQL also the
CPU of the database backends serving its connections, shown after a "+"), errors (non-2xx,
socket errors, timeouts), the machine's load average (1 minute, at the end of the level), and
the start time (process start → /healthz and → /readyz 200).

    apt-get install -y wrk                                              # Debian/Ubuntu
    python benchmarks/bench_api.py                                # SQLite, 1 worker
    python benchmarks/bench_api.py --workers 2 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Not part of the test run. Only loopback traffic; needs Linux (/proc) and wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
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
WRK_MISSING = (
    "Không tìm thấy 'wrk' (bộ tạo tải HTTP viết bằng C mà phép đo này dùng). Cài đặt: "
    "'apt-get install -y wrk' (Debian/Ubuntu), 'dnf install wrk' (Fedora) hoặc 'brew install wrk' "
    "(macOS); hoặc chỉ đường dẫn bằng --wrk /đường/dẫn/wrk."
)

# One Lua state per wrk thread. Bodies cycle; a thread's counter starts at a random offset so
# threads do not send the same texts in step. The think time (ms) is exponential with the given
# mean (0: closed loop). done() prints one JSON line that main() reads.
LUA = r"""
local bodies = {%(bodies)s}
local key, think, n = nil, 0, 0
function init(args)
  key = args[1]
  think = tonumber(args[2])
  math.randomseed(os.time() + tonumber(args[3] or 0))
  n = math.random(#bodies)
end
function delay()
  if think <= 0 then return 0 end
  return -think * math.log(1 - math.random())
end
function request()
  n = n %% #bodies + 1
  return wrk.format("POST", "/api/v1/petitions",
    {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}, bodies[n])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nKN_RESULT {"requests": %%d, "duration_us": %%d, "non_2xx": %%d, "socket_errors": %%d, ' ..
    '"timeouts": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


def text(i: int) -> str:
    rng = random.Random(i)
    return rng.choice(TEMPLATES).format(p=rng.choice(PLACES), y=2020 + i % 6) + f" (mục {i})"


def lua_script(folder: Path, n_bodies: int = 4000) -> Path:
    bodies = []
    for i in range(n_bodies):
        body = json.dumps({"text": text(i), "association": "hoi-nong-dan"}, ensure_ascii=False)
        bodies.append(f"[==[{body}]==]")
    path = folder / "submit.lua"
    path.write_text(LUA % {"bodies": ",\n".join(bodies)}, encoding="utf-8")
    return path


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


def database_backends(pgid: int, url: str) -> list[int]:
    """PIDs of the PostgreSQL backends serving the server's connections (matched by client port).

    They run outside the server's process group; their CPU is part of what a submit costs.
    """
    import psutil
    from sqlalchemy import create_engine, make_url

    server_port = make_url(url).port or 5432
    ports = set()
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(process.pid) != pgid:
                continue
            connections = process.net_connections("tcp")
            ports |= {c.laddr.port for c in connections if c.raddr and c.raddr.port == server_port}
        except (psutil.Error, ProcessLookupError):
            continue
    if not ports:
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT pid, client_port FROM pg_stat_activity").all()
    finally:
        engine.dispose()
    return [int(pid) for pid, port in rows if port in ports]


def pids_cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_wrk(
    wrk: str,
    script: Path,
    port: int,
    key: str,
    clients: int,
    seconds: float,
    think_ms: float = 0.0,
    seed: int = 0,
) -> dict[str, Any]:
    cmd = [
        wrk,
        "-t",
        str(min(2, clients)),
        "-c",
        str(clients),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
        "--",
        key,
        f"{think_ms:g}",
        str(seed),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("KN_RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk thất bại (mã {done.returncode}): {done.stderr.strip() or done.stdout[-500:]}")
    r = json.loads(lines[-1].removeprefix("KN_RESULT "))
    seconds_run = r["duration_us"] / 1e6
    return {
        "requests": r["requests"],
        "errors": r["non_2xx"] + r["socket_errors"] + r["timeouts"],
        "seconds": round(seconds_run, 2),
        "rps": round(r["requests"] / seconds_run, 1),
        "p50_ms": round(r["p50_us"] / 1000, 2),
        "p95_ms": round(r["p95_us"] / 1000, 2),
        "p99_ms": round(r["p99_us"] / 1000, 2),
        "max_ms": round(r["max_us"] / 1000, 2),
        "mean_ms": round(r["mean_us"] / 1000, 2),
    }


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kiennghi.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return done.stdout


def prepare_model(home: Path, corpus: Path | None) -> None:
    """Train the default pipeline config into ``home`` (the seed corpus unless told)."""
    from kiennghi.catalog import load_catalog
    from kiennghi.models.registry import ModelRegistry
    from kiennghi.settings import Settings
    from kiennghi.training.corpus import seed_corpus_dir
    from kiennghi.training.train import load_config, train_and_register

    settings = Settings.from_env({"KIENNGHI_HOME": str(home)})
    train_and_register(
        corpus or seed_corpus_dir(),
        load_config(None),
        load_catalog(settings),
        ModelRegistry(settings.registry_dir),
        evaluate=False,
        activate=True,
    )


def wait_ready(process: subprocess.Popen[bytes], port: int, started: float) -> tuple[float, float]:
    """Seconds from process start until /healthz and until /readyz answer 200."""
    import httpx

    live = ready = None
    while ready is None:
        if process.poll() is not None or time.perf_counter() - started > 120:
            raise SystemExit("Dịch vụ không khởi động được (xem: kiennghi serve)")
        try:
            if live is None and httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                live = time.perf_counter() - started
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                ready = time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.01)
    return live or ready, ready


TABLE_HEADER = [
    "Cơ sở dữ liệu",
    "Tiến trình",
    "Client",
    "Yêu cầu/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "CPU máy chủ ms/yêu cầu",
    "Lỗi / tổng",
    "Tải máy (1 phút)",
    "Sẵn sàng sau (s)",
]


def _cpu(level: dict[str, Any]) -> str:
    """The service's CPU per request; with PostgreSQL, + its backends' (a different process)."""
    app = f"{level['server_cpu_ms_per_req']:.2f}"
    db = level.get("database_cpu_ms_per_req")
    return app if db is None else f"{app} + {db:.2f} PostgreSQL"


def table_rows(result: dict[str, Any]) -> list[list[str]]:
    """Rows of the Vietnamese table (also used by benchmarks/run.py)."""
    name = "SQLite" if result["database"] == "sqlite" else "PostgreSQL"
    rows = []
    for level in result["levels"]:
        clients = str(level["clients"])
        if level["think_ms"]:
            clients += f", nghỉ {level['think_ms']:.0f} ms (≈{level['target_rps']:g}/s)"
        rows.append(
            [
                name,
                str(result["workers"]),
                clients,
                f"{level['rps']:.0f}",
                f"{level['p50_ms']:.1f}",
                f"{level['p95_ms']:.1f}",
                f"{level['p99_ms']:.1f}",
                _cpu(level),
                f"{level['errors']}/{level['requests']}",
                f"{level['load']:.1f}",
                f"{result['start_ready_s']:.2f}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: SQLite file in a temp home)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--clients",
        type=int,
        nargs="+",
        default=[1, 8, 32],
        help="closed-loop levels (concurrent connections)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="connections of the paced phase")
    parser.add_argument(
        "--rate", type=float, default=300.0, help="requests/s the paced phase aims at (0: no paced phase)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level (≤ 60)")
    parser.add_argument("--corpus", type=Path, help="training data for the model")
    parser.add_argument("--models", type=Path, help="reuse this registry folder (models/)")
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="path of wrk (default: on PATH)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.wrk or not Path(args.wrk).exists():
        raise SystemExit(WRK_MISSING)
    if not Path("/proc/self/stat").exists():
        raise SystemExit("Phép đo này cần Linux (/proc) để đo CPU của máy chủ")
    duration = min(args.duration, 60.0)

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
        script = lua_script(home)
        key = cli(env, "keys", "create", "--role", "secretariat", "--name", "bench")
        key = key.strip().splitlines()[-1]
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiennghi.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        live, ready = wait_ready(process, port, started)
        # Warm up every worker (first requests fill caches) before measuring.
        run_wrk(args.wrk, script, port, key, 8, 2.0)
        plan = [(c, 0.0, 0.0) for c in args.clients]
        if args.rate > 0:
            plan.append((args.concurrency, 1000.0 * args.concurrency / args.rate, args.rate))
        levels = []

        def measure(clients: int, think_ms: float, target: float, seed: int) -> dict[str, Any]:
            backends = database_backends(process.pid, args.database) if schema else []
            cpu0, db0 = group_cpu_seconds(process.pid), pids_cpu_seconds(backends)
            level = run_wrk(args.wrk, script, port, key, clients, duration, think_ms, seed=seed)
            cpu = group_cpu_seconds(process.pid) - cpu0
            db_cpu = pids_cpu_seconds(backends) - db0
            # Server CPU per request does not depend on what else the machine runs: the cores
            # divided by it bound the requests/s of an otherwise idle machine.
            requests = max(1, level["requests"])
            level.update(
                clients=clients,
                think_ms=round(think_ms, 1),
                target_rps=target,
                load=os.getloadavg()[0],
                server_cpu_ms_per_req=round(1000 * cpu / requests, 2),
                database_cpu_ms_per_req=round(1000 * db_cpu / requests, 2) if schema else None,
            )
            return level

        levels = []
        for n, (clients, think_ms, target) in enumerate(plan):
            level = measure(clients, think_ms, target, n)
            # Paced: each connection's cycle is think time + latency, so a first run falls short
            # of the target rate; shorten the pause by the latency seen, up to twice (the run
            # reported is the last one).
            for attempt in range(2):
                if not think_ms or level["rps"] >= 0.98 * target:
                    break
                think_ms = max(1.0, think_ms - level["mean_ms"] * (1 if attempt == 0 else 0.5))
                level = measure(clients, think_ms, target, n + 10 * (attempt + 1))
            levels.append(level)
        result = {
            "database": "postgresql" if schema else "sqlite",
            "workers": args.workers,
            "start_live_s": round(live, 2),
            "start_ready_s": round(ready, 2),
            "cores": os.cpu_count(),
            "levels": levels,
        }
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"`kiennghi serve` ({args.workers} tiến trình, {result['database']}): lắng nghe sau "
                f"{live:.2f} s, /readyz sẵn sàng sau {ready:.2f} s; wrk {duration:g} s mỗi mức; "
                f"máy {os.cpu_count()} lõi\n"
            )
            print("| " + " | ".join(TABLE_HEADER) + " |")
            print("|" + " --- |" * len(TABLE_HEADER))
            for row in table_rows(result):
                print("| " + " | ".join(row) + " |")
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
