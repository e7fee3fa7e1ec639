"""The benchmark suite: accuracy against peers, speed, training growth, API load; one command.

Run from the repository root (not part of the default test run; needs ``pip install -e '.[dev,bench]'``):

    python -m benchmarks                       # everything, bounded defaults (minutes)
    python -m benchmarks --parts accuracy speed --out /tmp/b.md
    python -m benchmarks --train-sizes 1000 10000 100000 --rows 50000 --api-duration 10

Prints each table as it is measured and writes them all as Markdown (default docs/benchmarks.md).
Reuses, rather than rewrites: training/compare.py (cross-validation and dev-set scoring of every
candidate), benchmarks/bench_core.py (subprocess timing and peak memory) and
benchmarks/bench_api.py (the loopback API load, driven by wrk, one run per backend).
Only loopback traffic; nothing reaches the network.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

PARTS = ("accuracy", "speed", "training", "api", "learning-curve")
PEERS = ("keyword-rules", "tfidf-svm-raw", "underthesea-core", "fasttext", "kiennghi")
ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


# -- accuracy ------------------------------------------------------------------------------------
def accuracy(dev_path: Path, folds: int) -> list[str]:
    from kiennghi.catalog import load_catalog
    from kiennghi.settings import Settings
    from kiennghi.training.compare import candidates, evaluate_candidate
    from kiennghi.training.corpus import load_corpus, load_labelled, seed_corpus_dir

    catalog = load_catalog(Settings.from_env({"KIENNGHI_HOME": tempfile.mkdtemp()}))
    items = load_corpus(seed_corpus_dir(), catalog)
    dev = load_labelled(dev_path, catalog) if dev_path.exists() else None
    rows = []
    for candidate in candidates(catalog, set(PEERS)):
        start = time.perf_counter()
        result = evaluate_candidate(candidate, items, dev, catalog, folds=folds)
        print(f"  {candidate.name}: {time.perf_counter() - start:.0f} s", flush=True)
        for label, r in (
            ("kho mẫu, KĐC", result.cv),
            ("thật, có dấu", result.dev),
            ("thật, bỏ dấu", result.dev_accentless),
        ):
            if r is None:
                continue
            rows.append(
                [
                    candidate.name,
                    label,
                    _pct(r.lead_accuracy),
                    _pct(r.lead_top3_accuracy),
                    f"{r.lead_macro_f1:.3f}",
                    _pct(r.auto_precision),
                    _pct(r.auto_coverage),
                    f"{r.ece:.3f}",
                ]
            )
    threshold = catalog.policy.review_threshold
    return [
        "## Độ chính xác: kiennghi và các cách tỉnh tự làm được",
        "",
        f"Cùng các kiến nghị cho mọi ứng viên. Kho mẫu: {len(items):,} kiến nghị, kiểm định chéo "
        f"{folds} lần theo nhóm (`training/compare.py`). Tập thật: `{dev_path.name}` "
        f"({len(dev or []):,} kiến nghị, chỉ để đo, không bao giờ để huấn luyện), nguyên văn và "
        "bỏ hết dấu. Đúng = đúng cơ quan chủ trì (hoặc cơ quan được chấp nhận); top-3 = đúng trong "
        "3 gợi ý; macro-F1 theo cơ quan chủ trì; tự giao = độ tin cậy ≥ ngưỡng mặc định "
        f"{threshold:g} (độ chính xác của phần tự giao, và tỷ lệ được tự giao); ECE = sai số "
        "hiệu chỉnh. underthesea-core chỉ trả về nhãn đầu nên top-3 của nó không có nghĩa.",
        "",
        *_table(
            [
                "Ứng viên",
                "Tập",
                "Đúng %",
                "Top-3 %",
                "Macro-F1",
                "Tự giao: chính xác %",
                "Tự giao: tỷ lệ %",
                "ECE",
            ],
            rows,
        ),
    ]


# -- speed ---------------------------------------------------------------------------------------
def _pinned_batch(home: str, source: str, target: str, cpu: int, barrier: Any, out: Any) -> None:
    """One worker: pinned to one CPU, one BLAS thread; loads first, then classifies on cue."""
    os.sched_setaffinity(0, {cpu})
    from threadpoolctl import threadpool_limits

    from kiennghi.batch import classify_file
    from kiennghi.settings import Settings
    from kiennghi.training.bootstrap import open_classifier

    classifier = open_classifier(Settings.from_env({"KIENNGHI_HOME": home}))
    with threadpool_limits(1):
        barrier.wait()
        start = time.perf_counter()
        classify_file(Path(source), Path(target), classifier)
        out.put(time.perf_counter() - start)


def _batch_rate(home: Path, work: Path, texts: list[str], rows: int, cpus: list[int]) -> float:
    from benchmarks.bench_core import _write_rows

    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(len(cpus)), ctx.Queue()
    share = rows // len(cpus)
    procs = []
    for n, cpu in enumerate(cpus):
        source = work / f"part-{n}.jsonl"
        _write_rows(source, texts[n:] + texts[:n], share)
        procs.append(
            ctx.Process(
                target=_pinned_batch,
                args=(str(home), str(source), str(work / f"part-{n}.out.jsonl"), cpu, barrier, out),
            )
        )
    for p in procs:
        p.start()
    elapsed = [out.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
    return share * len(cpus) / max(elapsed)


def speed(home: Path, rows: int, memory_rows: list[int]) -> list[str]:
    from threadpoolctl import threadpool_limits

    from benchmarks.bench_core import _cli, _write_rows
    from kiennghi.catalog import load_catalog
    from kiennghi.settings import Settings
    from kiennghi.training.bootstrap import open_classifier
    from kiennghi.training.corpus import load_corpus, seed_corpus_dir

    settings = Settings.from_env({"KIENNGHI_HOME": str(home)})
    start = time.perf_counter()
    classifier = open_classifier(settings)  # builds the default model on first use
    first = time.perf_counter() - start
    texts = [i.text for i in load_corpus(seed_corpus_dir(), load_catalog(settings))]
    work = Path(tempfile.mkdtemp(prefix="kn-speed-"))
    cpus = sorted(os.sched_getaffinity(0))
    out: list[list[Any]] = []
    one = statistics.median(_batch_rate(home, work, texts, rows, cpus[:1]) for _ in range(3))
    out.append(
        [
            f"Phân loại cả tệp, 1 lõi ({rows:,} kiến nghị JSONL→JSONL, median 3 lần)",
            f"{one:,.0f} kiến nghị/s",
            "≥ 1.000 kiến nghị/s",
        ]
    )
    if len(cpus) >= 2:
        two = statistics.median(_batch_rate(home, work, texts, rows, cpus[:2]) for _ in range(3))
        out.append(
            [
                "Phân loại cả tệp, 2 lõi (2 tiến trình, mỗi tiến trình nửa tệp, median 3 lần)",
                f"{two:,.0f} kiến nghị/s (×{two / one:.2f})",
                "–",
            ]
        )
    rng = random.Random(7)
    sample = rng.sample(texts, 300)
    latencies = []
    with threadpool_limits(1):
        classifier.classify(sample[:5])
        for text in sample:
            t = time.perf_counter()
            classifier.classify([text])
            latencies.append(1000 * (time.perf_counter() - t))
    latencies.sort()
    out.append(
        [
            "Độ trễ một kiến nghị (gọi trong tiến trình, 300 kiến nghị): p50 / p95 / p99",
            f"{latencies[150]:.1f} / {latencies[284]:.1f} / {latencies[296]:.1f} ms",
            "–",
        ]
    )
    small = work / "small.jsonl"
    _write_rows(small, texts, 10)
    cold = statistics.median(
        _cli(home, "classify", str(small), "-o", str(work / "s.jsonl"))[0] for _ in range(3)
    )
    out.append(
        [
            "Khởi động nguội `kiennghi classify` 10 dòng (tiến trình mới, median 3 lần)",
            f"{cold:.2f} s",
            "≤ 3 s",
        ]
    )
    out.append(["Lần dùng đầu tiên: xây dựng mô hình mặc định từ kho mẫu", f"{first:.1f} s", "–"])
    for n in memory_rows:
        big = work / f"big-{n}.jsonl"
        _write_rows(big, texts, n)
        _, peak, _ = _cli(home, "classify", str(big), "-o", str(work / f"big-{n}.csv"))
        big.unlink()
        out.append(
            [
                f"Bộ nhớ đỉnh `kiennghi classify` {n:,} dòng → CSV",
                f"{peak} MB",
                "≤ 500 MB, không tăng theo số dòng",
            ]
        )
    return ["## Tốc độ và bộ nhớ", "", *_table(["Chỉ số", "Đo được", "Mục tiêu"], out)]


# -- training growth -----------------------------------------------------------------------------
_FIT = """
import json, random, resource, sys, time
from threadpoolctl import threadpool_limits
from kiennghi.catalog import load_abbreviations, load_catalog
from kiennghi.training.corpus import seed_corpus_dir
from kiennghi.settings import Settings
from kiennghi.training.corpus import load_corpus
from kiennghi.training.train import fit_model, load_config
n = int(sys.argv[1])
items = load_corpus(seed_corpus_dir(), load_catalog(Settings.from_env({"KIENNGHI_HOME": "/nonexistent"})))
rng = random.Random(n)
sample = [rng.choice(items) for _ in range(n)]
with threadpool_limits(1):
    t = time.perf_counter()
    fit_model(sample, load_config(None), load_abbreviations())
    d = time.perf_counter() - t
print(json.dumps({"seconds": d, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def training(sizes: list[int]) -> list[str]:
    rows = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, "-c", _FIT, str(n)], capture_output=True, text=True, check=True, cwd=ROOT
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append([f"{n:,}", f"{r['seconds']:.1f}", f"{1000 * r['seconds'] / n:.2f}", r["peak_mb"]])
        print(f"  fit {n:,}: {r['seconds']:.1f} s, {r['peak_mb']} MB", flush=True)
    return [
        "## Thời gian huấn luyện theo cỡ kho",
        "",
        "Cấu hình mặc định, 1 lõi, mỗi cỡ trong một tiến trình riêng (bộ nhớ đỉnh của cả tiến "
        "trình). Kho lớn hơn kho mẫu được **tổng hợp bằng cách lấy mẫu lặp lại** từ kho mẫu "
        "(có trùng lặp): từ vựng không tăng như kho thật, nên thời gian ở cỡ lớn là cận dưới.",
        "",
        *_table(["Số kiến nghị", "Huấn luyện (s)", "ms / kiến nghị", "Bộ nhớ đỉnh (MB)"], rows),
    ]


# -- API load ------------------------------------------------------------------------------------
def _postgres_reachable(url: str) -> bool:
    try:
        from sqlalchemy import create_engine

        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def api(
    home: Path,
    clients: list[int],
    duration: float,
    postgres: str | None,
    pg_workers: int,
    sqlite_workers: list[int],
) -> list[str]:
    from benchmarks.bench_api import TABLE_HEADER, table_rows
    from kiennghi.settings import Settings
    from kiennghi.training.bootstrap import open_classifier

    settings = Settings.from_env({"KIENNGHI_HOME": str(home)})
    open_classifier(settings)  # the registry bench_api.py copies
    backends: list[tuple[str, list[str]]] = [
        (f"SQLite, {w} tiến trình", ["--workers", str(w)]) for w in sqlite_workers
    ]
    notes = []
    if postgres and _postgres_reachable(postgres):
        backends.append(
            (f"PostgreSQL, {pg_workers} tiến trình", ["--database", postgres, "--workers", str(pg_workers)])
        )
    else:
        notes.append(f"PostgreSQL không kết nối được ({postgres}); bỏ qua.")
    rows: list[list[str]] = []
    for label, extra in backends:
        cmd = [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_api.py"),
            "--json",
            "--clients",
            *map(str, clients),
            "--duration",
            str(duration),
            "--models",
            str(settings.registry_dir),
            *extra,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1200)
        if done.returncode != 0:
            rows.append([label, "lỗi", done.stderr.strip()[-160:], *["–"] * (len(TABLE_HEADER) - 3)])
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows += table_rows(result)
        for level in result["levels"]:
            print(
                f"  {label}, {level['clients']} clients: {level['rps']} req/s, p99 {level['p99_ms']} ms",
                flush=True,
            )
    return [
        "## Tải API qua loopback",
        "",
        "`POST /api/v1/petitions` (phân loại + giao + lưu), tải tạo bằng `wrk` "
        "(`benchmarks/bench_api.py`, kết nối keep-alive): vòng kín ở mỗi mức client (mỗi "
        "client gửi yêu cầu tiếp theo ngay khi nhận trả lời; độ trễ ≈ số client / thông lượng), rồi "
        "32 client có thời gian nghỉ ngẫu nhiên nhắm 300 yêu cầu/s; "
        f"{duration:g} s mỗi mức sau 2 s khởi động; máy chủ `kiennghi serve` với mô hình mặc định "
        "thật. CPU máy chủ cho mỗi yêu cầu (mọi tiến trình của dịch vụ; với PostgreSQL cộng thêm các "
        "tiến trình PostgreSQL phục vụ nó) không phụ thuộc tải khác trên máy: số lõi chia cho nó là "
        "trần yêu cầu/s của một máy rảnh.",
        *(["", *notes] if notes else []),
        "",
        *_table(TABLE_HEADER, rows),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, default=list(PARTS[:4])
    )  # learning-curve: on request
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared/data/real_petitions_dev.jsonl")
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (5 in compare.py)")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the batch-speed file")
    parser.add_argument("--memory-rows", type=int, nargs="*", default=[50_000])
    parser.add_argument(
        "--train-sizes",
        type=int,
        nargs="*",
        default=[1_000, 3_000, 10_000],
        help="corpus sizes to time training on (add 30000 100000 for the long run)",
    )
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--api-duration", type=float, default=5.0, help="seconds per level (≤ 30)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KIENNGHI_BENCH_POSTGRES", PG_DEFAULT),
        help="PostgreSQL URL for the API part ('' to skip)",
    )
    parser.add_argument("--pg-workers", type=int, default=2)
    parser.add_argument("--sqlite-workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--learning-curve-quick", action="store_true", help="learning curve: n ∈ {0, all}, w ∈ {1, 3} only"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="kn-bench-home-"))
    os.environ.pop("KIENNGHI_HOME", None)
    started = time.perf_counter()
    sections: list[list[str]] = []
    for part in PARTS:
        if part not in args.parts:
            continue
        print(f"[{part}]", flush=True)
        if part == "accuracy":
            section = accuracy(args.dev, args.folds)
        elif part == "speed":
            section = speed(home, args.rows, args.memory_rows)
        elif part == "training":
            section = training(args.train_sizes)
        elif part == "learning-curve":
            from benchmarks.learning_curve import section as learning_curve

            local = args.dev.with_name("real_petitions_local_dev.jsonl")
            section = learning_curve(args.dev, local, args.learning_curve_quick)
        else:
            section = api(
                home,
                args.clients,
                min(args.api_duration, 30.0),
                args.postgres or None,
                args.pg_workers,
                args.sqlite_workers,
            )
        print("\n".join(section) + "\n", flush=True)
        sections.append(section)
    import sklearn

    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    load = os.getloadavg()[1]
    header = [
        "# Benchmark kiennghi",
        "",
        f"Đo ngày {date.today():%Y-%m-%d} trên {platform.node() or 'máy'} ({os.cpu_count()} lõi "
        f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}); lệnh: `{command}` "
        f"({(time.perf_counter() - started) / 60:.0f} phút). Tải trung bình 5 phút của máy khi "
        f"kết thúc: {load:.1f} (bằng số lõi trở lên nghĩa là máy đang bận việc khác và các số đo "
        "tốc độ thấp hơn trên một máy rảnh).",
        "",
    ]
    text = "\n".join(header + [line for s in sections for line in [*s, ""]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"Đã ghi {args.out}")


if __name__ == "__main__":
    main()
