"""Benchmark of the core classifier against the targets of the core issue.

Run from the repository root (not part of the default test run):

    python benchmarks/bench_core.py [--dev ../shared/data/real_petitions_dev.jsonl]
                                          [--rows 20000] [--memory-rows 50000 200000]
                                          [--out docs/benchmarks-core.md]

Prints a table and writes it as Markdown. Every figure is a median over repeated runs where the
run is cheap enough to repeat (the count is printed beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from threadpoolctl import threadpool_limits

from kiennghi.batch import classify_file
from kiennghi.catalog import load_abbreviations, load_catalog
from kiennghi.models.registry import open_registry
from kiennghi.nlp.normalize import strip_diacritics
from kiennghi.settings import Settings
from kiennghi.training.bootstrap import open_classifier
from kiennghi.training.corpus import load_corpus, load_labelled, seed_corpus_dir
from kiennghi.training.metrics import score
from kiennghi.training.train import fit_model, load_config


def _median_time(fn, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (CPU time is what one core pays,
    whatever else the machine is running)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _write_rows(path: Path, texts: list[str], n: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            handle.write(json.dumps({"id": i, "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")


def _cli(home: Path, *args: str) -> tuple[float, int, float]:
    """Wall time, peak RSS (MB) and CPU time (user + system) of one `kiennghi` subprocess."""
    env = {**os.environ, "KIENNGHI_HOME": str(home)}
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "r = subprocess.run(sys.argv[1:], capture_output=True); "
        "d = time.perf_counter() - t; "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(d, u.ru_maxrss, r.returncode, u.ru_utime + u.ru_stime)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "kiennghi", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    if out[2] != "0":
        raise SystemExit(f"kiennghi {' '.join(args)} failed")
    return float(out[0]), int(out[1]) // 1024, float(out[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=Path("../shared/data/real_petitions_dev.jsonl"))
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--memory-rows", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks-core.md"))
    args = parser.parse_args()

    rows: list[tuple[str, str, str]] = []  # (figure, value, target)
    work = Path(tempfile.mkdtemp(prefix="kn-bench-"))
    settings = Settings.from_env({"KIENNGHI_HOME": str(work / "home")})
    catalog = load_catalog(settings)
    items = load_corpus(seed_corpus_dir(), catalog)
    config = load_config(None)
    abbreviations = load_abbreviations()

    # Training time: the fit of the bundled default model (what first use and `train` pay).
    with threadpool_limits(1):
        fit_s, fit_cpu = _median_time(lambda: fit_model(items, config, abbreviations), 3)
    rows.append(
        (
            f"Huấn luyện mô hình mặc định trên kho mẫu ({len(items):,} kiến nghị, median 3 lần)",
            f"{fit_s:.1f} s ({fit_cpu:.1f} s CPU)",
            "≤ 60 s",
        )
    )
    build_s, _, build_cpu = _cli(work / "home", "train", "--config", str(_default_config_path()))
    rows.append(
        (
            "`kiennghi train` đầy đủ: kiểm định chéo 5 lần + huấn luyện + báo cáo",
            f"{build_s:.1f} s ({build_cpu:.1f} s CPU)",
            "–",
        )
    )

    registry = open_registry(settings)
    version = registry.active_version()
    meta = registry.metadata(str(version))
    rows.append(("Kích thước tệp mô hình (`model.joblib`)", f"{meta['size_bytes'] / 1e6:.1f} MB", "≤ 20 MB"))
    serving = (meta.get("serving") or {}).get("size_bytes")
    rows.append(
        (
            "Kích thước dạng mảng để phân loại (`serving.npz`, cùng mô hình)",
            f"{serving / 1e6:.1f} MB" if serving else "không có",
            "–",
        )
    )
    classifier = open_classifier(settings)

    if args.dev.exists():
        dev = load_labelled(args.dev, catalog)
        plain = [replace(i, text=strip_diacritics(i.text)) for i in dev]
        classes = classifier.model.classes
        accented = score(dev, classifier.probabilities([i.text for i in dev]), classes, catalog)
        stripped = score(plain, classifier.probabilities([i.text for i in plain]), classes, catalog)
        n_bodies = len({i.lead for i in dev})
        rows += [
            (
                f"Tập thật: đúng cơ quan chủ trì ({accented.n} kiến nghị, {n_bodies} cơ quan)",
                f"{accented.lead_accuracy:.1%}",
                "≥ 75% (mục tiêu sản phẩm 90%)",
            ),
            ("Tập thật: đúng trong 3 gợi ý", f"{accented.lead_top3_accuracy:.1%}", "≥ 90%"),
            (
                "Tập thật bỏ dấu: đúng cơ quan chủ trì",
                f"{stripped.lead_accuracy:.1%}",
                f"mất ≤ 5 điểm (mất {100 * (accented.lead_accuracy - stripped.lead_accuracy):.1f})",
            ),
            ("Tập thật bỏ dấu: đúng trong 3 gợi ý", f"{stripped.lead_top3_accuracy:.1%}", "–"),
            ("Tập thật: sai số hiệu chỉnh (ECE)", f"{accented.ece:.3f}", "–"),
        ]

    texts = [i.text for i in items]
    source = work / "batch.jsonl"
    _write_rows(source, texts, args.rows)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with threadpool_limits(1):
        batch_s, batch_cpu = _median_time(lambda: classify_file(source, work / "out.jsonl", classifier), 3)
    rows.append(
        (
            f"Phân loại cả tệp: kiến nghị trên một giây CPU ({args.rows:,} dòng, median 3 lần)",
            f"{args.rows / batch_cpu:,.0f} kiến nghị/s",
            "≥ 1.000 kiến nghị/s trên 1 lõi",
        )
    )
    rows.append(
        (
            f"Phân loại cả tệp trên 1 lõi ({args.rows:,} kiến nghị, JSONL→JSONL, median 3 lần)",
            f"{args.rows / batch_s:,.0f} kiến nghị/s",
            "≥ 1.000 kiến nghị/s",
        )
    )
    small = work / "small.jsonl"
    _write_rows(small, texts, 10)
    runs = [_cli(work / "home", "classify", str(small), "-o", str(work / "s.jsonl")) for _ in range(5)]
    cold = statistics.median(r[0] for r in runs)
    cold_cpu = statistics.median(r[2] for r in runs)
    rows.append(
        (
            "Khởi động nguội `kiennghi classify` (10 dòng, median 5 lần)",
            f"{cold:.2f} s ({cold_cpu:.2f} s CPU)",
            "≤ 3 s",
        )
    )
    for n in args.memory_rows:
        big = work / f"big-{n}.jsonl"
        _write_rows(big, texts, n)
        _, peak, _ = _cli(work / "home", "classify", str(big), "-o", str(work / f"big-{n}.csv"))
        big.unlink()
        rows.append(
            (
                f"Bộ nhớ đỉnh `kiennghi classify` {n:,} dòng → CSV",
                f"{peak} MB",
                "≤ 500 MB, không tăng theo số dòng",
            )
        )

    load = os.getloadavg()[0]
    header = (
        f"Tải máy khi đo (loadavg 1 phút): {load:.1f} trên {os.cpu_count()} lõi — thời gian thực tăng "
        f"khi máy bận, thời gian CPU thì không. Đo ngày {date.today():%Y-%m-%d} "
        f"({os.cpu_count()} lõi, Python {platform.python_version()}); mô hình {version}; "
        f"lệnh: `python benchmarks/bench_core.py`"
    )
    lines = [
        "# Benchmark lõi phân loại",
        "",
        header,
        "",
        "| Chỉ số | Đo được | Mục tiêu |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


def _default_config_path() -> Path:
    from importlib.resources import files

    return Path(str(files("kiennghi.training") / "configs" / "default.yaml"))


if __name__ == "__main__":
    main()
