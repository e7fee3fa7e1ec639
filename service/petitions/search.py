"""Filters and accent-insensitive search over petitions (lists, exports, reports, the queue)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from kiennghi.errors import UnknownCodeError
from kiennghi.nlp.normalize import normalize_text, strip_diacritics
from kiennghi.service.context import Context
from kiennghi.service.petitions.statuses import STATUSES

__all__ = ["PetitionQuery", "resolve_query", "search_terms", "search_text"]


def search_text(value: str) -> str:
    """Accent-free lower case: what full-text search matches against."""
    return strip_diacritics(normalize_text(value)).lower()


def search_terms(query: str | None) -> tuple[str, ...]:
    return tuple(search_text(query).split()) if query else ()


@dataclass(frozen=True)
class PetitionQuery:
    """Filters of a list, an export or a report. ``search`` is already accent-free lower case;
    ``today`` is the province's day the overdue filter is computed on."""

    status: tuple[str, ...] = ()
    sector: str | None = None
    association: str | None = None
    department: str | None = None
    role: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    overdue: bool | None = None
    search: tuple[str, ...] = ()
    today: date | None = None


def resolve_query(ctx: Context, query: PetitionQuery) -> PetitionQuery:
    """The query with bodies and associations by code (a filter may name them); refuse a filter
    naming an unknown status, sector, body, association or role."""
    for status in query.status:
        if status not in STATUSES:
            raise UnknownCodeError("trạng thái", status, list(STATUSES))
    if query.sector:
        ctx.catalog.taxonomy.get(query.sector)
    if query.role and query.role not in ("lead", "coordinating"):
        raise UnknownCodeError("vai trò", query.role, ["lead", "coordinating"])
    names = ctx.catalog.names
    return replace(
        query,
        department=names.resolve_body(query.department) if query.department else query.department,
        association=names.resolve_association(query.association) if query.association else query.association,
    )
