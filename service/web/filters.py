"""The filter form of the lists (petitions, inbox, review queue, reports): query string → query.

A browser sends every field of the form, empty ones as ``""``: an empty field is no filter, and
a date that does not parse is a clear error naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from kiennghi.service.errors import FieldError
from kiennghi.service.petitions.search import PetitionQuery, search_terms

__all__ = ["FilterForm", "read_filters"]

_FIELDS = ("sector", "association", "department", "role", "received_from", "received_to", "overdue", "q")
_LABELS = {"received_from": "Từ ngày", "received_to": "Đến ngày"}


@dataclass(frozen=True)
class FilterForm:
    """The query to run and the form's values as typed (to show them again, to link pages)."""

    query: PetitionQuery
    values: dict[str, Any]

    def link(self, **changes: Any) -> str:
        """The query string of this filter with some values changed (pages, sort)."""
        merged = {**self.values, **changes}
        pairs: list[tuple[str, str]] = []
        for key, value in merged.items():
            if isinstance(value, list | tuple):
                pairs.extend((key, str(v)) for v in value)
            elif value not in (None, "", False):
                pairs.append((key, str(value)))
        return "?" + urlencode(pairs)


def _date(params: QueryParams, name: str) -> date | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    for parse in (date.fromisoformat, lambda v: date(int(v[6:10]), int(v[3:5]), int(v[0:2]))):
        try:
            return parse(value)
        except ValueError:
            continue
    raise FieldError(name, f"{_LABELS[name]} '{value}' không phải ngày (dd/mm/yyyy)")


def read_filters(params: QueryParams, statuses: tuple[str, ...] | None = None) -> FilterForm:
    """The filters of a list page; ``statuses`` fixes the statuses (the review queue)."""
    chosen = tuple(s for v in params.getlist("status") for s in v.split(",") if s.strip())
    overdue = params.get("overdue", "").lower() in ("1", "true", "on")
    q = params.get("q", "").strip()[:500]
    query = PetitionQuery(
        status=statuses if statuses is not None else chosen,
        sector=params.get("sector") or None,
        association=params.get("association") or None,
        department=params.get("department") or None,
        role=params.get("role") or None,
        received_from=_date(params, "received_from"),
        received_to=_date(params, "received_to"),
        overdue=True if overdue else None,
        search=search_terms(q),
    )
    values: dict[str, Any] = {name: params.get(name, "") for name in _FIELDS}
    values["overdue"] = overdue
    values["q"] = q
    values["status"] = list(chosen)
    return FilterForm(query, values)
