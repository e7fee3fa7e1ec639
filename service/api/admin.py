"""Reference data (sectors, bodies, associations) and API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.deps import Caller, ServicesDep
from service.keys import create_key
from service.lifecycle import STATUS_LABELS
from service.schemas import KeyIn, KeyOut

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/catalog", summary="Danh mục: lĩnh vực, cơ quan, hội, trạng thái")
def catalog(principal: Caller("catalog.read"), services: ServicesDep) -> Any:
    cat = services.catalog
    today = services.clock().date()
    return {
        "sectors": [
            {
                "code": s.code,
                "label": s.label,
                "lead_department": cat.directory.assignment(s.code, today).lead,
                "deadline_days": cat.policy.deadline_for(s.code),
            }
            for s in cat.taxonomy.sectors
        ],
        "bodies": [{"code": b.code, "name": b.name} for b in cat.directory.bodies.values()],
        "associations": [{"code": a.code, "name": a.name} for a in services.associations.items],
        "statuses": STATUS_LABELS,
        "review_threshold": cat.policy.review_threshold,
    }


@router.post("/keys", status_code=201, response_model=KeyOut, summary="Tạo khóa API")
def new_key(body: KeyIn, principal: Caller("key.manage"), services: ServicesDep) -> Any:
    with services.unit() as repo:
        key_id, key = create_key(
            repo, services.catalog, body.role, body.department, body.name, services.clock()
        )
    return {"id": key_id, "name": body.name, "role": body.role, "department": body.department, "key": key}
