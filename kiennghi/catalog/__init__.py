"""The province's reference data, loaded together: taxonomy, directory, policy, associations,
the names of bodies and associations, abbreviations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kiennghi.catalog.associations import Associations, load_associations
from kiennghi.catalog.directory import Directory, load_directory
from kiennghi.catalog.names import NameIndex
from kiennghi.catalog.policy import Policy, load_policy
from kiennghi.catalog.taxonomy import Taxonomy, load_taxonomy
from kiennghi.errors import DataFileError
from kiennghi.resources import bundled_data_path
from kiennghi.settings import Settings

__all__ = ["Catalog", "load_abbreviations", "load_catalog"]


@dataclass(frozen=True)
class Catalog:
    taxonomy: Taxonomy
    directory: Directory
    policy: Policy
    associations: Associations

    @cached_property
    def names(self) -> NameIndex:
        """Codes of bodies and associations by name, old name or abbreviation (built on first use)."""
        return NameIndex(self.directory.bodies.values(), self.associations.items)


def load_catalog(settings: Settings, associations: Path | None = None) -> Catalog:
    """Load and cross-validate the data files named by the settings.

    ``associations``: the list of associations (default: the bundled one; the service passes
    ``KIENNGHI_ASSOCIATIONS``).
    """
    taxonomy = load_taxonomy(settings.taxonomy)
    directory = load_directory(settings.bodies, settings.directory, taxonomy)
    policy = load_policy(settings.policy, taxonomy)
    for body in policy.gate.per_body if policy.gate else ():
        if body not in directory.bodies:
            raise DataFileError(
                f"{settings.policy}: gate.per_body có cơ quan '{body}' không có trong danh mục cơ quan; "
                f"các mã hợp lệ: {', '.join(directory.body_codes)}"
            )
    return Catalog(taxonomy, directory, policy, load_associations(associations))


def load_abbreviations(path: Path | None = None) -> dict[str, str]:
    """Read the abbreviation table (TSV: abbreviation, expansion; '#' starts a comment)."""
    path = path or bundled_data_path("abbreviations.tsv")
    table: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataFileError(f"Không đọc được bảng viết tắt {path}: {e}") from e
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise DataFileError(f"{path}, dòng {number}: cần 'viết tắt<TAB>nghĩa đầy đủ'")
        table[parts[0].strip()] = parts[1].strip()
    return table
