"""Reference data (sectors, bodies, associations) and API keys."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from kiennghi.service.api.deps import Caller, ServicesDep
from kiennghi.service.key_repository import KeyRepository
from kiennghi.service.keys import KeyInfo, create_key, list_keys, revoke_key
from kiennghi.service.lifecycle import STATUS_LABELS
from kiennghi.service.schemas import KeyIn, KeyInfoOut, KeyList, KeyOut

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.get("/catalog", summary="Danh mục: lĩnh vực, cơ quan, hội, trạng thái")
def catalog(principal: Caller("catalog.read"), services: ServicesDep) -> Any:
    cat = services.catalog
    today = services.today()
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


def _key_out(info: KeyInfo) -> dict[str, Any]:
    return {**asdict(info), "revoked": info.revoked}


@router.get("/keys", response_model=KeyList, summary="Danh sách khóa API (không hiện khóa)")
def key_list(principal: Caller("key.manage"), services: ServicesDep) -> Any:
    with services.reader() as repo:
        return {"items": [_key_out(k) for k in list_keys(KeyRepository(repo.session), principal)]}


@router.post(
    "/keys/{key_ref}/revoke",
    response_model=KeyInfoOut,
    summary="Thu hồi khóa API (theo số khóa hoặc tiền tố); mọi tiến trình từ chối khóa ngay",
)
def key_revoke(key_ref: str, principal: Caller("key.manage"), services: ServicesDep) -> Any:
    now = services.clock()
    with services.unit() as repo:
        info = revoke_key(KeyRepository(repo.session), principal, key_ref, now)
    services.revocations.announce(info.id, now)
    return _key_out(info)
