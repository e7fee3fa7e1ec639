"""Reading petitions as their callers may see them: one item with its history, pages of a list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context
from kiennghi.service.errors import FieldError
from kiennghi.service.petitions.domain import PetitionView
from kiennghi.service.petitions.lifecycle import visible_to
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.search import PetitionQuery, resolve_query
from kiennghi.service.tables import Petition

__all__ = ["MAX_PAGE_SIZE", "detail", "history", "listing", "view", "views"]

MAX_PAGE_SIZE = 500


def views(ctx: Context, rows: Sequence[Petition]) -> list[PetitionView]:
    """The items with their bodies (one query for all of them)."""
    bodies = PetitionRepository(ctx.session).bodies([p.id for p in rows])
    out = []
    for p in rows:
        mine = bodies[p.id]
        out.append(
            PetitionView(
                petition=p,
                lead_department=next((b.department for b in mine if b.role == "lead"), None),
                coordinating_departments=[b.department for b in mine if b.role == "coordinating"],
                acknowledged_by=[b.department for b in mine if b.acknowledged_at is not None],
            )
        )
    return out


def history(ctx: Context, petition: Petition) -> list[dict[str, Any]]:
    """Every move of the item, oldest first."""
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "reason": e.reason,
            "detail": e.detail,
        }
        for e in PetitionRepository(ctx.session).events(petition)
    ]


def detail(ctx: Context, petition: Petition) -> PetitionView:
    """An item just changed, with its history: shown to whoever changed it (a department that
    returned an item no longer sees it, yet gets the outcome of its own action)."""
    found = views(ctx, [petition])[0]
    found.history = history(ctx, petition)
    return found


def view(ctx: Context, principal: Principal, code: str, with_history: bool = True) -> PetitionView:
    """One item with its latest classification (and history), if the caller may see it."""
    require(principal, "petition.read")
    repo = PetitionRepository(ctx.session)
    petition = repo.get_petition(code, visible_to(principal))
    found = views(ctx, [petition])[0]
    classification = repo.latest_classification(petition)
    if classification is not None:
        found.classification = {
            "model_version": classification.model_version,
            "sector": classification.sector,
            "lead_department": classification.lead_department,
            "coordinating_departments": classification.coordinating,
            "confidence": classification.confidence,
            "needs_review": classification.needs_review,
            "candidates": classification.candidates,
            "probabilities": classification.probabilities,
        }
    if with_history:
        found.history = history(ctx, petition)
    return found


def listing(
    ctx: Context, principal: Principal, query: PetitionQuery, page: int, page_size: int, sort: str
) -> tuple[list[PetitionView], int]:
    """A page of the items the caller may see, filtered and sorted; and how many there are."""
    require(principal, "petition.read")
    if page < 1:
        raise FieldError("page", "Số trang bắt đầu từ 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise FieldError("page_size", f"Số dòng mỗi trang từ 1 đến {MAX_PAGE_SIZE}")
    query = resolve_query(ctx, query)
    rows, total = PetitionRepository(ctx.session).list_petitions(
        replace(query, today=ctx.today), visible_to(principal), (page - 1) * page_size, page_size, sort
    )
    return views(ctx, rows), total
