"""Response shapes of the review queue."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kiennghi.service.petitions.schemas import PetitionOut

__all__ = ["ReviewItem", "ReviewList"]


class ReviewItem(PetitionOut):
    suggestions: list[dict[str, Any]] = Field(default_factory=list)


class ReviewList(BaseModel):
    items: list[ReviewItem]
    total: int
    page: int
    page_size: int
    order: str = Field(
        description="Thứ tự của hàng chờ đã dùng: uncertainty, disagreement, oldest hoặc deadline"
    )
