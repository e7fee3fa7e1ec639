"""The list of associations (who submits), loaded from data and validated on load."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kiennghi.errors import DataFileError, UnknownCodeError
from kiennghi.resources import bundled_data_path

__all__ = ["Association", "Associations", "load_associations"]

_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Association:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Associations:
    items: tuple[Association, ...]

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.items]

    def name(self, code: str | None) -> str:
        for item in self.items:
            if item.code == code:
                return item.name
        return code or ""

    def check(self, code: str) -> str:
        if code not in self.codes:
            raise UnknownCodeError("hội", code, self.codes)
        return code


def load_associations(path: Path | None = None) -> Associations:
    """Read ``associations.yaml`` (extend the file to add an association; codes are stable)."""
    path = Path(path or bundled_data_path("associations.yaml"))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise DataFileError(f"Không đọc được danh sách hội {path}: {e}") from e
    entries = raw.get("associations") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise DataFileError(f"{path}: cần khóa 'associations' là một danh sách không rỗng")
    items: list[Association] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: hội thứ {number}"
        if not isinstance(entry, dict):
            raise DataFileError(f"{where} không phải bảng {{code, name, aliases}}")
        code, name = entry.get("code"), entry.get("name")
        if not isinstance(code, str) or not _CODE_RE.match(code):
            raise DataFileError(f"{where}: mã '{code}' không hợp lệ (chữ thường, số, gạch ngang)")
        if code in seen:
            raise DataFileError(f"{where}: mã '{code}' bị trùng")
        if not isinstance(name, str) or not name.strip():
            raise DataFileError(f"{where} ('{code}'): thiếu tên")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise DataFileError(f"{where} ('{code}'): aliases phải là danh sách tên không rỗng")
        seen.add(code)
        items.append(Association(code, name.strip(), tuple(a.strip() for a in aliases)))
    return Associations(tuple(items))
