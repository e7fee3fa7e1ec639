"""Honest comparison of model candidates: cross-validation on the seed corpus and the real dev set.

Run: ``python -m kiennghi.training.compare [--dev PATH] [--out docs/model-comparison.md]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from kiennghi.catalog import Catalog, load_abbreviations, load_catalog
from kiennghi.nlp.normalize import strip_diacritics
from kiennghi.settings import Settings
from kiennghi.training.corpus import LabelledItem, load_corpus, load_labelled, seed_corpus_dir
from kiennghi.training.metrics import EvaluationResult, score
from kiennghi.training.train import TrainConfig, fit_model, load_config

__all__ = ["Candidate", "candidates", "evaluate_candidate", "main"]

Fit = Callable[[Sequence[LabelledItem]], Any]


@dataclass(frozen=True)
class Candidate:
    name: str
    description: str
    fit: Fit


def _kiennghi(config: TrainConfig, abbreviations: dict[str, str]) -> Fit:
    def fit(items: Sequence[LabelledItem]) -> Any:
        return fit_model(items, config, abbreviations)

    return fit


def _plain(factory: Callable[[], Any]) -> Fit:
    def fit(items: Sequence[LabelledItem]) -> Any:
        return factory().fit([i.text for i in items], [str(i.sector) for i in items])

    return fit


def candidates(catalog: Catalog, only: set[str] | None = None) -> list[Candidate]:
    """Every candidate in the comparison; the default config is the one called ``kiennghi``."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from kiennghi.training.peers import FastTextClassifier, KeywordRules, UndertheseaClassifier

    abbr = load_abbreviations()
    base = load_config(None)

    def variant(name: str, **changes: Any) -> TrainConfig:
        """The default config with some keys changed (checked like a YAML file's)."""
        features = replace(base.features, **changes.pop("features", {}))
        classifier = replace(base.classifier, **changes.pop("classifier", {}))
        return replace(base, name=name, features=features, classifier=classifier, **changes)

    none: dict[str, Any] = {"words": None, "accentless_words": None, "accentless_chars": None}
    rows = [
        Candidate(
            "keyword-rules",
            "Từ khóa của danh mục lĩnh vực, không học",
            _plain(lambda: KeywordRules(catalog.taxonomy)),
        ),
        Candidate(
            "tfidf-svm-raw",
            "TF-IDF âm tiết 1-2 trên văn bản thô + LinearSVC (hiệu chỉnh sigmoid)",
            _plain(
                lambda: make_pipeline(
                    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                    CalibratedClassifierCV(LinearSVC(C=0.5), cv=3),
                )
            ),
        ),
        Candidate(
            "underthesea-core",
            "underthesea_core.TextClassifier (TF-IDF + SVM, Rust)",
            _plain(UndertheseaClassifier),
        ),
        Candidate("fasttext", "fastText supervised, bigram, 50 epoch", _plain(FastTextClassifier)),
        Candidate(
            "syllables",
            "Chuẩn hóa + âm tiết 1-2 có dấu",
            _kiennghi(variant("syllables", features={**none, "words": (1, 2)}, accentless_augment=0.0), abbr),
        ),
        Candidate(
            "accentless-syllables",
            "Chuẩn hóa + âm tiết 1-3 bỏ dấu",
            _kiennghi(variant("accentless-syllables", features={**none, "accentless_words": (1, 3)}), abbr),
        ),
        Candidate(
            "accentless-chars",
            "Chuẩn hóa + n-gram ký tự 2-5 bỏ dấu",
            _kiennghi(variant("accentless-chars", features={**none, "accentless_chars": (2, 5)}), abbr),
        ),
        Candidate(
            "segmented-words",
            "Tách từ underthesea + từ 1-2 có dấu + bỏ dấu",
            _kiennghi(variant("segmented-words", features={"segment": True, "accentless_chars": None}), abbr),
        ),
        Candidate(
            "combined-no-augment",
            "Kết hợp ba nhóm đặc trưng, không thêm bản bỏ dấu",
            _kiennghi(variant("combined-no-augment", accentless_augment=0.0), abbr),
        ),
        Candidate(
            "combined-logreg",
            "Kết hợp + hồi quy logistic",
            _kiennghi(variant("combined-logreg", classifier={"type": "logreg", "C": 10.0}), abbr),
        ),
        Candidate("kiennghi", "Cấu hình mặc định (training/configs/default.yaml)", _kiennghi(base, abbr)),
    ]
    return [c for c in rows if only is None or c.name in only]


@dataclass(frozen=True)
class CandidateResult:
    name: str
    description: str
    cv: EvaluationResult
    dev: EvaluationResult | None
    dev_accentless: EvaluationResult | None
    fit_seconds: float
    docs_per_second: float


def _proba(model: Any, texts: list[str], classes: list[str]) -> np.ndarray:
    probs = np.asarray(model.predict_proba(texts))
    out = np.zeros((len(texts), len(classes)))
    out[:, [classes.index(str(c)) for c in model.classes_]] = probs
    return out


def evaluate_candidate(
    candidate: Candidate,
    items: list[LabelledItem],
    dev: list[LabelledItem] | None,
    catalog: Catalog,
    folds: int = 5,
    seed: int = 13,
) -> CandidateResult:
    labels = [str(i.sector) for i in items]
    classes = sorted(set(labels))
    groups = [i.group or i.id for i in items]
    oof = np.zeros((len(items), len(classes)))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(labels, labels, groups):
        model = candidate.fit([items[i] for i in train_idx])
        oof[test_idx] = _proba(model, [items[i].text for i in test_idx], classes)
    cv = score(items, oof, classes, catalog)
    start = time.perf_counter()
    model = candidate.fit(items)
    fit_seconds = time.perf_counter() - start
    dev_result = dev_plain = None
    texts = [i.text for i in items]
    start = time.perf_counter()
    _proba(model, texts, classes)
    docs_per_second = len(texts) / (time.perf_counter() - start)
    if dev:
        dev_result = score(dev, _proba(model, [i.text for i in dev], classes), classes, catalog)
        plain = [strip_diacritics(i.text) for i in dev]
        dev_plain = score(dev, _proba(model, plain, classes), classes, catalog)
    return CandidateResult(
        candidate.name, candidate.description, cv, dev_result, dev_plain, fit_seconds, docs_per_second
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def render(results: list[CandidateResult], n_items: int, n_dev: int, dev_path: str) -> str:
    lines = [
        "# So sánh mô hình (model comparison)",
        "",
        f"Đo ngày {date.today():%Y-%m-%d} trên máy 2 lõi; lệnh: `python -m kiennghi.training.compare`.",
        f"Kiểm định chéo 5 lần theo nhóm (các kiến nghị cùng vấn đề không tách giữa huấn luyện và kiểm tra) "
        f"trên kho mẫu ({n_items} kiến nghị); tập thật `{dev_path}` ({n_dev} kiến nghị, chỉ để đo).",
        "Tỷ lệ phần trăm: đúng cơ quan chủ trì (top-1), đúng trong 3 gợi ý (top-3); ECE là sai số hiệu chỉnh;"
        " tốc độ là số kiến nghị/giây khi phân loại cả lô trên một lõi.",
        "",
        "| Ứng viên | Mô tả | KĐC top-1 | KĐC top-3 | KĐC macro-F1 | KĐC ECE | Thật top-1 | Thật top-3 "
        "| Thật bỏ dấu top-1 | Thật ECE | Huấn luyện (s) | Tốc độ (kn/s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        dev, plain = r.dev, r.dev_accentless
        lines.append(
            f"| {r.name} | {r.description} | {_pct(r.cv.lead_accuracy)} | {_pct(r.cv.lead_top3_accuracy)} | "
            f"{r.cv.sector_macro_f1:.3f} | {r.cv.ece:.3f} | {_pct(dev.lead_accuracy if dev else None)} | "
            f"{_pct(dev.lead_top3_accuracy if dev else None)} | "
            f"{_pct(plain.lead_accuracy if plain else None)} | "
            f"{f'{dev.ece:.3f}' if dev else '–'} | {r.fit_seconds:.1f} | {r.docs_per_second:,.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="So sánh các ứng viên mô hình")
    parser.add_argument("--dev", type=Path, default=Path("../shared/data/real_petitions_dev.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("docs/model-comparison.md"))
    parser.add_argument("--only", nargs="*", help="Chỉ chạy các ứng viên này")
    args = parser.parse_args(argv)
    catalog = load_catalog(Settings.from_env())
    items = load_corpus(seed_corpus_dir(), catalog)
    dev = load_labelled(args.dev, catalog) if args.dev.exists() else None
    results = []
    for candidate in candidates(catalog, set(args.only) if args.only else None):
        start = time.perf_counter()
        result = evaluate_candidate(candidate, items, dev, catalog)
        results.append(result)
        print(
            f"{candidate.name}: KĐC {_pct(result.cv.lead_accuracy)}% | thật "
            f"{_pct(result.dev.lead_accuracy if result.dev else None)}% / bỏ dấu "
            f"{_pct(result.dev_accentless.lead_accuracy if result.dev_accentless else None)}% "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    text = render(results, len(items), len(dev or []), str(args.dev))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
