"""Request and response shapes of API key management."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kiennghi.service.api.schemas import Input

__all__ = ["KeyIn", "KeyInfoOut", "KeyList", "KeyOut"]


class KeyIn(Input):
    role: Literal["admin", "secretariat", "analyst", "department"]
    department: str | None = None
    name: str = Field("", max_length=200)


class KeyOut(BaseModel):
    id: int
    name: str
    role: str
    department: str | None
    key: str = Field(..., description="Khóa API; chỉ hiện một lần")


class KeyInfoOut(BaseModel):
    """A key as listed: its prefix, never the key."""

    id: int
    prefix: str = Field(..., description="Các ký tự đầu của khóa, để nhận ra khóa")
    name: str
    role: str
    department: str | None
    created_at: datetime
    last_used_at: datetime | None = Field(None, description="Lần dùng gần nhất (chính xác đến 1 giờ)")
    revoked: bool
    revoked_at: datetime | None
    revoked_by: str | None


class KeyList(BaseModel):
    items: list[KeyInfoOut]
