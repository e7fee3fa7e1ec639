"""A fast, deterministic stand-in for the sector model (keyword rules over accent-free text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from kiennghi.assignment import Classification, assign
from kiennghi.catalog import Catalog
from kiennghi.nlp.normalize import strip_diacritics

# keyword (accent-free) → (sector, probability). No match: general administration at 0.30.
RULES: list[tuple[str, str, float]] = [
    ("kinh phi", "tai-chinh-ngan-sach", 0.45),  # deliberately uncertain: goes to review
    ("duong", "giao-thong", 0.92),
    ("benh vien", "y-te", 0.90),
    ("tram y te", "y-te", 0.90),
    ("truong hoc", "giao-duc", 0.88),
    ("dat dai", "dat-dai", 0.85),
    ("phan bon", "vat-tu-nong-nghiep", 0.80),
]


class FakeClassifier:
    """Implements the Classifier protocol of service.workflow."""

    def __init__(self, catalog: Catalog, version: str = "fake-1") -> None:
        self.catalog = catalog
        self.version = version
        self.classes = catalog.taxonomy.codes

    def _probs(self, text: str) -> np.ndarray:
        plain = strip_diacritics(text).lower()
        probs = np.full(len(self.classes), 0.0)
        for keyword, sector, p in RULES:
            if keyword in plain:
                probs[self.classes.index(sector)] = p
                if sector == "tai-chinh-ngan-sach":
                    probs[self.classes.index("giao-duc")] = 0.30
                break
        else:
            probs[self.classes.index("hanh-chinh-tong-hop")] = 0.30
        rest = 1.0 - probs.sum()
        zero = probs == 0
        probs[zero] = rest / zero.sum()
        return probs

    def classify(self, texts: Sequence[str], on: date | None = None) -> list[Classification]:
        return [assign(self._probs(t), self.classes, self.catalog, self.version, on) for t in texts]

    def explain(self, text: str, sector: str, top: int = 8) -> list[str]:
        plain = strip_diacritics(text).lower()
        return [k for k, s, _p in RULES if s == sector and k in plain][:top]
