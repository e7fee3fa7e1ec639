"""What happens to a stored petition: assignment to bodies, the departments' moves (acknowledge,
in progress, answer, return as "không thuộc thẩm quyền") and closing.

Each public function is one step of a unit of work: it takes the Context of the caller's
transaction, checks the caller may act, moves the item and appends its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context
from kiennghi.service.errors import ConflictError, FieldError, PermissionDeniedError
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.statuses import ACTIVE_STATUSES, STATUS_LABELS, TRANSITIONS
from kiennghi.service.tables import Petition

__all__ = [
    "acknowledge",
    "answer",
    "assign",
    "change_status",
    "close",
    "deadline_for",
    "distinct_coordinating",
    "expect",
    "return_item",
    "visible_to",
]

ANSWER_MAX_CHARS = 100_000


def deadline_for(ctx: Context, sector: str) -> date:
    """The day an answer is due when an item of ``sector`` is assigned today."""
    return ctx.today + timedelta(days=ctx.catalog.policy.deadline_for(sector))


def distinct_coordinating(lead: str, coordinating: Sequence[str]) -> list[str]:
    """Coordinating bodies once each, in order, without the lead."""
    return [c for c in dict.fromkeys(coordinating) if c != lead]


def visible_to(principal: Principal) -> str | None:
    """The body whose items alone a caller sees (a department key), or None (every item)."""
    return principal.department if principal.role == "department" else None


def expect(petition: Petition, allowed: Sequence[str], what: str) -> None:
    """ConflictError unless the item is in one of the ``allowed`` states."""
    if petition.status not in allowed:
        labels = ", ".join(STATUS_LABELS[s] for s in allowed)
        raise ConflictError(
            f"Không thể {what} kiến nghị {petition.code} đang ở trạng thái "
            f"'{STATUS_LABELS[petition.status]}'; chỉ được khi: {labels}"
        )


def move(
    ctx: Context,
    petition: Petition,
    principal: Principal,
    to_status: str,
    action: str,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Change the item's status and append the move to its history."""
    PetitionRepository(ctx.session).add_event(
        petition,
        at=ctx.now,
        actor=principal.identity,
        action=action,
        from_status=petition.status,
        to_status=to_status,
        reason=reason,
        detail=detail or {},
    )
    petition.status = to_status
    petition.updated_at = ctx.now


def assign(
    ctx: Context,
    petition: Petition,
    principal: Principal,
    sector: str,
    lead: str,
    coordinating: Sequence[str],
    action: str,
    reason: str | None,
) -> None:
    """Give the item to its bodies with a new deadline; the bodies are (re)notified."""
    coordinating = distinct_coordinating(lead, coordinating)
    deadline = deadline_for(ctx, sector)
    PetitionRepository(ctx.session).set_bodies(
        petition, lead, coordinating, replace=petition.status != "received"
    )
    petition.sector = sector
    petition.lead_department = lead
    petition.assigned_at = ctx.now
    petition.deadline = deadline
    # The bodies listed in "notified" see the item as new in their inbox.
    move(
        ctx,
        petition,
        principal,
        "assigned",
        action,
        reason=reason,
        detail={
            "sector": sector,
            "lead_department": lead,
            "coordinating_departments": coordinating,
            "deadline": deadline.isoformat(),
            "notified": [lead, *coordinating],
        },
    )


def _role_of(ctx: Context, principal: Principal, petition: Petition) -> str | None:
    if principal.department is None:
        return None
    for body in PetitionRepository(ctx.session).bodies([petition.id])[petition.id]:
        if body.department == principal.department:
            return body.role
    return None


def _require_lead(ctx: Context, principal: Principal, petition: Petition, what: str) -> None:
    if principal.role == "department" and _role_of(ctx, principal, petition) != "lead":
        raise PermissionDeniedError(
            f"Chỉ cơ quan chủ trì ({petition.lead_department}) mới được {what} kiến nghị {petition.code}"
        )


def _own(ctx: Context, principal: Principal, code: str) -> Petition:
    """The item locked for update, if the caller may see it (others' items are 'not found')."""
    return PetitionRepository(ctx.session).get_petition(code, visible_to(principal), for_update=True)


def acknowledge(ctx: Context, principal: Principal, code: str) -> Petition:
    """A body confirms it has received the item (the lead moves it to 'Cơ quan đã nhận')."""
    require(principal, "petition.respond")
    petition = _own(ctx, principal, code)
    expect(petition, ACTIVE_STATUSES, "xác nhận đã nhận")
    role = _role_of(ctx, principal, petition)
    repo = PetitionRepository(ctx.session)
    if role is not None:
        repo.acknowledge_body(petition, str(principal.department), ctx.now)
    if role == "coordinating":
        repo.add_event(
            petition,
            at=ctx.now,
            actor=principal.identity,
            action="acknowledged",
            from_status=petition.status,
            to_status=petition.status,
            detail={"role": "coordinating"},
        )
        petition.updated_at = ctx.now
    elif petition.status == "assigned":
        move(ctx, petition, principal, "acknowledged", "acknowledged")
    return petition


def change_status(
    ctx: Context, principal: Principal, code: str, status: str, note: str | None = None
) -> Petition:
    """The departments' named moves: acknowledged, in_progress."""
    if status not in ("acknowledged", "in_progress"):
        raise FieldError(
            "status",
            f"Trạng thái '{status}' không chuyển trực tiếp được; "
            "dùng: acknowledged, in_progress (trả lời: /answer, "
            "trả lại: /return, kết thúc: /close)",
        )
    if status == "acknowledged":
        return acknowledge(ctx, principal, code)
    require(principal, "petition.respond")
    petition = _own(ctx, principal, code)
    _require_lead(ctx, principal, petition, "cập nhật trạng thái")
    expect(petition, TRANSITIONS[status], "chuyển sang 'Đang xử lý'")
    move(ctx, petition, principal, status, "status_changed", reason=note)
    return petition


def answer(ctx: Context, principal: Principal, code: str, text: str) -> Petition:
    """The lead body answers the item."""
    require(principal, "petition.respond")
    if not isinstance(text, str) or not text.strip():
        raise FieldError("answer_text", "Nội dung trả lời rỗng")
    if len(text) > ANSWER_MAX_CHARS:
        raise FieldError("answer_text", "Nội dung trả lời vượt 100.000 ký tự")
    petition = _own(ctx, principal, code)
    _require_lead(ctx, principal, petition, "trả lời")
    expect(petition, TRANSITIONS["answered"], "trả lời")
    petition.answer_text = text.strip()
    petition.answered_at = ctx.now
    move(ctx, petition, principal, "answered", "answered", detail={"answer_chars": len(text.strip())})
    return petition


def close(ctx: Context, principal: Principal, code: str, note: str | None = None) -> Petition:
    """The secretariat closes an answered item."""
    require(principal, "petition.close")
    petition = PetitionRepository(ctx.session).get_petition(code, for_update=True)
    expect(petition, TRANSITIONS["closed"], "kết thúc")
    petition.closed_at = ctx.now
    move(ctx, petition, principal, "closed", "closed", reason=note)
    return petition


def return_item(ctx: Context, principal: Principal, code: str, reason: str) -> Petition:
    """The lead body returns an item as "không thuộc thẩm quyền": it goes back to review."""
    require(principal, "petition.respond")
    if not isinstance(reason, str) or not reason.strip():
        raise FieldError("reason", "Cần ghi lý do trả lại (không thuộc thẩm quyền vì sao)")
    petition = _own(ctx, principal, code)
    _require_lead(ctx, principal, petition, "trả lại")
    expect(petition, ACTIVE_STATUSES, "trả lại")
    previous = petition.lead_department
    PetitionRepository(ctx.session).clear_bodies(petition)
    petition.lead_department = None
    petition.deadline = None
    petition.assigned_at = None
    move(
        ctx,
        petition,
        principal,
        "needs_review",
        "returned",
        reason=f"Không thuộc thẩm quyền: {reason.strip()}",
        detail={"returned_by": principal.department or previous},
    )
    return petition
