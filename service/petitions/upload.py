"""A spreadsheet (CSV/XLSX) of petitions through intake, idempotent per row, reported per row."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from kiennghi.errors import KienNghiError, UnknownNameError
from kiennghi.io.tabular import read_records
from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context, UnitFactory
from kiennghi.service.errors import FieldError
from kiennghi.service.petitions.domain import Classifier, NewPetition, Submission, dedupe_key
from kiennghi.service.petitions.intake import prepare, store, validate
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.search import search_text

__all__ = [
    "COLUMN_ALIASES",
    "UPLOAD_SUFFIXES",
    "UploadReport",
    "row_to_petition",
    "upload_file",
    "upload_stream",
]

# The files an upload takes (by name).
UPLOAD_SUFFIXES = (".csv", ".xlsx")

log = logging.getLogger(__name__)

# Rows of an upload stored per statement (all in the caller's one transaction).
UPLOAD_CHUNK = 200

# Header spellings clerks use → field. Compared accent-free and lower-case.
COLUMN_ALIASES: dict[str, str] = {
    "text": "text",
    "noi dung": "text",
    "noi dung kien nghi": "text",
    "kien nghi": "text",
    "association": "association",
    "hoi": "association",
    "ma hoi": "association",
    "submitter": "submitter",
    "nguoi gui": "submitter",
    "nguoi kien nghi": "submitter",
    "locality": "locality",
    "dia ban": "locality",
    "dia phuong": "locality",
    "received_on": "received_on",
    "ngay nhan": "received_on",
    "ngay tiep nhan": "received_on",
    "channel": "channel",
    "kenh": "channel",
    "kenh tiep nhan": "channel",
    "source_document": "source_document",
    "van ban": "source_document",
    "nguon": "source_document",
    "van ban nguon": "source_document",
    "item_number": "item_number",
    "so muc": "item_number",
    "stt": "item_number",
    "muc": "item_number",
}


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldError("received_on", f"Ngày '{text}' không đúng dạng (dd/mm/yyyy hoặc yyyy-mm-dd)")


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def row_to_petition(ctx: Context, record: dict[str, Any]) -> NewPetition:
    """A spreadsheet row as a validated new petition (headers matched accent-free; the association
    by code, name or abbreviation, stored by code)."""
    fields: dict[str, Any] = {}
    for key, value in record.items():
        name = COLUMN_ALIASES.get(search_text(str(key)).strip())
        if name and name not in fields:
            fields[name] = value
    text = fields.get("text")
    if isinstance(text, int | float):
        text = str(text)
    item = NewPetition(
        text=text if isinstance(text, str) else "",
        association=_str(fields.get("association")),
        submitter=_str(fields.get("submitter")),
        locality=_str(fields.get("locality")),
        received_on=_date(fields.get("received_on")),
        channel=_str(fields.get("channel")) or "upload",
        source_document=_str(fields.get("source_document")),
        item_number=_str(fields.get("item_number")),
    )
    return validate(ctx, item)


def _row_error(error: Exception) -> dict[str, Any]:
    row: dict[str, Any] = {"status": "error", "error": str(error)}
    if isinstance(error, UnknownNameError):
        row["value"] = error.code
        row["suggestions"] = [{"code": c, "name": n} for c, n in error.suggestions]
    return row


@dataclass
class UploadReport:
    filename: str
    sha256: str
    created: int = 0
    duplicates: int = 0
    errors: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def upload_file(
    ctx: Context,
    principal: Principal,
    classifier: Classifier,
    path: Path,
    filename: str,
    max_rows: int = 10_000,
) -> UploadReport:
    """Create one petition per new row; rows already stored (same file again) create nothing.

    Each row is reported: created (with its id), duplicate (with the existing id) or error (with
    the reason). Rows go through the same intake as a single submit (``intake.prepare`` and
    ``intake.store``), so a row is routed exactly as the same item submitted alone. Valid rows
    are stored together, in the caller's single transaction.
    """
    require(principal, "petition.create")
    repo = PetitionRepository(ctx.session)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = UploadReport(filename=filename, sha256=digest)
    pending: list[tuple[int, NewPetition, str]] = []
    seen: dict[str, int] = {}
    outcome: dict[int, dict[str, Any]] = {}
    for number, record in enumerate(read_records(path), start=1):
        if number > max_rows:
            raise FieldError("file", f"Tệp có hơn {max_rows:,} dòng; hãy chia nhỏ")
        report.rows.append({"row": number})
        try:
            if "__error__" in record:
                raise FieldError("row", str(record["__error__"]))
            item = row_to_petition(ctx, record)
        except (KienNghiError, ValueError) as e:
            outcome[number] = _row_error(e)
            continue
        key = dedupe_key(item)
        if key in seen:
            outcome[number] = {"status": "duplicate", "duplicate_of_row": seen[key]}
            continue
        seen[key] = number
        pending.append((number, item, key))
    existing = repo.existing_dedupe_keys([k for _, _, k in pending])
    fresh = []
    for number, item, key in pending:
        if key in existing:
            outcome[number] = {"status": "duplicate", "id": existing[key]}
        else:
            fresh.append((number, item, key))
    prepared = prepare(ctx, classifier, [(principal, item, key) for _n, item, key in fresh])
    accepted: list[tuple[int, Submission]] = []
    for (number, _item, _key), result in zip(fresh, prepared, strict=True):
        if isinstance(result, KienNghiError | ValueError):
            outcome[number] = _row_error(result)
        elif isinstance(result, Exception):
            raise result
        else:
            accepted.append((number, result))
    for start in range(0, len(accepted), UPLOAD_CHUNK):  # bounded statement size
        chunk = accepted[start : start + UPLOAD_CHUNK]
        for (number, submission), petition in zip(chunk, store(ctx, [s for _n, s in chunk]), strict=True):
            outcome[number] = {
                "status": "created",
                "id": petition.code,
                "needs_review": submission.result.needs_review,
                "lead_department": petition.lead_department,
            }
    report.rows = [{**r, **outcome.get(r["row"], {})} for r in report.rows]
    statuses = [r.get("status") for r in report.rows]
    report.created = statuses.count("created")
    report.duplicates = statuses.count("duplicate")
    report.errors = statuses.count("error")
    repo.add_upload(
        filename=filename,
        sha256=digest,
        actor=principal.identity,
        created=report.created,
        duplicates=report.duplicates,
        errors=report.errors,
        created_at=ctx.now,
    )
    log.info(
        "upload %s: %d created, %d duplicates, %d errors",
        filename,
        report.created,
        report.duplicates,
        report.errors,
    )
    return report


def upload_stream(
    unit: UnitFactory, principal: Principal, classifier: Classifier, stream: IO[bytes], filename: str | None
) -> UploadReport:
    """An uploaded file (the API's and the web page's): checked by name, copied to a private
    temporary file, then ``upload_file`` in one transaction (nothing stored if it fails)."""
    require(principal, "petition.create")
    name = Path(filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise FieldError("file", f"Tệp '{name}' không phải .csv hoặc .xlsx")
    with tempfile.TemporaryDirectory(prefix="kiennghi-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out)
        with unit() as ctx:
            return upload_file(ctx, principal, classifier, path, name)
