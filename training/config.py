"""Typed training configuration: the dataclasses whose field defaults ARE the defaults, and the strict
YAML loader.

There is one source of defaults: the field defaults below. The bundled ``configs/default.yaml``
spells the same values out (with the reasons for them); a test asserts ``load_config(None) ==
TrainConfig()`` so the two cannot drift. A key that is not a field, or a value of the wrong type or
range, is refused with a message naming the key, the file and what is expected, never silently
replaced by a default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from kiennghi.errors import TrainingError

__all__ = [
    "CLASSIFIER_KEYS",
    "FEATURE_KEYS",
    "ClassifierConfig",
    "FeatureConfig",
    "NgramRange",
    "TrainConfig",
    "default_config_path",
    "load_config",
]

NgramRange = tuple[int, int]

ClassifierType = Literal["svm", "logreg"]
CLASSIFIER_TYPES: tuple[str, ...] = ("svm", "logreg")
CALIBRATIONS: tuple[str, ...] = ("sigmoid", "isotonic")


class _InvalidValueError(ValueError):
    """A value refused by a field check; ``expected`` says, in Vietnamese, what the key takes."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


# --- field checks: each returns the normalised value or raises _InvalidValueError -------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ngram(value: Any) -> NgramRange | None:
    expected = "một cặp số nguyên [nhỏ nhất, lớn nhất] với 1 ≤ nhỏ nhất ≤ lớn nhất, hoặc null để tắt"
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(_is_int(v) for v in value):
        raise _InvalidValueError(expected)
    lo, hi = value
    if not 1 <= lo <= hi:
        raise _InvalidValueError(expected)
    return (lo, hi)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _InvalidValueError("true hoặc false")
    return value


def _int_at_least(low: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if not _is_int(value) or value < low:
            raise _InvalidValueError(f"một số nguyên ≥ {low}")
        return int(value)

    return check


def _optional_cap(value: Any) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or value < 1:
        raise _InvalidValueError("một số nguyên ≥ 1, hoặc null (không giới hạn)")
    return int(value)


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise _InvalidValueError(f"một trong: {', '.join(choices)}")
        return value

    return check


def _positive(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise _InvalidValueError("một số dương (ví dụ 0.5)")
    return float(value)


def _share(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise _InvalidValueError("một số từ 0 đến 1")
    return float(value)


def _class_weight(value: Any) -> str | None:
    if value is not None and value != "balanced":
        raise _InvalidValueError("balanced hoặc null")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _InvalidValueError("một chuỗi không rỗng")
    return value


def _validate(instance: Any, section: str | None, source: str) -> None:
    """Check and normalise every field of a frozen config dataclass in place."""
    for f in dataclasses.fields(instance):
        check = f.metadata.get("check")
        if check is None:
            continue
        value = getattr(instance, f.name)
        try:
            normalised = check(value)
        except _InvalidValueError as e:
            raise _value_error(source, section, f.name, value, e.expected) from None
        object.__setattr__(instance, f.name, normalised)


def _value_error(source: str, section: str | None, key: str, value: Any, expected: str) -> TrainingError:
    where = f"{section}.{key}" if section else key
    return TrainingError(f"{source}: giá trị không hợp lệ cho khóa '{where}': {value!r}; cần {expected}")


# --- the configs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureConfig:
    """The n-gram features. An n-gram range of None turns that family off."""

    # syllable n-grams on the normalised, accented text
    words: NgramRange | None = field(default=(1, 2), metadata={"check": _ngram})
    # syllable n-grams without diacritics (phone-typed text)
    accentless_words: NgramRange | None = field(default=(1, 3), metadata={"check": _ngram})
    # character n-grams (within word boundaries) without diacritics (typos, shortenings)
    accentless_chars: NgramRange | None = field(default=(3, 5), metadata={"check": _ngram})
    # underthesea word segmentation before the n-grams: no gain measured, 700 docs/s
    segment: bool = field(default=False, metadata={"check": _bool})
    # one token for proper place names after xã, huyện, thôn …
    mask_places: bool = field(default=True, metadata={"check": _bool})
    # a term must occur in at least this many training texts
    min_df: int = field(default=2, metadata={"check": _int_at_least(1)})
    # at most this many terms per feature family (None: no cap)
    max_features: int | None = field(default=150_000, metadata={"check": _optional_cap})

    def __post_init__(self) -> None:
        _validate(self, "features", "cấu hình huấn luyện")


@dataclass(frozen=True)
class ClassifierConfig:
    """The linear model. ``calibration`` and ``calibration_folds`` apply to ``svm`` only."""

    type: ClassifierType = field(default="svm", metadata={"check": _one_of(CLASSIFIER_TYPES)})
    C: float = field(default=0.5, metadata={"check": _positive})
    class_weight: str | None = field(default="balanced", metadata={"check": _class_weight})
    calibration: str = field(default="sigmoid", metadata={"check": _one_of(CALIBRATIONS)})
    calibration_folds: int = field(default=3, metadata={"check": _int_at_least(2)})

    def __post_init__(self) -> None:
        _validate(self, "classifier", "cấu hình huấn luyện")


@dataclass(frozen=True)
class TrainConfig:
    """One training run, declared in a YAML file (see training/configs/default.yaml)."""

    name: str = field(default="default", metadata={"check": _name})
    features: FeatureConfig = field(default_factory=FeatureConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    # Share of training texts also added without diacritics ("derived" rows), so phone-typed
    # petitions are scored with the same confidence as accented ones.
    accentless_augment: float = field(default=1.0, metadata={"check": _share})
    # Sample weight of clerks' corrections (origin "correction") against a seed example: they are
    # real petitions of the province, so they may count more. See docs/learning-curve.md.
    correction_weight: float = field(default=1.0, metadata={"check": _positive})
    cv_folds: int = field(default=5, metadata={"check": _int_at_least(2)})
    seed: int = field(default=13, metadata={"check": _int_at_least(0)})

    def __post_init__(self) -> None:
        source = "cấu hình huấn luyện"
        for key, kind in (("features", FeatureConfig), ("classifier", ClassifierConfig)):
            value = getattr(self, key)
            if isinstance(value, Mapping):  # a plain dict from older code: built as strictly as YAML
                object.__setattr__(self, key, kind(**_section(value, key, kind, source)))
            elif not isinstance(value, kind):
                raise TrainingError(
                    f"{source}: mục '{key}' phải là {kind.__name__} hoặc một bảng khóa: giá trị"
                )
        _validate(self, None, source)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data (n-gram ranges as lists), as recorded in the model metadata."""
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_mapping(cls, raw: Mapping[Any, Any], source: str = "cấu hình huấn luyện") -> TrainConfig:
        """Build strictly from parsed YAML: every missing key takes its field default."""
        values = _section(raw, None, cls, source)
        for key, kind in (("features", FeatureConfig), ("classifier", ClassifierConfig)):
            sub = raw.get(key)
            if sub is None:  # absent (or an empty "features:" line): all defaults
                values.pop(key, None)
                continue
            if not isinstance(sub, Mapping):
                raise TrainingError(f"{source}: mục '{key}' phải là một bảng khóa: giá trị")
            values[key] = kind(**_section(sub, key, kind, source))
        return cls(**values)


FEATURE_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(FeatureConfig))
CLASSIFIER_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ClassifierConfig))


def _section(raw: Mapping[Any, Any], section: str | None, kind: type, source: str) -> dict[str, Any]:
    """The keys of one section, refused if unknown and checked (with the file named) if known."""
    fields = {f.name: f for f in dataclasses.fields(kind)}
    unknown = sorted(str(k) for k in raw if k not in fields)
    if unknown:
        where = f" trong mục '{section}'" if section else ""
        raise TrainingError(
            f"{source}: khóa không hợp lệ{where}: {', '.join(unknown)}; các khóa hợp lệ: {', '.join(fields)}"
        )
    values: dict[str, Any] = {}
    for key, value in raw.items():
        check = fields[key].metadata.get("check")
        if check is not None:
            try:
                value = check(value)
            except _InvalidValueError as e:
                raise _value_error(source, section, key, value, e.expected) from None
        values[key] = value
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def default_config_path() -> Path:
    """The bundled default config (``kiennghi/training/configs/default.yaml``)."""
    from importlib.resources import files

    return Path(str(files("kiennghi.training") / "configs" / "default.yaml"))


def load_config(path: Path | str | None = None) -> TrainConfig:
    """Read a training config strictly; None gives the bundled default.

    Keys left out take the defaults of :class:`TrainConfig`; an unknown key or a value of the wrong
    type is a :class:`TrainingError` naming the key, the file and what is valid.
    """
    path = default_config_path() if path is None else Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise TrainingError(f"Không đọc được cấu hình huấn luyện {path}: {e}") from e
    if raw is None:  # an empty file: every default
        raw = {}
    if not isinstance(raw, dict):
        raise TrainingError(f"{path}: cấu hình huấn luyện phải là một bảng khóa: giá trị")
    config = TrainConfig.from_mapping(raw, str(path))
    if not any((config.features.words, config.features.accentless_words, config.features.accentless_chars)):
        raise TrainingError(
            f"{path}: mục 'features' rỗng: cần ít nhất một trong words, accentless_words, accentless_chars"
        )
    return config
