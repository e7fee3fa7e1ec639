"""Training and evaluation data: the seed corpus, labelled files, validation and data hashes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiennghi.catalog import Catalog
from kiennghi.errors import InputFileError, TrainingError
from kiennghi.io.tabular import read_records

__all__ = ["LabelledItem", "corpus_sha256", "load_corpus", "load_labelled", "seed_corpus_dir"]


def seed_corpus_dir() -> Path:
    """Folder of the hand-written seed corpus (one JSONL file per sector), shipped in the package."""
    from importlib.resources import files

    return Path(str(files("kiennghi.training") / "data" / "seed"))


@dataclass(frozen=True)
class LabelledItem:
    """One labelled petition. ``sector`` may be None when the file only names the body."""

    id: str
    text: str
    sector: str | None
    lead: str
    accept: frozenset[str] = field(default_factory=frozenset)
    origin: str = "written"
    voice: str = ""
    group: str = ""

    @property
    def accepted_leads(self) -> frozenset[str]:
        return self.accept | {self.lead}


def _files(path: Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".jsonl", ".csv", ".xlsx"))
        if not found:
            raise InputFileError(f"Thư mục {path} không có tệp .jsonl, .csv hoặc .xlsx nào")
        return found
    if not path.exists():
        raise InputFileError(f"Không tìm thấy dữ liệu: {path}")
    return [path]


def _codes(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except json.JSONDecodeError:
            pass
    return [c.strip() for c in text.replace("|", ";").replace(",", ";").split(";") if c.strip()]


def load_labelled(path: Path, catalog: Catalog) -> list[LabelledItem]:
    """Read labelled petitions: ``text`` plus ``sector`` and/or a body (``lead_department`` or
    ``department``), optional ``also_accept``. A body may be given by an old agency name.

    Every row must be usable; the error names the file, row and bad value.
    """
    items: list[LabelledItem] = []
    seen: set[str] = set()
    directory = catalog.directory
    for file in _files(path):
        for number, rec in enumerate(read_records(file), start=1):
            where = f"{file.name}, bản ghi {number}"
            if "__error__" in rec:
                raise TrainingError(f"{where}: {rec['__error__']}")
            text = rec.get("text")
            if not isinstance(text, str) or not text.strip():
                raise TrainingError(f"{where}: thiếu nội dung 'text'")
            sector = (str(rec.get("sector") or "").strip()) or None
            if sector is not None and sector not in catalog.taxonomy:
                raise TrainingError(
                    f"{where}: lĩnh vực '{sector}' không có trong danh mục; "
                    f"các mã hợp lệ: {', '.join(catalog.taxonomy.codes)}"
                )
            body = str(rec.get("lead_department") or rec.get("department") or "").strip()
            if body and body not in directory.bodies:
                resolved = directory.resolve_name(body)
                if resolved is None:
                    raise TrainingError(
                        f"{where}: cơ quan '{body}' không có trong danh sách; "
                        f"các mã hợp lệ: {', '.join(directory.body_codes)}"
                    )
                body = resolved
            if not body:
                if sector is None:
                    raise TrainingError(f"{where}: cần 'sector' hoặc 'lead_department'")
                body = directory.assignment(sector).lead
            accept = frozenset(c for c in _codes(rec.get("also_accept")) if c in directory.bodies)
            item_id = str(rec.get("id") or f"{file.stem}-{number}")
            if item_id in seen:
                raise TrainingError(f"{where}: mã '{item_id}' bị trùng")
            seen.add(item_id)
            items.append(
                LabelledItem(
                    id=item_id,
                    text=text,
                    sector=sector,
                    lead=body,
                    accept=accept,
                    origin=str(rec.get("origin") or "written"),
                    voice=str(rec.get("voice") or ""),
                    group=str(rec.get("group") or ""),
                )
            )
    if not items:
        raise TrainingError(f"Không có bản ghi nào trong {path}")
    return items


def load_corpus(path: Path, catalog: Catalog) -> list[LabelledItem]:
    """A training corpus: like :func:`load_labelled`, but every row needs a sector, texts must be
    distinct, and each sector needs enough examples to learn from."""
    items = load_labelled(path, catalog)
    missing = [i.id for i in items if i.sector is None]
    if missing:
        raise TrainingError(
            f"Dữ liệu huấn luyện cần lĩnh vực cho mọi bản ghi; thiếu ở: {', '.join(missing[:5])}"
        )
    texts: dict[str, str] = {}
    for item in items:
        key = " ".join(item.text.lower().split())
        if key in texts:
            raise TrainingError(f"Bản ghi '{item.id}' trùng nội dung với '{texts[key]}'")
        texts[key] = item.id
    counts: dict[str, int] = {}
    for item in items:
        counts[item.sector or ""] = counts.get(item.sector or "", 0) + 1
    thin = sorted(s for s, n in counts.items() if n < 5)
    if thin:
        raise TrainingError(f"Các lĩnh vực có dưới 5 ví dụ, không đủ để học: {', '.join(thin)}")
    return items


def corpus_sha256(items: list[LabelledItem]) -> str:
    """Content hash of a corpus (order-independent), recorded with every model."""
    digest = hashlib.sha256()
    for line in sorted(f"{i.id}\t{i.sector}\t{i.text}" for i in items):
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
