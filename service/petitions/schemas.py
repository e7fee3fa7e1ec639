"""Request and response shapes of petitions (pydantic), English field names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from kiennghi.service.api.schemas import Input
from kiennghi.service.petitions.domain import NewPetition, PetitionView
from kiennghi.service.petitions.statuses import ACTIVE_STATUSES, STATUS_LABELS

__all__ = [
    "AnswerIn",
    "DecisionIn",
    "PetitionDetail",
    "PetitionIn",
    "PetitionList",
    "PetitionOut",
    "ReasonIn",
    "StatusIn",
    "present",
]


class PetitionIn(Input):
    """A new petition. Only ``text`` is required (1–20,000 characters)."""

    text: str | None = Field(None, description="Nội dung kiến nghị, 1–20.000 ký tự")
    association: str | None = Field(None, description="Mã hội (xem GET /api/v1/catalog)")
    submitter: str | None = Field(None, max_length=300)
    locality: str | None = Field(None, max_length=300)
    received_on: date | None = None
    channel: str | None = Field(None, max_length=64)
    source_document: str | None = Field(None, max_length=500)
    item_number: str | None = Field(None, max_length=64)

    def to_domain(self) -> NewPetition:
        return NewPetition(**self.model_dump())


class DecisionIn(Input):
    """A clerk's assignment: a sector; bodies default to the directory's for that sector."""

    sector: str | None = None
    lead_department: str | None = None
    coordinating_departments: list[str] | None = None
    reason: str | None = Field(None, max_length=2000)


class ReasonIn(Input):
    reason: str = Field(..., max_length=2000)


class StatusIn(Input):
    status: Literal["acknowledged", "in_progress"]
    note: str | None = Field(None, max_length=2000)


class AnswerIn(Input):
    answer_text: str


class ReturnedInfo(BaseModel):
    by: str | None = Field(None, description="Mã cơ quan đã trả lại")
    at: datetime
    reason: str | None = Field(None, description="Lý do cơ quan ghi khi trả lại")


class PetitionOut(BaseModel):
    id: str
    status: str
    status_label: str
    needs_review: bool
    text: str
    association: str | None
    submitter: str | None
    locality: str | None
    received_on: date
    channel: str | None
    source_document: str | None
    item_number: str | None
    sector: str | None
    lead_department: str | None
    coordinating_departments: list[str]
    acknowledged_by: list[str]
    confidence: float | None
    model_version: str | None
    assigned_at: datetime | None
    deadline: date | None
    overdue: bool
    answer_text: str | None
    answered_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    created_by: str
    suggestion: dict[str, Any] | None = Field(
        default=None,
        description="Đề xuất của mô hình khi vừa tiếp nhận (cả khi kiến nghị chờ duyệt): cơ quan, "
        "lĩnh vực, xác suất, lý do cần duyệt (review_reason: low_confidence | close_second | "
        "addressee_disagrees) và câu giải thích cho cán bộ.",
    )
    review_note: str | None = Field(
        default=None,
        description="Trong hàng chờ duyệt: vì sao kiến nghị cần cán bộ duyệt (câu giải thích).",
    )
    returned: ReturnedInfo | None = Field(
        default=None,
        description="Khi kiến nghị về lại hàng chờ vì cơ quan trả lại (không thuộc thẩm quyền): "
        "cơ quan nào, lúc nào, lý do.",
    )


class PetitionDetail(PetitionOut):
    classification: dict[str, Any] | None = None
    history: list[dict[str, Any]] = []


class PetitionList(BaseModel):
    items: list[PetitionOut]
    total: int
    page: int
    page_size: int


def present(view: PetitionView, today: date) -> dict[str, Any]:
    p = view.petition
    overdue = p.status in ACTIVE_STATUSES and p.deadline is not None and p.deadline < today
    data: dict[str, Any] = {
        "id": p.code,
        "status": p.status,
        "status_label": STATUS_LABELS[p.status],
        "needs_review": p.status == "needs_review",
        "text": p.text,
        "association": p.association,
        "submitter": p.submitter,
        "locality": p.locality,
        "received_on": p.received_on,
        "channel": p.channel,
        "source_document": p.source_document,
        "item_number": p.item_number,
        "sector": p.sector,
        "lead_department": view.lead_department,
        "coordinating_departments": view.coordinating_departments,
        "acknowledged_by": view.acknowledged_by,
        "confidence": p.confidence,
        "model_version": p.model_version,
        "assigned_at": p.assigned_at,
        "deadline": p.deadline,
        "overdue": overdue,
        "answer_text": p.answer_text,
        "answered_at": p.answered_at,
        "closed_at": p.closed_at,
        "created_at": p.created_at,
        "created_by": p.created_by,
    }
    if view.classification is not None:
        data["classification"] = view.classification
    if view.history is not None:
        data["history"] = view.history
    if view.suggestions is not None:
        data["suggestions"] = view.suggestions
    if view.suggestion is not None:
        data["suggestion"] = view.suggestion
    if view.returned is not None:
        data["returned"] = view.returned
    if view.review_note is not None:
        data["review_note"] = view.review_note
    return data
