"""A registered model in a form that serves without scikit-learn: arrays plus plain functions.

Loading a pickled scikit-learn pipeline costs about a second of CPU before the first petition is
classified (importing scikit-learn and SciPy, then joblib's pure-Python unpickler), and each
``predict_proba`` call pays scikit-learn's per-call machinery. For the model family kiennghi trains
(TextNormalizer → FeatureUnion of TfidfVectorizers → CalibratedClassifierCV(sigmoid) over a linear
model) everything the pipeline computes is a few lookups and array operations, so the registry
also stores those arrays (``serving.npz``, numpy's own format, read with ``allow_pickle=False``)
beside the pickled pipeline, which stays the model of record.

The export is refused (and the pipeline serves) when the pipeline has another shape or when the
compiled probabilities differ from the pipeline's on the probe texts.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from kiennghi.nlp.abbreviations import AbbreviationExpander
from kiennghi.nlp.ngrams import make_analyzer
from kiennghi.nlp.prepare import prepare_text

__all__ = ["FORMAT", "PROBE_TEXTS", "CompiledModel", "export"]

FORMAT = 1
TOLERANCE = 1e-6

PROBE_TEXTS = [
    "Đề nghị nâng cấp tuyến đường ĐT-746 đoạn qua xã Tân Lập",
    "de nghi ho tro kinh phi hoat dong cho chi hoi nong dan",
    "Trạm y tế xã thiếu bác sĩ; BHYT của người cao tuổi chưa được cấp",
    "Cử tri xã Hoà Bình đề nghị sớm cấp GCNQSDĐ, giải quyết dứt điểm GPMB dự án QL1A",
    "Ðề nghị UBND tỉnh bố trí vốn xây dựng nhà văn hóa thôn 3",
    "x",
    "1. Chế độ cho dân quân tự vệ theo NĐ 72/2020/NĐ-CP\n2. Hỗ trợ hộ nghèo vay vốn NHCSXH",
]


class _Vocabulary:
    """One TfidfVectorizer: its analyser, term → column, idf weights, sublinear tf."""

    __slots__ = ("analyze", "columns", "idf", "offset", "sublinear")

    def __init__(
        self,
        analyze: Callable[[str], list[str]],
        terms: list[str],
        idf: np.ndarray | None,
        sublinear: bool,
        offset: int,
    ) -> None:
        self.analyze = analyze
        self.columns = {t: j for j, t in enumerate(terms, start=offset)}  # term → column of the union
        self.idf = idf
        self.sublinear = sublinear
        self.offset = offset

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, l2-normalised tf-idf weights) of one normalised text."""
        counts = Counter(map(self.columns.get, self.analyze(text)))
        counts.pop(None, None)
        n = len(counts)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=n)
        if self.sublinear:
            tf = np.log(tf) + 1.0
        if self.idf is not None:
            tf *= self.idf[columns - self.offset]
        norm = np.sqrt(tf @ tf)
        if norm > 0:
            tf /= norm
        return columns, tf


class CompiledModel:
    """Sector probabilities of a registered model, computed without scikit-learn."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        spec = json.loads(bytes(arrays["spec"]).decode("utf-8"))
        if spec.get("format") != FORMAT:
            raise ValueError(f"serving format {spec.get('format')} is not {FORMAT}")
        self.spec = spec
        self.classes: list[str] = [str(c) for c in spec["classes"]]
        normalizer = spec["normalizer"]
        self._expand = AbbreviationExpander(normalizer["abbreviations"])
        self._mask_places = bool(normalizer["mask_places"])
        self._lowercase = bool(normalizer["lowercase"])
        self._parts: list[_Vocabulary] = []
        self._names: list[list[str] | None] = []  # terms shown to clerks (not character n-grams)
        offset = 0
        for i, v in enumerate(spec["vectorizers"]):
            terms = bytes(arrays[f"terms{i}"]).decode("utf-8").split("\n") if v["size"] else []
            analyze = make_analyzer(v["kind"], tuple(v["ngram_range"]), v["preprocessor"], v["token_pattern"])
            idf = arrays[f"idf{i}"].astype(np.float64) if f"idf{i}" in arrays else None
            self._parts.append(_Vocabulary(analyze, terms, idf, v["sublinear"], offset))
            self._names.append(terms if v["kind"] == "word" else None)
            offset += len(terms)
        self.n_features = offset
        self._idf = np.concatenate(
            [p.idf if p.idf is not None else np.ones(len(p.columns)) for p in self._parts] or [np.ones(0)]
        )
        self._sublinear = np.concatenate(
            [np.full(len(p.columns), p.sublinear) for p in self._parts] or [np.zeros(0, dtype=bool)]
        )
        self._coef = arrays["coef"]  # (features, folds × classes), float32 as trained
        if self._coef.shape[0] != offset:
            raise ValueError("linear model and features disagree on the number of columns")
        self._folds: list[tuple[slice, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        start = 0
        for fold in spec["folds"]:
            width = len(fold["index"])
            self._folds.append(
                (
                    slice(start, start + width),
                    np.asarray(fold["index"]),
                    arrays[f"a{len(self._folds)}"],
                    arrays[f"b{len(self._folds)}"],
                    arrays[f"intercept{len(self._folds)}"],
                )
            )
            start += width

    # -- reading and writing -------------------------------------------------------------------
    @classmethod
    def load(cls, source: Path | bytes) -> CompiledModel:
        """Read ``serving.npz`` (a path, or its bytes) without unpickling anything."""
        with np.load(io.BytesIO(source) if isinstance(source, bytes) else source, allow_pickle=False) as data:
            return cls({name: data[name] for name in data.files})

    # -- scoring -------------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        return prepare_text(text, self._expand, self._mask_places, self._lowercase)

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """Linear scores (before intercepts, all folds side by side) of normalised texts.

        Per text only the terms are counted (in Python, as scikit-learn does); weighting, norms
        and the product with the weights are array operations over the whole batch.
        """
        from scipy.sparse import csr_matrix  # ~0.1 s to import, against ~1 s for scikit-learn

        columns: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []  # entries of each (text, vectorizer): the l2 norms are per pair
        for text in texts:
            for part in self._parts:
                found = Counter(map(part.columns.get, part.analyze(text)))
                found.pop(None, None)
                columns += cast("Counter[int]", found)  # its None key was popped above
                counts += found.values()
                lengths.append(len(found))
        if not columns:
            return np.zeros((len(texts), self._coef.shape[1]))
        cols = np.asarray(columns, dtype=np.intp)
        tf = np.asarray(counts, dtype=np.float64)
        sublinear = self._sublinear[cols]
        tf[sublinear] = np.log(tf[sublinear]) + 1.0
        tf *= self._idf[cols]
        pair = np.repeat(np.arange(len(lengths)), lengths)
        norms = np.sqrt(np.bincount(pair, weights=tf * tf, minlength=len(lengths)))
        tf /= np.where(norms > 0, norms, 1.0)[pair]
        per_text = np.asarray(lengths).reshape(len(texts), len(self._parts)).sum(axis=1)
        indptr = np.concatenate([[0], np.cumsum(per_text)])
        matrix = csr_matrix((tf.astype(self._coef.dtype), cols, indptr), shape=(len(texts), self.n_features))
        return np.asarray(matrix @ self._coef, dtype=np.float64)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated sector probabilities, one row per text, columns in ``classes`` order."""
        n = len(self.classes)
        decisions = self.decisions([self.normalize(t) for t in texts])
        total = np.zeros((len(texts), n))
        for columns, index, a, b, intercept in self._folds:
            decision = decisions[:, columns] + intercept
            proba = np.zeros((len(texts), n))
            proba[:, index] = 1.0 / (1.0 + np.exp(a * decision + b))
            denominator = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, denominator, out=np.full_like(proba, 1 / n), where=denominator != 0)
            total += proba
        total /= len(self._folds)
        total[(total > 1.0) & (total <= 1.0 + 1e-5)] = 1.0
        return total

    def explain(self, text: str, sector: str, top: int = 8) -> list[str]:
        """The word features of ``text`` that pushed it most towards ``sector`` (first fold's model)."""
        if sector not in self.classes:
            return []
        columns_slice, index, *_ = self._folds[0]
        position = list(index).index(self.classes.index(sector))
        row = self._coef[:, columns_slice][:, position]
        norm = self.normalize(text)
        contributions: list[tuple[float, str]] = []
        for part, names in zip(self._parts, self._names, strict=True):
            if names is None:
                continue
            columns, weights = part.weights(norm)
            contributions += [
                (float(w * row[j]), names[j - part.offset]) for j, w in zip(columns, weights, strict=True)
            ]
        contributions.sort(reverse=True)
        words: list[str] = []
        for weight, term in contributions:
            if weight <= 0 or len(words) >= top:
                break
            if term not in words:
                words.append(term)
        return words


def _preprocessor_name(vectorizer: Any) -> str | None:
    from kiennghi.nlp.normalize import accentless_lower

    if vectorizer.preprocessor is accentless_lower:
        return "accentless_lower"
    if vectorizer.preprocessor is None and vectorizer.strip_accents is None:
        return "lower" if vectorizer.lowercase else "identity"
    return None


def _arrays(pipeline: Any) -> dict[str, np.ndarray] | None:
    """The pipeline as named arrays, or None when it is not of the supported shape."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from kiennghi.nlp.transformers import TextNormalizer

    steps = [s for _n, s in pipeline.steps]
    if len(steps) != 3:
        return None
    normalizer, union, calibrated = steps
    if type(normalizer) is not TextNormalizer or not isinstance(union, FeatureUnion):
        return None
    if union.transformer_weights is not None:
        return None
    if not isinstance(calibrated, CalibratedClassifierCV) or calibrated.method != "sigmoid":
        return None
    classes = [str(c) for c in calibrated.classes_]
    if len(classes) < 3:
        return None
    arrays: dict[str, np.ndarray] = {}
    vectorizers = []
    for i, (name, v) in enumerate(union.transformer_list):
        if not isinstance(v, TfidfVectorizer) or v.binary or v.norm != "l2" or v.stop_words is not None:
            return None
        if v.analyzer not in ("word", "char_wb") or callable(v.tokenizer):
            return None
        prep = _preprocessor_name(v)
        if prep is None:
            return None
        terms = sorted(v.vocabulary_, key=v.vocabulary_.__getitem__)
        if any("\n" in t for t in terms):
            return None
        arrays[f"terms{i}"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
        if v.use_idf:
            arrays[f"idf{i}"] = np.asarray(v.idf_)
        vectorizers.append(
            {
                "name": name,
                "kind": v.analyzer,
                "ngram_range": list(v.ngram_range),
                "preprocessor": prep,
                "token_pattern": v.token_pattern if v.analyzer == "word" else None,
                "sublinear": bool(v.sublinear_tf),
                "size": len(terms),
            }
        )
    coefs, folds = [], []
    for k, cc in enumerate(calibrated.calibrated_classifiers_):
        linear = cc.estimator
        if not hasattr(linear, "coef_") or len(cc.calibrators) != len(linear.classes_):
            return None
        index = np.searchsorted(np.asarray(calibrated.classes_), linear.classes_)
        arrays[f"a{k}"] = np.array([c.a_ for c in cc.calibrators], dtype=np.float64)
        arrays[f"b{k}"] = np.array([c.b_ for c in cc.calibrators], dtype=np.float64)
        arrays[f"intercept{k}"] = np.asarray(linear.intercept_, dtype=np.float64)
        coefs.append(np.asarray(linear.coef_))
        folds.append({"index": [int(j) for j in index]})
    arrays["coef"] = np.ascontiguousarray(np.vstack(coefs).T)
    spec = {
        "format": FORMAT,
        "classes": classes,
        "normalizer": {
            "abbreviations": dict(normalizer.abbreviations or {}),
            "lowercase": bool(normalizer.lowercase),
            "mask_places": bool(getattr(normalizer, "mask_places", False)),
        },
        "vectorizers": vectorizers,
        "folds": folds,
    }
    arrays["spec"] = np.frombuffer(json.dumps(spec, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    return arrays


def export(pipeline: Any, probes: Sequence[str] = ()) -> bytes | None:
    """``serving.npz`` content for a fitted pipeline, or None when it cannot be served compiled.

    The compiled model must give the pipeline's probabilities (within 1e-6) on the built-in probe
    texts and on ``probes`` (training passes a sample of its corpus), else nothing is exported.
    """
    try:
        arrays = _arrays(pipeline)
        if arrays is None:
            return None
        compiled = CompiledModel(arrays)
        texts = [*PROBE_TEXTS, *probes]
        expected = np.asarray(pipeline.predict_proba(texts))
        if compiled.classes != [str(c) for c in pipeline.classes_]:
            return None
        if not np.allclose(compiled.predict_proba(texts), expected, rtol=0, atol=TOLERANCE):
            return None
    except (AttributeError, ValueError, IndexError, TypeError, KeyError):
        return None
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **cast(dict[str, Any], arrays))
    return buffer.getvalue()
