"""Reference data over HTTP: sectors with today's lead body, bodies, associations, statuses."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from kiennghi.catalog import Catalog
from kiennghi.catalog.associations import Associations
from kiennghi.service.api.deps import CatalogRead, ServicesDep
from kiennghi.service.petitions.statuses import STATUS_LABELS

router = APIRouter(prefix="/api/v1", tags=["admin"])


def describe(catalog: Catalog, associations: Associations, today: date) -> dict[str, Any]:
    """The catalog as clients pick codes from it (the directory in force ``today``)."""
    return {
        "sectors": [
            {
                "code": s.code,
                "label": s.label,
                "lead_department": catalog.directory.assignment(s.code, today).lead,
                "deadline_days": catalog.policy.deadline_for(s.code),
            }
            for s in catalog.taxonomy.sectors
        ],
        "bodies": [{"code": b.code, "name": b.name} for b in catalog.directory.bodies.values()],
        "associations": [{"code": a.code, "name": a.name} for a in associations.items],
        "statuses": STATUS_LABELS,
        "review_threshold": catalog.policy.review_threshold,
    }


@router.get("/catalog", summary="Danh mục: lĩnh vực, cơ quan, hội, trạng thái")
def catalog(principal: CatalogRead, services: ServicesDep) -> Any:
    return describe(services.catalog, services.associations, services.today())
