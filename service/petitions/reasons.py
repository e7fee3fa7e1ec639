"""Why an item was routed on its own or waits for a clerk, in words a clerk reads."""

from __future__ import annotations

from kiennghi.assignment import Classification
from kiennghi.catalog import Catalog
from kiennghi.catalog.policy import ReviewReason

__all__ = ["percent", "review_reason_text", "routed_reason_text"]


def percent(p: float) -> str:
    """A probability as a clerk reads it: "62%", and "gần như chắc chắn" is never shown as 100%."""
    value = p * 100
    if 99 <= value < 100:
        return f"{value:.1f}%".replace(".", ",")
    return f"{min(value, 99.9 if p < 1 else 100):.0f}%"


def _name(catalog: Catalog, code: str | None) -> str:
    if code is None:
        return "–"
    try:
        return catalog.directory.body(code).name
    except KeyError:
        return code


def review_reason_text(reason: ReviewReason, catalog: Catalog) -> str:
    lead = _name(catalog, reason.lead)
    if reason.code == "addressee_disagrees":
        return (
            f"Kiến nghị gửi đích danh {_name(catalog, reason.addressee)}, còn mô hình gợi ý {lead} "
            f"({percent(reason.confidence)}); cần cán bộ chọn cơ quan chủ trì."
        )
    if reason.code == "close_second":
        return (
            f"Hai cơ quan sát nhau: {lead} {percent(reason.confidence)} và "
            f"{_name(catalog, reason.second)} {percent(reason.second_probability or 0.0)}; "
            "cần cán bộ chọn cơ quan chủ trì."
        )
    if reason.threshold >= 1.0:
        return (
            f"Mô hình gợi ý {lead} ({percent(reason.confidence)}), nhưng kiến nghị của cơ quan này "
            "chưa được tự động giao: luôn cần cán bộ duyệt."
        )
    return (
        f"Mô hình chưa đủ chắc chắn: gợi ý {lead} với xác suất {percent(reason.confidence)}, "
        f"còn để tự động giao cho cơ quan này cần từ {percent(reason.threshold)}."
    )


def routed_reason_text(result: Classification, catalog: Catalog) -> str:
    return (
        f"Tự động giao theo mô hình {result.model_version}: {_name(catalog, result.lead_department)} "
        f"với xác suất {percent(result.confidence)}, đạt mức tự động giao của cơ quan này."
    )
