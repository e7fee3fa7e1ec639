"""The dated sector → {lead body, coordinating bodies} directory and the list of bodies."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from kiennghi.catalog.taxonomy import Taxonomy
from kiennghi.errors import DirectoryError, UnknownCodeError

__all__ = ["Assignment", "Body", "Directory", "DirectoryRow", "load_bodies", "load_directory"]


@dataclass(frozen=True)
class Body:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryRow:
    valid_from: date
    sector: str
    lead: str
    coordinating: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """The bodies a sector is sent to on a given day."""

    sector: str
    lead: str
    coordinating: tuple[str, ...]


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFC", name).replace("\u00d0", "Đ").lower()
    return re.sub(r"[^\w]+", " ", text).strip()


class Directory:
    """Bodies and the dated sector table; answers "who handles sector S on day D"."""

    def __init__(self, bodies: list[Body], rows: list[DirectoryRow], taxonomy: Taxonomy) -> None:
        self.bodies = {b.code: b for b in bodies}
        self.taxonomy = taxonomy
        self.rows = sorted(rows, key=lambda r: (r.sector, r.valid_from))
        # Looked up for every sector of every classified petition: index once.
        self._by_sector: dict[str, list[DirectoryRow]] = {}
        for row in self.rows:
            self._by_sector.setdefault(row.sector, []).append(row)
        self._aliases: dict[str, str] = {}
        for body in bodies:
            for name in (body.name, *body.aliases):
                self._aliases[_name_key(name)] = body.code
        # Lead body of every sector, per (sector list, day): every classified petition needs it.
        self._leads: dict[tuple[tuple[str, ...], date], tuple[str, ...]] = {}

    @property
    def body_codes(self) -> list[str]:
        return list(self.bodies)

    def body(self, code: str) -> Body:
        try:
            return self.bodies[code]
        except KeyError:
            raise UnknownCodeError("cơ quan", code, self.body_codes) from None

    def check_body(self, code: str) -> str:
        self.body(code)
        return code

    @property
    def complete_from(self) -> date | None:
        """The first day on which every sector of the taxonomy has a row (None: never)."""
        first: dict[str, date] = {}
        for row in self.rows:
            first.setdefault(row.sector, row.valid_from)
        if any(code not in first for code in self.taxonomy.codes):
            return None
        return max(first.values(), default=None)

    def assignment(self, sector: str, on: date | None = None) -> Assignment:
        """Lead and coordinating bodies for a sector on a day (today when not given)."""
        if sector not in self.taxonomy:
            raise UnknownCodeError("lĩnh vực", sector, self.taxonomy.codes)
        day = on or date.today()
        current: DirectoryRow | None = None
        for row in self._by_sector.get(sector, ()):
            if row.valid_from <= day:
                current = row
        if current is None:
            raise DirectoryError(
                f"Danh mục không có dòng nào cho lĩnh vực '{sector}' có hiệu lực ngày {day:%d/%m/%Y}"
            )
        return Assignment(sector, current.lead, current.coordinating)

    def leads(self, sectors: Sequence[str], on: date | None = None) -> tuple[str, ...]:
        """The lead body of each sector on a day (today when not given), in the same order."""
        key = (tuple(sectors), on or date.today())
        found = self._leads.get(key)
        if found is None:
            found = tuple(self.assignment(sector, key[1]).lead for sector in key[0])
            if len(self._leads) >= 256:
                self._leads.clear()
            self._leads[key] = found
        return found

    def resolve_name(self, name: str) -> str | None:
        """Body code for a name or old name ("Sở Giao thông vận tải" → "so-xay-dung"), or None."""
        key = _name_key(name)
        if key in self._aliases:
            return self._aliases[key]
        return self.bodies[name].code if name in self.bodies else None


def load_bodies(path: Path) -> list[Body]:
    """Read the list of bodies (YAML); the error names the bad entry."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise DirectoryError(f"Không đọc được danh sách cơ quan {path}: {e}") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("bodies"), list):
        raise DirectoryError(f"{path}: cần khóa 'bodies' là một danh sách cơ quan")
    bodies: list[Body] = []
    for i, item in enumerate(raw["bodies"], start=1):
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            raise DirectoryError(f"{path}: cơ quan thứ {i} thiếu 'code' hoặc 'name'")
        if any(b.code == item["code"] for b in bodies):
            raise DirectoryError(f"{path}: cơ quan thứ {i}: mã '{item['code']}' bị trùng")
        aliases = item.get("aliases") or []
        bodies.append(Body(str(item["code"]), str(item["name"]), tuple(str(a) for a in aliases)))
    return bodies


def _split_codes(cell: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in re.split(r"[;|]", cell or "") if c.strip())


def load_directory(bodies_path: Path, table_path: Path, taxonomy: Taxonomy) -> Directory:
    """Read and validate the dated directory CSV (valid_from, sector, lead, coordinating)."""
    bodies = load_bodies(bodies_path)
    known = {b.code for b in bodies}
    rows: list[DirectoryRow] = []
    try:
        handle = Path(table_path).open(encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as e:
        raise DirectoryError(f"Không đọc được bảng phân công {table_path}: {e}") from e
    with handle:
        reader = csv.DictReader(handle)
        needed = {"valid_from", "sector", "lead", "coordinating"}
        if not reader.fieldnames or not needed <= set(reader.fieldnames):
            raise DirectoryError(
                f"{table_path}: cần các cột {', '.join(sorted(needed))}; có: {reader.fieldnames}"
            )
        for line, rec in enumerate(reader, start=2):
            where = f"{table_path}, dòng {line}"
            try:
                valid_from = date.fromisoformat((rec["valid_from"] or "").strip())
            except ValueError:
                raise DirectoryError(
                    f"{where}: ngày hiệu lực '{rec['valid_from']}' không đúng dạng YYYY-MM-DD"
                ) from None
            sector = (rec["sector"] or "").strip()
            if sector not in taxonomy:
                raise DirectoryError(
                    f"{where}: lĩnh vực '{sector}' không có trong danh mục lĩnh vực; "
                    f"các mã hợp lệ: {', '.join(taxonomy.codes)}"
                )
            lead = (rec["lead"] or "").strip()
            coordinating = _split_codes(rec["coordinating"] or "")
            for code in (lead, *coordinating):
                if code not in known:
                    raise DirectoryError(
                        f"{where}: cơ quan '{code}' không có trong danh sách cơ quan; "
                        f"các mã hợp lệ: {', '.join(sorted(known))}"
                    )
            if lead in coordinating:
                raise DirectoryError(f"{where}: '{lead}' vừa chủ trì vừa phối hợp")
            if any(r.sector == sector and r.valid_from == valid_from for r in rows):
                raise DirectoryError(f"{where}: lĩnh vực '{sector}' đã có dòng cùng ngày {valid_from}")
            rows.append(DirectoryRow(valid_from, sector, lead, coordinating))
    missing = [c for c in taxonomy.codes if not any(r.sector == c for r in rows)]
    if missing:
        raise DirectoryError(f"{table_path}: chưa phân công cơ quan cho lĩnh vực: {', '.join(missing)}")
    return Directory(bodies, rows, taxonomy)
