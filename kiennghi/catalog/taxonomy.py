"""The sector (lĩnh vực) taxonomy: loading and validating the data file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kiennghi.errors import TaxonomyError, UnknownCodeError

__all__ = ["Sector", "Taxonomy", "load_taxonomy"]

_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Sector:
    code: str
    label: str
    description: str
    keywords: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    sectors: tuple[Sector, ...]
    _index: dict[str, Sector] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Membership is checked for every sector of every classified petition.
        object.__setattr__(self, "_index", {s.code: s for s in self.sectors})

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.sectors]

    def get(self, code: str) -> Sector:
        try:
            return self._index[code]
        except KeyError:
            raise UnknownCodeError("lĩnh vực", code, self.codes) from None

    def label_of(self, code: str | None) -> str:
        """The sector's Vietnamese label; an unknown code as it is (a retired sector), None as ''."""
        if code is None:
            return ""
        found = self._index.get(code)
        return found.label if found else code

    def __contains__(self, code: object) -> bool:
        return code in self._index


def parse_taxonomy(raw: object, source: str = "taxonomy") -> Taxonomy:
    """Validate a parsed taxonomy document; the error names the bad entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("sectors"), list):
        raise TaxonomyError(f"{source}: cần khóa 'sectors' là một danh sách lĩnh vực")
    sectors: list[Sector] = []
    seen: set[str] = set()
    for i, item in enumerate(raw["sectors"], start=1):
        where = f"{source}: lĩnh vực thứ {i}"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{where} không phải là một bảng khóa-giá trị")
        code = item.get("code")
        if not isinstance(code, str) or not _CODE_RE.match(code):
            raise TaxonomyError(f"{where}: mã '{code}' không hợp lệ (chữ thường, số, dấu gạch ngang)")
        if code in seen:
            raise TaxonomyError(f"{where}: mã '{code}' bị trùng")
        seen.add(code)
        label, description = item.get("label"), item.get("description")
        if not isinstance(label, str) or not label.strip():
            raise TaxonomyError(f"{where} ('{code}'): thiếu nhãn tiếng Việt (label)")
        if not isinstance(description, str) or not description.strip():
            raise TaxonomyError(f"{where} ('{code}'): thiếu mô tả (description)")
        keywords = item.get("keywords") or []
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise TaxonomyError(f"{where} ('{code}'): keywords phải là danh sách chuỗi")
        sectors.append(Sector(code, label.strip(), description.strip(), tuple(keywords)))
    if len(sectors) < 2:
        raise TaxonomyError(f"{source}: cần ít nhất 2 lĩnh vực, có {len(sectors)}")
    return Taxonomy(version=str(raw.get("version", "")), sectors=tuple(sectors))


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate a taxonomy YAML file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise TaxonomyError(f"Không đọc được tệp lĩnh vực {path}: {e}") from e
    return parse_taxonomy(raw, source=str(path))
