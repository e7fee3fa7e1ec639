"""Intake: the one path every new petition takes, whether submitted alone, uploaded in a
spreadsheet or imported from the command line.

validate → classify on the directory in force on its received date (``prepare``) → store,
auto-assigned or queued for review (``store``). Single submits reach it through the group-commit
writer (``writer``), files through ``upload``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from kiennghi.assignment import Classification
from kiennghi.models.serving import TextError, check_text
from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context
from kiennghi.service.errors import FieldError
from kiennghi.service.petitions.domain import Classifier, NewPetition, PetitionView, Submission
from kiennghi.service.petitions.lifecycle import deadline_for, distinct_coordinating
from kiennghi.service.petitions.reasons import percent, review_reason_text, routed_reason_text
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.search import search_text
from kiennghi.service.storable import check_storable
from kiennghi.service.tables import Petition

__all__ = ["prepare", "store", "submit_one", "validate", "view_new"]

log = logging.getLogger(__name__)


def validate(ctx: Context, item: NewPetition) -> NewPetition:
    """The item as stored (the association named by its code) if it can be stored and routed;
    FieldError, or UnknownNameError with the closest names, for the first problem otherwise."""
    try:
        check_text(item.text)
    except TextError as e:
        raise FieldError("text", str(e)) from e
    for name, value in vars(item).items():
        check_storable(name, value)
    if item.association is not None:
        # Clerks type the association's name or abbreviation ("Hội ND"); the code is stored.
        item = replace(item, association=ctx.catalog.names.resolve_association(item.association))
    if item.received_on and item.received_on > ctx.today + timedelta(days=1):
        raise FieldError("received_on", f"Ngày nhận {item.received_on:%d/%m/%Y} ở tương lai")
    start = ctx.catalog.directory.complete_from
    if item.received_on and start and item.received_on < start:
        # Items are assigned by the directory in force on the day they were received.
        raise FieldError(
            "received_on",
            f"Ngày nhận {item.received_on:%d/%m/%Y} trước ngày danh "
            f"mục phân công bắt đầu có hiệu lực ({start:%d/%m/%Y}); hãy bổ sung "
            "danh mục cho giai đoạn đó hoặc sửa ngày nhận",
        )
    return item


def prepare(
    ctx: Context,
    classifier: Classifier,
    entries: Sequence[tuple[Principal, NewPetition, str | None]],
) -> list[Submission | Exception]:
    """Validate and classify several petitions; each gets its Submission or its own error.

    Each item is routed with the directory in force on its received date (today when it has
    none). Items received on the same day are classified in one call (the per-call cost of the
    model is paid once); if that call fails, each item is classified alone so only its own
    failure is reported.
    """
    outcomes: list[Submission | Exception | None] = [None] * len(entries)
    valid: dict[int, NewPetition] = {}
    by_day: dict[date, list[int]] = {}
    for index, (principal, item, _dedupe) in enumerate(entries):
        try:
            require(principal, "petition.create")
            valid[index] = validate(ctx, item)
        except Exception as e:
            outcomes[index] = e
            continue
        by_day.setdefault(valid[index].received_on or ctx.today, []).append(index)
    for day, indices in by_day.items():
        try:
            results: list[Any] = classifier.classify([valid[i].text for i in indices], on=day)
        except Exception:
            log.warning("classifying %d items together failed; classifying each alone", len(indices))
            results = [None] * len(indices)
        for index, result in zip(indices, results, strict=True):
            principal, _item, dedupe = entries[index]
            try:
                found = result or classifier.classify([valid[index].text], on=day)[0]
                outcomes[index] = Submission(principal, valid[index], found, dedupe)
            except Exception as e:
                log.exception("classifying one item failed")
                outcomes[index] = e
    return [o for o in outcomes if o is not None]


def store(ctx: Context, submissions: Sequence[Submission]) -> list[Petition]:
    """Persist validated, classified items together, in order: one statement per table.

    Each item is auto-assigned or queued for review; its number is the next of the year in the
    order given.
    """
    for s in submissions:
        require(s.principal, "petition.create")
    if not submissions:
        return []
    repo = PetitionRepository(ctx.session)
    year = ctx.today.year
    numbers = repo.next_numbers(year, len(submissions))
    rows = [_petition_row(ctx, s, f"KN-{year}-{n:06d}") for s, n in zip(submissions, numbers, strict=True)]
    ids = repo.add_petitions(rows)
    petitions = [Petition(id=i, **row) for i, row in zip(ids, rows, strict=True)]
    classifications: list[dict[str, Any]] = []
    bodies: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for petition, s in zip(petitions, submissions, strict=True):
        classifications.append(_classification_row(ctx, petition, s.result))
        bodies += _body_rows(petition, s.result)
        events += _intake_events(ctx, petition, s)
    repo.add_classifications(classifications)
    repo.add_body_rows(bodies)
    repo.add_event_rows(events)
    return petitions


def view_new(petition: Petition, result: Classification, ctx: Context | None = None) -> PetitionView:
    """The view of an item ``store`` just wrote (its bodies are known without a query).

    With ``ctx``, the view also carries the model's proposal, shown even when the item waits
    for a clerk, with the reason in words.
    """
    lead = petition.lead_department
    coordinating = [] if lead is None else distinct_coordinating(lead, result.coordinating_departments)
    suggestion = None if ctx is None else suggestion_of(result, ctx)
    return PetitionView(petition, lead, coordinating, suggestion=suggestion)


def suggestion_of(result: Classification, ctx: Context) -> dict[str, Any]:
    """The model's proposal for one item as the API shows it."""
    return {
        "sector": result.sector,
        "sector_label": result.sector_label,
        "lead_department": result.lead_department,
        "coordinating_departments": distinct_coordinating(
            result.lead_department, result.coordinating_departments
        ),
        "confidence": result.confidence,
        "needs_review": result.needs_review,
        "review_reason": None if result.review_reason is None else result.review_reason.code,
        "reason_text": _review_text(result, ctx)
        if result.needs_review
        else routed_reason_text(result, ctx.catalog),
        "candidates": [
            {"sector": c.sector, "lead_department": c.lead_department, "probability": c.probability}
            for c in result.candidates
        ],
    }


def submit_one(ctx: Context, principal: Principal, classifier: Classifier, item: NewPetition) -> PetitionView:
    """Validate, classify, assign and persist one petition (in the caller's transaction)."""
    outcome = prepare(ctx, classifier, [(principal, item, None)])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return view_new(store(ctx, [outcome])[0], outcome.result, ctx)


def _petition_row(ctx: Context, s: Submission, code: str) -> dict[str, Any]:
    # The row is written once in its final state (no insert-then-update on the hot path).
    item, result = s.item, s.result
    assigned = not result.needs_review
    return {
        "code": code,
        "text": item.text,
        "search_text": search_text(item.text),
        "association": item.association,
        "submitter": item.submitter,
        "locality": item.locality,
        "received_on": item.received_on or ctx.today,
        "channel": item.channel,
        "source_document": item.source_document,
        "item_number": item.item_number,
        "dedupe_key": s.dedupe,
        "status": "assigned" if assigned else "needs_review",
        "sector": result.sector,
        "lead_department": result.lead_department if assigned else None,
        "assigned_at": ctx.now if assigned else None,
        "deadline": deadline_for(ctx, result.sector) if assigned else None,
        "confidence": result.confidence,
        "model_version": result.model_version,
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "created_by": s.principal.identity,
    }


def _classification_row(ctx: Context, petition: Petition, result: Classification) -> dict[str, Any]:
    return {
        "petition_id": petition.id,
        "model_version": result.model_version,
        "sector": result.sector,
        "lead_department": result.lead_department,
        "coordinating": list(result.coordinating_departments),
        "confidence": result.confidence,
        "needs_review": result.needs_review,
        "candidates": [
            {"sector": c.sector, "lead_department": c.lead_department, "probability": c.probability}
            for c in result.candidates
        ],
        "probabilities": dict(result.probabilities),
        "created_at": ctx.now,
    }


def _body_rows(petition: Petition, result: Classification) -> list[dict[str, Any]]:
    if result.needs_review:
        return []
    lead = result.lead_department
    return [
        {"petition_id": petition.id, "department": lead, "role": "lead"},
        *(
            {"petition_id": petition.id, "department": c, "role": "coordinating"}
            for c in distinct_coordinating(lead, result.coordinating_departments)
        ),
    ]


def _review_text(result: Classification, ctx: Context) -> str:
    if result.review_reason is None:  # a classifier that decides review by itself (tests' fakes)
        return f"Cần cán bộ duyệt: mô hình gợi ý với xác suất {percent(result.confidence)}."
    return review_reason_text(result.review_reason, ctx.catalog)


def _intake_events(ctx: Context, petition: Petition, s: Submission) -> list[dict[str, Any]]:
    result = s.result
    lead = result.lead_department
    received = {
        "petition_id": petition.id,
        "at": ctx.now,
        "actor": s.principal.identity,
        "action": "received",
        "from_status": None,
        "to_status": "received",
        "reason": None,
        "detail": {"channel": s.item.channel},
    }
    if not result.needs_review:
        coordinating = distinct_coordinating(lead, result.coordinating_departments)
        second = {
            "action": "assigned",
            "to_status": "assigned",
            "reason": routed_reason_text(result, ctx.catalog),
            "detail": {
                "sector": result.sector,
                "lead_department": lead,
                "coordinating_departments": coordinating,
                "deadline": deadline_for(ctx, result.sector).isoformat(),
                "notified": [lead, *coordinating],
            },
        }
    else:
        second = {
            "action": "queued_for_review",
            "to_status": "needs_review",
            "reason": _review_text(result, ctx),
            "detail": {
                "suggested_sector": result.sector,
                "suggested_lead": lead,
                "review_reason": None if result.review_reason is None else result.review_reason.code,
            },
        }
    return [received, {**received, "from_status": "received", **second}]
