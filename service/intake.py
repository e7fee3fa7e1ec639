"""Intake of one petition or of a whole spreadsheet (CSV/XLSX), idempotent per row."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kiennghi.errors import KienNghiError
from kiennghi.io.tabular import read_records
from kiennghi.service.errors import FieldError
from kiennghi.service.security import Principal, require
from kiennghi.service.workflow import (
    Classifier,
    NewPetition,
    PetitionView,
    Submission,
    Workflow,
    dedupe_key,
    search_text,
)

__all__ = [
    "COLUMN_ALIASES",
    "UploadReport",
    "prepare_submission",
    "prepare_submissions",
    "submit_one",
    "upload_file",
]

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


def row_to_petition(record: dict[str, Any], workflow: Workflow) -> NewPetition:
    fields: dict[str, Any] = {}
    for key, value in record.items():
        name = COLUMN_ALIASES.get(search_text(str(key)).strip())
        if name and name not in fields:
            fields[name] = value
    text = fields.get("text")
    if isinstance(text, int | float):
        text = str(text)
    association = _str(fields.get("association"))
    if association and association not in workflow.associations.codes:
        # A spreadsheet may carry the association's name rather than its code.
        by_name = {search_text(a.name): a.code for a in workflow.associations.items}
        association = by_name.get(search_text(association), association)
    item = NewPetition(
        text=text if isinstance(text, str) else "",
        association=association,
        submitter=_str(fields.get("submitter")),
        locality=_str(fields.get("locality")),
        received_on=_date(fields.get("received_on")),
        channel=_str(fields.get("channel")) or "upload",
        source_document=_str(fields.get("source_document")),
        item_number=_str(fields.get("item_number")),
    )
    return workflow.validate(item)


def prepare_submission(
    workflow: Workflow,
    principal: Principal,
    classifier: Classifier,
    item: NewPetition,
    dedupe: str | None = None,
) -> Submission:
    """Validate and classify one petition: what ``Workflow.submit_many`` stores."""
    outcome = prepare_submissions(workflow, classifier, [(principal, item, dedupe)])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def prepare_submissions(
    workflow: Workflow,
    classifier: Classifier,
    entries: Sequence[tuple[Principal, NewPetition, str | None]],
) -> list[Submission | Exception]:
    """Validate and classify several petitions; each gets its Submission or its own error.

    Items received on the same day are classified in one call (the per-call cost of the model
    is paid once); if that call fails, each item is classified alone so only its own failure
    is reported.
    """
    outcomes: list[Submission | Exception | None] = [None] * len(entries)
    valid: dict[int, NewPetition] = {}
    by_day: dict[date, list[int]] = {}
    for index, (principal, item, _dedupe) in enumerate(entries):
        try:
            require(principal, "petition.create")
            valid[index] = workflow.validate(item)
        except Exception as e:
            outcomes[index] = e
            continue
        by_day.setdefault(valid[index].received_on or workflow.today, []).append(index)
    for day, indices in by_day.items():
        try:
            results: list[Any] = classifier.classify([valid[i].text for i in indices], on=day)
        except Exception:
            results = [None] * len(indices)  # classify each alone: only the culprit fails
        for index, result in zip(indices, results, strict=True):
            principal, _item, dedupe = entries[index]
            try:
                found = result or classifier.classify([valid[index].text], on=day)[0]
                outcomes[index] = Submission(principal, valid[index], found, dedupe)
            except Exception as e:
                outcomes[index] = e
    return [o for o in outcomes if o is not None]


def submit_one(
    workflow: Workflow, principal: Principal, classifier: Classifier, item: NewPetition
) -> PetitionView:
    """Validate, classify, assign and persist one petition."""
    submission = prepare_submission(workflow, principal, classifier, item)
    return workflow.view_new(workflow.submit_many([submission])[0], submission.result)


@dataclass
class UploadReport:
    filename: str
    sha256: str
    created: int = 0
    duplicates: int = 0
    errors: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def upload_file(
    workflow: Workflow,
    principal: Principal,
    classifier: Classifier,
    path: Path,
    filename: str,
    max_rows: int = 10_000,
) -> UploadReport:
    """Create one petition per new row; rows already stored (same file again) create nothing.

    Each row is reported: created (with its id), duplicate (with the existing id) or error (with
    the reason). Valid rows are stored together, in the caller's single transaction.
    """
    require(principal, "petition.create")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = UploadReport(filename=filename, sha256=digest)
    pending: list[tuple[int, NewPetition, str]] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(read_records(path), start=1):
        if number > max_rows:
            raise FieldError("file", f"Tệp có hơn {max_rows:,} dòng; hãy chia nhỏ")
        row: dict[str, Any] = {"row": number}
        try:
            if "__error__" in record:
                raise FieldError("row", str(record["__error__"]))
            item = row_to_petition(record, workflow)
        except (KienNghiError, ValueError) as e:
            report.errors += 1
            report.rows.append({**row, "status": "error", "error": str(e)})
            continue
        key = dedupe_key(item)
        if key in seen:
            report.duplicates += 1
            report.rows.append({**row, "status": "duplicate", "duplicate_of_row": seen[key]})
            continue
        seen[key] = number
        pending.append((number, item, key))
        report.rows.append(row)
    existing = workflow.repo.existing_dedupe_keys([k for _, _, k in pending])
    fresh = [(n, item, k) for n, item, k in pending if k not in existing]
    results = classifier.classify([item.text for _, item, _ in fresh], on=workflow.today)
    outcome: dict[int, dict[str, Any]] = {}
    for number, _item, key in pending:
        if key in existing:
            report.duplicates += 1
            outcome[number] = {"status": "duplicate", "id": existing[key]}
    submissions = [
        Submission(principal, item, result, key)
        for (_n, item, key), result in zip(fresh, results, strict=True)
    ]
    stored = []
    for start in range(0, len(submissions), UPLOAD_CHUNK):  # bounded statement size
        stored += workflow.submit_many(submissions[start : start + UPLOAD_CHUNK])
    for (number, _item, _key), result, petition in zip(fresh, results, stored, strict=True):
        report.created += 1
        outcome[number] = {
            "status": "created",
            "id": petition.code,
            "needs_review": result.needs_review,
            "lead_department": petition.lead_department,
        }
    report.rows = [{**r, **outcome.get(r["row"], {})} for r in report.rows]
    workflow.repo.add_upload(
        filename=filename,
        sha256=digest,
        actor=principal.identity,
        created=report.created,
        duplicates=report.duplicates,
        errors=report.errors,
        created_at=workflow.now,
    )
    return report
