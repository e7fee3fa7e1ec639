"""API key management over HTTP (admin): create, list, revoke."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from kiennghi.service.api.deps import KeyManage, ServicesDep
from kiennghi.service.auth.keys import KeyInfo, create_key, list_keys, revoke_key
from kiennghi.service.auth.schemas import KeyIn, KeyInfoOut, KeyList, KeyOut

router = APIRouter(prefix="/api/v1/keys", tags=["admin"])


def _key_out(info: KeyInfo) -> dict[str, Any]:
    return {**asdict(info), "revoked": info.revoked}


@router.post("", status_code=201, response_model=KeyOut, summary="Tạo khóa API")
def new_key(body: KeyIn, principal: KeyManage, services: ServicesDep) -> Any:
    with services.unit() as ctx:
        key_id, key = create_key(ctx, body.role, body.department, body.name)
    return {"id": key_id, "name": body.name, "role": body.role, "department": body.department, "key": key}


@router.get("", response_model=KeyList, summary="Danh sách khóa API (không hiện khóa)")
def key_list(principal: KeyManage, services: ServicesDep) -> Any:
    with services.reader() as ctx:
        return {"items": [_key_out(k) for k in list_keys(ctx, principal)]}


@router.post(
    "/{key_ref}/revoke",
    response_model=KeyInfoOut,
    summary="Thu hồi khóa API (theo số khóa hoặc tiền tố); mọi tiến trình từ chối khóa ngay",
)
def key_revoke(key_ref: str, principal: KeyManage, services: ServicesDep) -> Any:
    return _key_out(revoke_key(services.unit, services.revocations, principal, key_ref))
