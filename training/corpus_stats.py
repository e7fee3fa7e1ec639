"""Statistics of a training corpus (counts per sector, lengths, accent-free share, voices).

Run: ``python -m kiennghi.training.corpus_stats [PATH]`` (default: the bundled seed corpus).
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from pathlib import Path

from kiennghi.catalog import load_catalog
from kiennghi.nlp.normalize import strip_diacritics
from kiennghi.settings import Settings
from kiennghi.training.corpus import LabelledItem, load_corpus, seed_corpus_dir

__all__ = ["corpus_stats", "main"]


def corpus_stats(items: list[LabelledItem]) -> dict[str, object]:
    words = [len(i.text.split()) for i in items]
    return {
        "items": len(items),
        "written": sum(i.origin == "written" for i in items),
        "per_sector": dict(sorted(Counter(str(i.sector) for i in items).items())),
        "accentless_share": sum(strip_diacritics(i.text) == i.text for i in items) / len(items),
        "words_min": min(words),
        "words_median": statistics.median(words),
        "words_max": max(words),
        "voices": dict(Counter(i.voice for i in items).most_common()),
        "groups": len({i.group for i in items if i.group}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Thống kê kho dữ liệu huấn luyện")
    parser.add_argument("path", type=Path, nargs="?", default=None)
    args = parser.parse_args()
    catalog = load_catalog(Settings.from_env())
    stats = corpus_stats(load_corpus(args.path or seed_corpus_dir(), catalog))
    print(f"Số kiến nghị: {stats['items']} (viết tay: {stats['written']})")
    print(
        f"Không dấu: {stats['accentless_share']:.1%}; số từ: {stats['words_min']}–"
        f"{stats['words_max']}, trung vị {stats['words_median']}; nhóm cùng vấn đề: {stats['groups']}"
    )
    print("Theo lĩnh vực:")
    for sector, n in stats["per_sector"].items():  # type: ignore[union-attr]
        print(f"  {sector:28s} {n}")
    print("Theo người gửi:")
    for voice, n in stats["voices"].items():  # type: ignore[union-attr]
        print(f"  {voice or '(không rõ)':28s} {n}")


if __name__ == "__main__":
    main()
