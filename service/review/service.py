"""The secretariat's routing decisions: the review queue, confirm, override, reassign.

Every decision is kept as a correction (what the model proposed, what the clerk chose): the
data analysts retrain on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kiennghi.errors import KienNghiError
from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context, UnitFactory
from kiennghi.service.errors import ConflictError, FieldError, ServiceError
from kiennghi.service.petitions.domain import Classifier, PetitionView
from kiennghi.service.petitions.lifecycle import assign, expect
from kiennghi.service.petitions.queries import views
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.search import PetitionQuery, resolve_query
from kiennghi.service.petitions.statuses import ACTIVE_STATUSES
from kiennghi.service.review.repository import QUEUE_ORDERS, CorrectionRepository, QueueRepository
from kiennghi.service.tables import Event, Petition, PetitionClassification

__all__ = [
    "QUEUE_ORDERS",
    "confirm",
    "override",
    "queue",
    "reassign",
    "returned",
    "returned_info",
    "suggestions_of",
]


def returned_info(event: Event) -> dict[str, Any]:
    """Who sent an item back to review, when and why (the body's own words)."""
    return {
        "by": event.detail.get("returned_by") if isinstance(event.detail, dict) else None,
        "at": event.at,
        "reason": event.reason,
    }


def returned(ctx: Context, principal: Principal, limit: int = 10) -> tuple[list[PetitionView], int]:
    """Items a body returned as "không thuộc thẩm quyền", waiting to be routed again."""
    require(principal, "review.read")
    found, total = QueueRepository(ctx.session).returned(limit)
    items = views(ctx, [p for p, _e in found])
    for item, (_p, event) in zip(items, found, strict=True):
        item.returned = returned_info(event)
    return items, total


def queue(
    ctx: Context,
    principal: Principal,
    classifier: Classifier,
    page: int,
    page_size: int,
    query: PetitionQuery | None = None,
    order: str = "uncertainty",
) -> tuple[list[PetitionView], int]:
    """Items waiting for a clerk, with the top suggestions and their words, in one of the orders:

    - ``uncertainty`` (default): the lowest lead-body confidence first, then the smallest margin
      between the first two proposed bodies: confirming or correcting these teaches the model most;
    - ``disagreement``: the smallest margin between the first two bodies first (then confidence);
    - ``oldest``: received first;
    - ``deadline``: the earliest due date first, the due date being the day received plus the
      days the policy gives the proposed sector (``deadline_days``): an item in review has no
      deadline of its own yet (it is set on assignment and cleared when a body sends it back),
      but its answering time is running from the day it was received.

    Ties, in every order, go to the item received first. The margin comes from the candidates
    stored with the item's latest classification.
    """
    require(principal, "review.read")
    if order not in QUEUE_ORDERS:
        raise FieldError(
            "order", f"Không sắp xếp hàng chờ duyệt theo '{order}' được; dùng: {', '.join(QUEUE_ORDERS)}"
        )
    query = replace(query or PetitionQuery(), status=("needs_review",), today=ctx.today)
    query = resolve_query(ctx, query)
    repo = PetitionRepository(ctx.session)
    rows, total = QueueRepository(ctx.session).page(
        query, order, (page - 1) * page_size, page_size, ctx.catalog.policy.deadline_for
    )
    found = views(ctx, rows)
    for item in found:
        history = repo.events(item.petition)
        if history and history[-1].action == "returned":
            item.returned = returned_info(history[-1])
        queued = next((e for e in reversed(history) if e.action == "queued_for_review"), None)
        if queued is not None and item.returned is None:
            item.review_note = queued.reason
        item.suggestions = suggestions_of(ctx, classifier, item.petition)
    return found, total


def suggestions_of(ctx: Context, classifier: Classifier, petition: Petition) -> list[dict[str, Any]]:
    """The latest classification's candidates (body, sector, probability) with the words that
    drove each: what a clerk decides between."""
    proposal = PetitionRepository(ctx.session).latest_classification(petition)
    taxonomy = ctx.catalog.taxonomy
    return [
        {
            **c,
            "sector_label": taxonomy.label_of(c["sector"]),
            "words": classifier.explain(petition.text, c["sector"]),
        }
        for c in (proposal.candidates if proposal else [])
    ]


def confirm(ctx: Context, principal: Principal, code: str) -> Petition:
    """The clerk accepts the model's proposal for an item waiting in review."""
    require(principal, "review.decide")
    repo = PetitionRepository(ctx.session)
    petition = repo.get_petition(code, for_update=True)
    expect(petition, ("needs_review",), "xác nhận")
    proposal = repo.latest_classification(petition)
    if proposal is None:  # pragma: no cover - every stored item has one
        raise ConflictError(f"Kiến nghị {code} chưa được phân loại")
    # The proposal as shown to the clerk: its bodies include the second sector's lead.
    sector, lead = proposal.sector, proposal.lead_department
    coordinating = [ctx.catalog.directory.check_body(c) for c in proposal.coordinating]
    _correction(ctx, principal, petition, "confirm", sector, lead, proposal)
    assign(
        ctx,
        petition,
        principal,
        sector,
        lead,
        coordinating,
        action="confirmed",
        reason="Cán bộ xác nhận đề xuất của mô hình",
    )
    return petition


def override(
    ctx: Context,
    principal: Principal,
    code: str,
    sector: str | None,
    lead: str | None,
    coordinating: Sequence[str] | None,
    reason: str | None,
) -> Petition:
    """The clerk assigns an item in review differently from the model; kept as a correction."""
    require(principal, "review.decide")
    repo = PetitionRepository(ctx.session)
    petition = repo.get_petition(code, for_update=True)
    expect(petition, ("needs_review",), "duyệt")
    if sector is None and lead:
        sector = sector_for_body(ctx, petition, ctx.catalog.names.resolve_body(lead))
    sector, lead, coordinating = _target(ctx, sector, lead, coordinating)
    _correction(ctx, principal, petition, "override", sector, lead, repo.latest_classification(petition))
    assign(
        ctx,
        petition,
        principal,
        sector,
        lead,
        coordinating,
        action="overridden",
        reason=reason or "Cán bộ giao khác đề xuất của mô hình",
    )
    return petition


def reassign(
    ctx: Context,
    principal: Principal,
    code: str,
    sector: str | None,
    lead: str | None,
    coordinating: Sequence[str] | None,
    reason: str,
) -> Petition:
    """Send an open item to other bodies; the new bodies are notified again."""
    require(principal, "petition.assign")
    if not reason or not reason.strip():
        raise FieldError("reason", "Cần ghi lý do giao lại")
    repo = PetitionRepository(ctx.session)
    petition = repo.get_petition(code, for_update=True)
    expect(petition, ("needs_review", *ACTIVE_STATUSES), "giao lại")
    sector, lead, coordinating = _target(ctx, sector or petition.sector, lead, coordinating)
    _correction(ctx, principal, petition, "reassign", sector, lead, repo.latest_classification(petition))
    assign(ctx, petition, principal, sector, lead, coordinating, action="reassigned", reason=reason.strip())
    return petition


def sector_for_body(ctx: Context, petition: Petition, lead: str) -> str | None:
    """The sector of a decision that names only the lead body: the most probable of the model's
    candidates led by that body, else the first sector the directory gives that body today
    (in the taxonomy's order), else None."""
    proposal = PetitionRepository(ctx.session).latest_classification(petition)
    for candidate in proposal.candidates if proposal else []:
        if candidate.get("lead_department") == lead:
            return str(candidate["sector"])
    directory = ctx.catalog.directory
    for code in ctx.catalog.taxonomy.codes:
        if directory.assignment(code, ctx.today).lead == lead:
            return code
    return None


def confirm_many(unit: UnitFactory, principal: Principal, codes: Sequence[str]) -> BulkOutcome:
    """Confirm several items, each in its own transaction: one that another clerk decided in the
    meantime (or that fails) does not undo the others."""
    outcome = BulkOutcome()
    for code in dict.fromkeys(codes):
        try:
            with unit() as ctx:
                confirm(ctx, principal, code)
            outcome.done.append(code)
        except (ServiceError, KienNghiError) as e:
            outcome.failed.append((code, str(e)))
    return outcome


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def _target(
    ctx: Context, sector: str | None, lead: str | None, coordinating: Sequence[str] | None
) -> tuple[str, str, list[str]]:
    """The bodies of a decision (by code, name or abbreviation): those named, else the
    directory's for the sector today."""
    if sector is None:
        raise FieldError("sector", "Cần chọn lĩnh vực (sector) khi giao lại kiến nghị")
    names = ctx.catalog.names
    default = ctx.catalog.directory.assignment(sector, ctx.today)
    lead = names.resolve_body(lead) if lead else default.lead
    if coordinating is None:
        coordinating = list(default.coordinating)
    return sector, lead, [names.resolve_body(c) for c in coordinating]


def _correction(
    ctx: Context,
    principal: Principal,
    petition: Petition,
    kind: str,
    sector: str,
    lead: str,
    proposal: PetitionClassification | None,
) -> None:
    CorrectionRepository(ctx.session).add(
        petition,
        kind=kind,
        text=petition.text,
        model_version=proposal.model_version if proposal else None,
        predicted_sector=proposal.sector if proposal else None,
        predicted_lead=proposal.lead_department if proposal else None,
        sector=sector,
        lead_department=lead,
        actor=principal.identity,
        created_at=ctx.now,
    )
