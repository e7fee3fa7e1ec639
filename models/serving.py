"""Classifies petitions with a registered model and assigns them through the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from kiennghi.assignment import Classification, assign
from kiennghi.catalog import Catalog
from kiennghi.models.registry import LoadedModel

__all__ = ["MAX_TEXT_CHARS", "PetitionClassifier", "TextError", "check_text"]

MAX_TEXT_CHARS = 20_000


class TextError(ValueError):
    """A petition text that cannot be classified (the message is for the user)."""


def check_text(value: Any) -> str:
    """Return the text if it can be classified, else raise TextError naming the problem."""
    if value is None:
        raise TextError("thiếu nội dung kiến nghị (trường 'text')")
    if not isinstance(value, str):
        raise TextError(f"nội dung kiến nghị phải là chuỗi ký tự, không phải {type(value).__name__}")
    if not value.strip():
        raise TextError("nội dung kiến nghị rỗng")
    if len(value) > MAX_TEXT_CHARS:
        raise TextError(
            f"nội dung kiến nghị dài {len(value):,} ký tự, vượt giới hạn {MAX_TEXT_CHARS:,} ký tự"
        )
    return value


class PetitionClassifier:
    """A loaded model plus the province's catalog: text in, sector and bodies out.

    Examples
    --------
    >>> clf = PetitionClassifier(model, catalog)  # doctest: +SKIP
    >>> clf.classify(["Đề nghị nâng cấp tuyến đường ĐT-746 đoạn qua xã Tân Lập"])[0].lead_department
    'so-xay-dung'
    """

    def __init__(self, model: LoadedModel, catalog: Catalog) -> None:
        self.model = model
        self.catalog = catalog
        unknown = [c for c in model.classes if c not in catalog.taxonomy]
        if unknown:
            from kiennghi.errors import ModelRegistryError

            raise ModelRegistryError(
                f"Mô hình {model.version} dự đoán lĩnh vực không có trong danh mục hiện tại: "
                f"{', '.join(unknown)}; hãy huấn luyện lại với danh mục này"
            )

    @property
    def version(self) -> str:
        return self.model.version

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.predict_proba(texts))

    def classify(self, texts: Sequence[str], on: date | None = None) -> list[Classification]:
        """Classify a batch of already-checked texts."""
        if not texts:
            return []
        probs = self.probabilities(texts)
        classes = self.model.classes
        on = on or date.today()
        return [assign(row, classes, self.catalog, self.model.version, on) for row in probs]

    def explain(self, text: str, sector: str, top: int = 8) -> list[str]:
        """The word features of ``text`` that pushed it most towards ``sector`` (for clerks)."""
        if self.model.compiled is not None:
            return self.model.compiled.explain(text, sector, top)
        pipeline = self.model.pipeline
        estimator = pipeline.steps[-1][1]
        linear = getattr(estimator, "calibrated_classifiers_", None)
        linear = linear[0].estimator if linear else estimator
        coef = getattr(linear, "coef_", None)
        if coef is None or sector not in self.model.classes:
            return []
        row = coef[self.model.classes.index(sector)]
        features = pipeline[:-1].transform([text])
        names = pipeline.steps[-2][1].get_feature_names_out()
        x = features.tocsr()
        contributions = [(float(v * row[j]), str(names[j])) for j, v in zip(x.indices, x.data, strict=True)]
        words: list[str] = []
        for weight, name in sorted(contributions, reverse=True):
            if weight <= 0 or len(words) >= top:
                break
            prefix, _, term = name.partition("__")
            if prefix == "accentless_chars":
                continue
            if term not in words:
                words.append(term)
        return words
