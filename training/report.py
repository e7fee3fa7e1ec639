"""The model report written beside each artifact: Markdown, confusion matrix and calibration PNGs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from kiennghi.catalog import Catalog
from kiennghi.training.corpus import LabelledItem
from kiennghi.training.metrics import lead_confidence, lead_predictions

__all__ = ["render_report"]


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _confusion_png(items: Sequence[LabelledItem], probs: np.ndarray, classes: list[str]) -> bytes:
    from matplotlib.figure import Figure
    from sklearn.metrics import confusion_matrix

    truth = [str(i.sector) for i in items]
    guess = [classes[j] for j in probs.argmax(axis=1)]
    matrix = confusion_matrix(truth, guess, labels=classes, normalize="true")
    fig = Figure(figsize=(11, 10))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=90, fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    ax.set_xlabel("Lĩnh vực dự đoán")
    ax.set_ylabel("Lĩnh vực đúng")
    ax.set_title("Ma trận nhầm lẫn (kiểm định chéo, tỷ lệ theo hàng)")
    fig.colorbar(image, ax=ax, fraction=0.04)
    return _png(fig)


def _calibration_png(curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="Hiệu chỉnh hoàn hảo")
    bins = np.linspace(0, 1, 11)
    for name, (confidence, correct) in curves.items():
        idx = np.clip(np.digitize(confidence, bins[1:-1]), 0, 9)
        xs, ys = [], []
        for b in range(10):
            mask = idx == b
            if mask.sum() >= 3:
                xs.append(confidence[mask].mean())
                ys.append(correct[mask].mean())
        ax.plot(xs, ys, marker="o", label=name)
    ax.set_xlabel("Độ tin cậy của mô hình")
    ax.set_ylabel("Tỷ lệ giao đúng cơ quan chủ trì")
    ax.set_title("Biểu đồ hiệu chỉnh độ tin cậy")
    ax.legend(fontsize=8)
    return _png(fig)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render_report(
    metadata: dict[str, Any],
    items: Sequence[LabelledItem],
    cv_probs: np.ndarray,
    classes: list[str],
    catalog: Catalog,
    eval_sets: dict[str, list[LabelledItem]],
    eval_probs: dict[str, np.ndarray],
) -> dict[str, bytes]:
    """Files of the report: ``report.md``, ``confusion.png``, ``calibration.png``."""
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    top1, _ = lead_predictions(cv_probs, classes, catalog)
    curves["Kiểm định chéo"] = (
        lead_confidence(cv_probs, classes, catalog),
        np.array([p in i.accepted_leads for p, i in zip(top1, items, strict=True)], dtype=float),
    )
    for name, probs in eval_probs.items():
        ev_classes = list(metadata["labels"])
        lead, _ = lead_predictions(probs, ev_classes, catalog)
        curves[name] = (
            lead_confidence(probs, ev_classes, catalog),
            np.array(
                [p in i.accepted_leads for p, i in zip(lead, eval_sets[name], strict=True)],
                dtype=float,
            ),
        )
    metrics = metadata["metrics"]
    names = [n for n, v in metrics.items() if v]
    keys = [
        "n",
        "lead_accuracy",
        "lead_top3_accuracy",
        "sector_accuracy",
        "sector_macro_f1",
        "lead_macro_f1",
        "ece",
        "review_threshold",
        "auto_coverage",
        "auto_precision",
    ]
    labels = {
        "n": "Số kiến nghị",
        "lead_accuracy": "Đúng cơ quan chủ trì",
        "lead_top3_accuracy": "Đúng trong 3 gợi ý",
        "sector_accuracy": "Đúng lĩnh vực",
        "sector_macro_f1": "Macro-F1 lĩnh vực",
        "lead_macro_f1": "Macro-F1 cơ quan",
        "ece": "Sai số hiệu chỉnh (ECE)",
        "review_threshold": "Ngưỡng duyệt",
        "auto_coverage": "Tỷ lệ tự động giao",
        "auto_precision": "Độ chính xác khi tự động giao",
    }
    lines = [
        f"# Báo cáo mô hình (cấu hình {metadata['name']})",
        "",
        f"- Dữ liệu: `{metadata['data']['path']}` — {metadata['data']['n_items']} kiến nghị, "
        f"sha256 `{metadata['data']['sha256'][:16]}…`",
        f"- Mã nguồn: {metadata['code_version']}; thời gian huấn luyện: {metadata['training_seconds']} giây",
        f"- Cấu hình: `{metadata['config']}`",
        "",
        "| Chỉ số | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---" for _ in names) + " |",
    ]
    for key in keys:
        lines.append(f"| {labels[key]} | " + " | ".join(_fmt(metrics[n].get(key)) for n in names) + " |")
    counts: dict[str, int] = {}
    for item in items:
        counts[str(item.sector)] = counts.get(str(item.sector), 0) + 1
    lines += [
        "",
        "## Số ví dụ theo lĩnh vực",
        "",
        "| Lĩnh vực | Nhãn | Số ví dụ |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {c} | {catalog.taxonomy.get(c).label} | {counts.get(c, 0)} |" for c in classes]
    lines += ["", "![Ma trận nhầm lẫn](confusion.png)", "", "![Hiệu chỉnh](calibration.png)", ""]
    return {
        "report.md": "\n".join(lines).encode("utf-8"),
        "confusion.png": _confusion_png(items, cv_probs, classes),
        "calibration.png": _calibration_png(curves),
    }
