"""Assignment policy (review threshold, second-sector rule, deadlines) loaded from data."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kiennghi.catalog.taxonomy import Taxonomy
from kiennghi.errors import DataFileError

__all__ = ["Gate", "Policy", "ReviewReason", "load_policy"]


@dataclass(frozen=True)
class ReviewReason:
    """Why an item waits for a clerk: a stable code for the API and the figures behind it."""

    code: str  # low_confidence | close_second | addressee_disagrees
    lead: str
    confidence: float
    threshold: float
    second: str | None = None
    second_probability: float | None = None
    addressee: str | None = None


@dataclass(frozen=True)
class Gate:
    """When an item is routed without a clerk: its lead body is probable enough for that body,
    clearly ahead of the second body, and not contradicted by an addressee the text names.

    The per-body thresholds and the margin are fitted for a precision target on held-out
    predictions (``kiennghi gate fit``), not set by hand.
    """

    default_threshold: float = 0.6
    min_margin: float = 0.0
    per_body: dict[str, float] = field(default_factory=dict)
    target_precision: float | None = None
    fitted: dict[str, Any] = field(default_factory=dict)

    def threshold_for(self, body: str) -> float:
        return self.per_body.get(body, self.default_threshold)

    def review_reason(
        self,
        lead: str,
        confidence: float,
        second: str | None = None,
        second_probability: float = 0.0,
        addressee: str | None = None,
    ) -> ReviewReason | None:
        """None when the item may be routed on its own, else the first reason it may not."""
        threshold = self.threshold_for(lead)
        reason = functools.partial(
            ReviewReason,
            lead=lead,
            confidence=confidence,
            threshold=threshold,
            second=second,
            second_probability=second_probability,
            addressee=addressee,
        )
        if addressee is not None and addressee != lead:
            return reason("addressee_disagrees")
        if confidence < threshold:
            return reason("low_confidence")
        if confidence - second_probability < self.min_margin:
            return reason("close_second")
        return None


@dataclass(frozen=True)
class Policy:
    review_threshold: float = 0.6
    second_sector_min_probability: float = 0.25
    deadline_days: dict[str, int] = field(default_factory=lambda: {"default": 30})
    gate: Gate | None = None

    def deadline_for(self, sector: str) -> int:
        return self.deadline_days.get(sector, self.deadline_days.get("default", 30))

    @property
    def routing_gate(self) -> Gate:
        """The fitted gate, or one global threshold (``review_threshold``) when none is fitted."""
        return self.gate or Gate(default_threshold=self.review_threshold)


def _probability(raw: dict, key: str, default: float, source: Path) -> float:
    value = raw.get(key, default)
    if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise DataFileError(f"{source}: '{key}' phải là số từ 0 đến 1, đang là {value!r}")
    return float(value)


def load_policy(path: Path, taxonomy: Taxonomy) -> Policy:
    """Read and validate the policy YAML; unknown sectors in deadline_days are an error."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise DataFileError(f"Không đọc được tệp chính sách {path}: {e}") from e
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: cần một bảng khóa-giá trị")
    deadlines = raw.get("deadline_days", {"default": 30})
    if not isinstance(deadlines, dict):
        raise DataFileError(f"{path}: 'deadline_days' phải là bảng lĩnh vực → số ngày")
    for sector, days in deadlines.items():
        if sector != "default" and sector not in taxonomy:
            raise DataFileError(
                f"{path}: deadline_days có lĩnh vực '{sector}' không có trong danh mục; "
                f"các mã hợp lệ: {', '.join(taxonomy.codes)}"
            )
        if not isinstance(days, int) or days <= 0:
            raise DataFileError(f"{path}: hạn xử lý của '{sector}' phải là số ngày dương, đang là {days!r}")
    return Policy(
        review_threshold=_probability(raw, "review_threshold", 0.6, path),
        second_sector_min_probability=_probability(raw, "second_sector_min_probability", 0.25, path),
        deadline_days={str(k): int(v) for k, v in deadlines.items()},
        gate=_gate(raw.get("gate"), path),
    )


def _gate(raw: Any, source: Path) -> Gate | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise DataFileError(f"{source}: 'gate' phải là bảng khóa-giá trị")
    known = {"default_threshold", "min_margin", "per_body", "target_precision", "fitted"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise DataFileError(
            f"{source}: khóa không hợp lệ trong mục 'gate': {', '.join(unknown)}; "
            f"các khóa hợp lệ: {', '.join(sorted(known))}"
        )
    per_body = raw.get("per_body") or {}
    if not isinstance(per_body, dict):
        raise DataFileError(f"{source}: 'gate.per_body' phải là bảng mã cơ quan → ngưỡng")
    thresholds = {str(body): _probability(per_body, body, 0.0, source) for body in per_body}
    target = raw.get("target_precision")
    return Gate(
        default_threshold=_probability(raw, "default_threshold", 0.6, source),
        min_margin=_probability(raw, "min_margin", 0.0, source),
        per_body=thresholds,
        target_precision=None if target is None else _probability(raw, "target_precision", 0.95, source),
        fitted=dict(raw.get("fitted") or {}),
    )
