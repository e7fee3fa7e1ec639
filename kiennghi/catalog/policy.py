"""Assignment policy (review threshold, second-sector rule, deadlines) loaded from data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kiennghi.catalog.taxonomy import Taxonomy
from kiennghi.errors import DataFileError

__all__ = ["Policy", "load_policy"]


@dataclass(frozen=True)
class Policy:
    review_threshold: float = 0.6
    second_sector_min_probability: float = 0.25
    deadline_days: dict[str, int] = field(default_factory=lambda: {"default": 30})

    def deadline_for(self, sector: str) -> int:
        return self.deadline_days.get(sector, self.deadline_days.get("default", 30))


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
    )
