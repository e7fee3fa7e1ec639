"""Learning curve: how a province's own corrections (and their weight) move accuracy on its real items.

Simulates a province retraining on its archive. The real dev files are split into K folds
(stratified by lead body where a body has at least K items, fixed seed); for each held-out fold the
default config is trained on the bundled seed corpus PLUS n items of the other folds as clerks'
corrections (origin "correction", weighted by ``correction_weight``), and scored on the held-out
fold with ``kiennghi.training.metrics.score``. Models are trained in memory and thrown away; nothing
is registered, and no dev text is written anywhere (the report holds figures only). This is the ONE
place the dev items enter a training run (see ../shared/data/README.md).

    python -m benchmarks.learning_curve            # n ∈ {0, 25, 50, all} × w ∈ {1, 3, 5}: 46 fits
    python -m benchmarks.learning_curve --quick    # n ∈ {0, all} × w ∈ {1, 3}: 11 fits
    python -m benchmarks --parts learning-curve    # the same table as a part of the suite

A correction's label: the dev files name the lead body, training needs a sector. Each item is
labelled with the sector that the seed-only model (n = 0) finds most probable among the sectors
whose lead body in today's directory is the item's body: what a clerk picks when moving the item to
that body. Items whose body leads no sector (``ubnd-cap-xa``: the directory has no commune sector)
cannot be corrections; they are still scored.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from kiennghi.catalog import Catalog
from kiennghi.training.config import TrainConfig
from kiennghi.training.corpus import LabelledItem

__all__ = ["Cell", "label_corrections", "learning_curve", "main", "render", "section", "stratified_folds"]

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FULL_SIZES: tuple[int | None, ...] = (0, 25, 50, None)  # None: every item of the other folds
FULL_WEIGHTS: tuple[float, ...] = (1.0, 3.0, 5.0)
QUICK_SIZES: tuple[int | None, ...] = (0, None)
QUICK_WEIGHTS: tuple[float, ...] = (1.0, 3.0)


@dataclass(frozen=True)
class Cell:
    """One (n corrections, weight) setting: per-fold scores and the pooled out-of-fold scores."""

    n: int | None
    weight: float
    n_used: list[int]
    lead: list[float]
    top3: list[float]
    pooled: dict[str, tuple[float, float, int]]  # file → (lead, top-3, items), out of fold


def stratified_folds(items: Sequence[LabelledItem], k: int, seed: int) -> list[list[int]]:
    """K folds of item indices, stratified by lead body; bodies with fewer than k items share one
    stratum (a body with 1 or 2 items cannot be in every fold)."""
    from sklearn.model_selection import StratifiedKFold

    counts: dict[str, int] = {}
    for item in items:
        counts[item.lead] = counts.get(item.lead, 0) + 1
    strata = [i.lead if counts[i.lead] >= k else "(hiếm)" for i in items]
    split = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [sorted(test.tolist()) for _train, test in split.split(np.zeros(len(items)), strata)]


def label_corrections(
    items: Sequence[LabelledItem], probs: np.ndarray, classes: Sequence[str], catalog: Catalog
) -> list[LabelledItem | None]:
    """Each item as a clerk's correction: the seed model's most probable sector among those whose
    lead is the item's body; None when no sector leads to that body."""
    leads = catalog.directory.leads(list(classes))
    out: list[LabelledItem | None] = []
    for item, row in zip(items, probs, strict=True):
        allowed = [j for j, lead in enumerate(leads) if lead == item.lead]
        if not allowed:
            out.append(None)
            continue
        best = max(allowed, key=lambda j: row[j])
        out.append(replace(item, sector=classes[best], origin="correction", group=item.id))
    return out


def learning_curve(
    files: dict[str, list[LabelledItem]],
    seed_items: list[LabelledItem],
    config: TrainConfig,
    catalog: Catalog,
    sizes: Sequence[int | None],
    weights: Sequence[float],
    k: int = 5,
    fold_seed: int = 13,
    progress: bool = True,
) -> tuple[list[Cell], dict[str, int]]:
    """Every (n, weight) cell over K folds of the dev files; also how many items could be corrections."""
    from kiennghi.catalog import load_abbreviations
    from kiennghi.training.metrics import score
    from kiennghi.training.train import fit_model

    pool = [it for items in files.values() for it in items]
    source = [name for name, items in files.items() for _ in items]
    abbreviations = load_abbreviations()
    folds = stratified_folds(pool, k, fold_seed)
    texts = [it.text for it in pool]

    started = time.perf_counter()
    fits = [0]

    def fit(items: list[LabelledItem], weight: float) -> tuple[np.ndarray, list[str]]:
        model = fit_model(items, replace(config, correction_weight=weight), abbreviations)
        fits[0] += 1
        if progress:
            print(f"  lần huấn luyện {fits[0]}: {time.perf_counter() - started:.0f} s", flush=True)
        return model.predict_proba(texts), [str(c) for c in model.classes_]

    # The seed-only model does not depend on the fold or the weight: trained once.
    seed_probs, seed_classes = fit(seed_items, 1.0)
    corrections = label_corrections(pool, seed_probs, seed_classes, catalog)
    usable = {
        name: sum(c is not None for c, s in zip(corrections, source, strict=True) if s == name)
        for name in files
    }

    cells: list[Cell] = []
    for n in sizes:
        for weight in weights if n != 0 else weights[:1]:
            per_fold_lead: list[float] = []
            per_fold_top3: list[float] = []
            used: list[int] = []
            oof = np.zeros_like(seed_probs)
            for f, held in enumerate(folds):
                held_set = set(held)
                others = [c for i, c in enumerate(corrections) if i not in held_set and c is not None]
                random.Random(fold_seed + f).shuffle(others)  # nested: the first 25 are in the 50
                chosen = others if n is None else others[:n]
                if chosen:
                    probs, classes = fit([*seed_items, *chosen], weight)
                else:
                    probs, classes = seed_probs, seed_classes
                cols = [seed_classes.index(c) for c in classes]
                oof[np.ix_(held, cols)] = probs[held]
                result = score([pool[i] for i in held], probs[held], classes, catalog)
                per_fold_lead.append(result.lead_accuracy)
                per_fold_top3.append(result.lead_top3_accuracy)
                used.append(len(chosen))
            pooled = {}
            for name in files:
                idx = [i for i, s in enumerate(source) if s == name]
                r = score([pool[i] for i in idx], oof[idx], seed_classes, catalog)
                pooled[name] = (r.lead_accuracy, r.lead_top3_accuracy, len(idx))
            cells.append(Cell(n, weight, used, per_fold_lead, per_fold_top3, pooled))
    return cells, usable


def _pct(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",")


def render(
    cells: Sequence[Cell], usable: dict[str, int], files: dict[str, list[LabelledItem]], k: int
) -> list[str]:
    """The Markdown section: the table, and what the figures mean."""
    names = list(files)
    header = ["Sửa lỗi n", "Trọng số w", "Đúng chủ trì % (TB / trung vị)", "Top-3 % (TB / trung vị)"]
    header += [f"`{name}` đúng / top-3 %" for name in names]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for c in cells:
        n = "0" if c.n == 0 else ("tất cả" if c.n is None else str(c.n))
        n += f" ({statistics.mean(c.n_used):.0f})" if c.n != 0 else ""
        w = "–" if c.n == 0 else f"{c.weight:g}"
        row = [
            n,
            w,
            f"{_pct(statistics.mean(c.lead))} / {_pct(statistics.median(c.lead))}",
            f"{_pct(statistics.mean(c.top3))} / {_pct(statistics.median(c.top3))}",
        ]
        row += [f"{_pct(c.pooled[name][0])} / {_pct(c.pooled[name][1])}" for name in names]
        lines.append("| " + " | ".join(row) + " |")
    sizes = ", ".join(
        f"`{name}` {len(items)} ({usable[name]} làm được sửa lỗi)" for name, items in files.items()
    )
    return [
        "## Đường học: sửa lỗi của tỉnh và trọng số của chúng",
        "",
        f"Kiến nghị thật: {sizes}; chia {k} phần (phân tầng theo cơ quan chủ trì, cơ quan có dưới "
        f"{k} kiến nghị gộp một tầng; hạt giống cố định). Mỗi phần lần lượt để đo; mô hình cấu hình "
        "mặc định học kho mẫu cộng n kiến nghị của các phần còn lại làm sửa lỗi của cán bộ (trọng "
        "số w), rồi chấm phần để đo bằng `training.metrics.score`. Cột TB / trung vị: trung bình và "
        f"trung vị qua {k} phần (trên cả hai tệp); các cột theo tệp: gộp mọi phần (ngoài phần học). "
        "Trong ngoặc ở cột n: số sửa lỗi dùng trung bình mỗi phần. n = 0 là mô hình chỉ học kho mẫu "
        "(không phụ thuộc w).",
        "",
        *lines,
        "",
        "Nhãn của một sửa lỗi: tệp thật chỉ ghi cơ quan chủ trì, còn mô hình học lĩnh vực; mỗi kiến "
        "nghị được gán lĩnh vực mà mô hình chỉ học kho mẫu (n = 0) cho xác suất cao nhất trong các "
        "lĩnh vực có cơ quan chủ trì (theo danh mục hôm nay) đúng là cơ quan của kiến nghị — điều cán "
        "bộ chọn khi giao lại cho cơ quan đó. Kiến nghị của `ubnd-cap-xa` không làm được sửa lỗi: "
        "danh mục không có lĩnh vực nào do cấp xã chủ trì, nên mô hình cũng không bao giờ đề xuất "
        "cấp xã (0% trên tệp địa phương là giới hạn của danh mục, không phải của việc học). Mô hình "
        "huấn luyện trong bộ nhớ rồi bỏ; không có văn bản thật nào được ghi ra. Giá trị mặc định "
        "`correction_weight` KHÔNG được chọn theo bảng này: quy tắc dữ liệu (../shared/data/README.md) "
        "cấm mọi giá trị mặc định được tinh chỉnh trên các kiến nghị này.",
    ]


def section(dev: Path, local: Path, quick: bool, k: int = 5) -> list[str]:
    """The learning-curve section as ``python -m benchmarks --parts learning-curve`` prints it."""
    from threadpoolctl import threadpool_limits

    from kiennghi.catalog import load_catalog
    from kiennghi.settings import Settings
    from kiennghi.training.config import load_config
    from kiennghi.training.corpus import load_corpus, load_labelled, seed_corpus_dir

    catalog = load_catalog(Settings.from_env({"KIENNGHI_HOME": tempfile.mkdtemp(prefix="kn-lc-")}))
    files = {path.name: load_labelled(path, catalog) for path in (dev, local) if path.exists()}
    sizes, weights = (QUICK_SIZES, QUICK_WEIGHTS) if quick else (FULL_SIZES, FULL_WEIGHTS)
    with threadpool_limits(1):
        cells, usable = learning_curve(
            files, load_corpus(seed_corpus_dir(), catalog), load_config(None), catalog, sizes, weights, k
        )
    return render(cells, usable, files, k)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n ∈ {0, all}, w ∈ {1, 3} (11 fits)")
    parser.add_argument("--dev", type=Path, default=DATA / "real_petitions_dev.jsonl")
    parser.add_argument("--local", type=Path, default=DATA / "real_petitions_local_dev.jsonl")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "learning-curve.md")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    section_lines = section(args.dev, args.local, args.quick, args.folds)
    import sklearn

    command = " ".join(["python -m benchmarks.learning_curve", *(argv if argv is not None else sys.argv[1:])])
    text = "\n".join(
        [
            "# Đường học của kiennghi",
            "",
            f"Đo ngày {date.today():%Y-%m-%d} ({os.cpu_count()} lõi {platform.machine()}, Python "
            f"{platform.python_version()}, scikit-learn {sklearn.__version__}, một luồng); lệnh: "
            f"`{command}` ({'bản nhanh' if args.quick else 'bản đầy đủ'}, "
            f"{(time.perf_counter() - started) / 60:.0f} phút).",
            "",
            *section_lines,
            "",
        ]
    )
    print(text, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"Đã ghi {args.out}")


if __name__ == "__main__":
    main()
