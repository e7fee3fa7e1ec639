"""The states of a petition and the moves between them (pure data, shared by every layer)."""

from __future__ import annotations

__all__ = [
    "ACTIVE_STATUSES",
    "STATUSES",
    "STATUS_LABELS",
    "TRANSITIONS",
]

# received → needs_review → assigned → acknowledged → in_progress → answered → closed
STATUSES = (
    "received",
    "needs_review",
    "assigned",
    "acknowledged",
    "in_progress",
    "answered",
    "closed",
)

STATUS_LABELS = {
    "received": "Đã tiếp nhận",
    "needs_review": "Chờ duyệt",
    "assigned": "Đã giao",
    "acknowledged": "Cơ quan đã nhận",
    "in_progress": "Đang xử lý",
    "answered": "Đã trả lời",
    "closed": "Đã kết thúc",
}

# Items a body still owes an answer for: these can be overdue.
ACTIVE_STATUSES = ("assigned", "acknowledged", "in_progress")

# Moves a caller may request by name; assignment, return and reassignment have their own actions.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "acknowledged": ("assigned",),
    "in_progress": ("assigned", "acknowledged"),
    "answered": ("assigned", "acknowledged", "in_progress"),
    "closed": ("answered",),
}
