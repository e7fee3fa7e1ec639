"""Reports for the review meeting: counts by body and status, overdue, medians, exports."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiennghi.io.tabular import open_writer
from kiennghi.service.auth.permissions import Principal, require
from kiennghi.service.context import Context
from kiennghi.service.errors import FieldError
from kiennghi.service.petitions.lifecycle import visible_to
from kiennghi.service.petitions.repository import PetitionRepository
from kiennghi.service.petitions.search import PetitionQuery, resolve_query
from kiennghi.service.petitions.statuses import ACTIVE_STATUSES, STATUS_LABELS, STATUSES
from kiennghi.service.reports.repository import ReportRepository
from kiennghi.service.tables import Petition
from kiennghi.timezone import local_time

__all__ = ["EXPORT_COLUMNS", "EXPORT_FORMATS", "Export", "export_petitions", "summary"]

# (field, Vietnamese header) of an exported list, in column order.
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("code", "Mã kiến nghị"),
    ("received_on", "Ngày nhận"),
    ("created_at", "Thời điểm tiếp nhận"),
    ("association", "Hội / nguồn"),
    ("submitter", "Người kiến nghị"),
    ("locality", "Địa bàn"),
    ("source_document", "Văn bản nguồn"),
    ("item_number", "Số mục"),
    ("text", "Nội dung kiến nghị"),
    ("sector", "Lĩnh vực"),
    ("lead", "Cơ quan chủ trì"),
    ("coordinating", "Cơ quan phối hợp"),
    ("status", "Trạng thái"),
    ("deadline", "Hạn trả lời"),
    ("overdue", "Quá hạn"),
    ("answered_on", "Ngày trả lời"),
    ("answered_at", "Thời điểm trả lời"),
    ("answer_text", "Nội dung trả lời"),
    ("confidence", "Độ tin cậy phân loại"),
]

EXPORT_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def summary(ctx: Context, principal: Principal, query: PetitionQuery) -> dict[str, Any]:
    """Counts by body × status, overdue per body, by sector and association, median days."""
    require(principal, "report.read")
    query = resolve_query(ctx, query)
    repo = ReportRepository(ctx.session)
    catalog, associations = ctx.catalog, ctx.associations
    visible = visible_to(principal)
    query = replace(query, today=ctx.today)
    overdue_query = replace(query, overdue=True)

    bodies: dict[tuple[str, str], dict[str, Any]] = {}
    for department, role, status, n in repo.counts_by_body_status(query, visible):
        entry = bodies.setdefault(
            (department, role),
            {
                "department": department,
                "department_name": catalog.directory.bodies[department].name
                if department in catalog.directory.bodies
                else department,
                "role": role,
                "statuses": dict.fromkeys(STATUSES, 0),
                "total": 0,
                "overdue": 0,
            },
        )
        entry["statuses"][status] += n
        entry["total"] += n
    for department, role, _status, n in repo.counts_by_body_status(overdue_query, visible):
        if (department, role) in bodies:
            bodies[(department, role)]["overdue"] += n

    def grouped(column: str, label: Any) -> list[dict[str, Any]]:
        table: dict[str | None, dict[str, Any]] = {}
        late = {k: n for k, _s, n in repo.counts_by(column, overdue_query, visible)}
        for key, status, n in repo.counts_by(column, query, visible):
            entry = table.setdefault(
                key,
                {
                    column: key,
                    "label": label(key),
                    "statuses": dict.fromkeys(STATUSES, 0),
                    "total": 0,
                    "overdue": late.get(key, 0),
                },
            )
            entry["statuses"][status] += n
            entry["total"] += n
        return sorted(table.values(), key=lambda e: -e["total"])

    durations = [
        (_aware(answered) - _aware(assigned)).total_seconds() / 86400
        for assigned, answered in repo.answer_durations(query, visible)
    ]
    by_status = dict.fromkeys(STATUSES, 0)
    for row in grouped("sector", catalog.taxonomy.label_of):
        for status, n in row["statuses"].items():
            by_status[status] += n
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "status_labels": STATUS_LABELS,
        "overdue": sum(n for _k, _s, n in repo.counts_by("sector", overdue_query, visible)),
        "by_body": sorted(bodies.values(), key=lambda e: (e["department"], e["role"])),
        "by_sector": grouped("sector", catalog.taxonomy.label_of),
        "by_association": grouped("association", associations.name),
        "answered": len(durations),
        "median_days_to_answer": round(statistics.median(durations), 2) if durations else None,
    }


@dataclass
class Export:
    path: Path
    media_type: str
    filename: str


def _records(ctx: Context, rows: Iterator[Petition]) -> Iterator[dict[str, Any]]:
    """Export rows. Instants (stored in UTC) are shown on the province's clock."""
    repo = PetitionRepository(ctx.session)
    catalog, associations, today, zone = ctx.catalog, ctx.associations, ctx.today, ctx.zone
    chunk: list[Petition] = []

    def day(instant: datetime | None) -> str:
        return local_time(instant, zone).strftime("%d/%m/%Y") if instant else ""

    def moment(instant: datetime | None) -> str:
        return local_time(instant, zone).strftime("%d/%m/%Y %H:%M") if instant else ""

    def flush() -> Iterator[dict[str, Any]]:
        bodies = repo.bodies([p.id for p in chunk])
        for p in chunk:
            mine = bodies[p.id]
            names = {
                b.department: catalog.directory.bodies[b.department].name
                if b.department in catalog.directory.bodies
                else b.department
                for b in mine
            }
            lead = [names[b.department] for b in mine if b.role == "lead"]
            late = p.status in ACTIVE_STATUSES and p.deadline is not None and p.deadline < today
            yield {
                "code": p.code,
                "received_on": p.received_on.strftime("%d/%m/%Y"),
                "created_at": moment(p.created_at),
                "association": associations.name(p.association) if p.association else "",
                "submitter": p.submitter or "",
                "locality": p.locality or "",
                "source_document": p.source_document or "",
                "item_number": p.item_number or "",
                "text": p.text,
                "sector": catalog.taxonomy.label_of(p.sector),
                "lead": lead[0] if lead else "",
                "coordinating": "; ".join(names[b.department] for b in mine if b.role == "coordinating"),
                "status": STATUS_LABELS[p.status],
                "deadline": p.deadline.strftime("%d/%m/%Y") if p.deadline else "",
                "overdue": "Có" if late else "",
                "answered_on": day(p.answered_at),
                "answered_at": moment(p.answered_at),
                "answer_text": p.answer_text or "",
                "confidence": round(p.confidence, 3) if p.confidence is not None else "",
            }

    for petition in rows:
        chunk.append(petition)
        if len(chunk) >= 500:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def export_petitions(
    ctx: Context, principal: Principal, query: PetitionQuery, fmt: str, directory: Path | None = None
) -> Export:
    """Write the filtered list to a temporary XLSX or CSV file with Vietnamese headers.

    The province's day (``ctx.today``) decides overdue and the file name; times are shown on the
    province's clock (``ctx.zone``, KIENNGHI_TIMEZONE).
    """
    require(principal, "report.read")
    if fmt not in EXPORT_FORMATS:
        raise FieldError("format", f"Định dạng '{fmt}' không hỗ trợ; dùng: xlsx, csv")
    query = resolve_query(ctx, query)
    today = ctx.today
    query = replace(query, today=today)
    folder = Path(tempfile.mkdtemp(prefix="kiennghi-export-", dir=directory))
    filename = f"kien-nghi-{today:%Y%m%d}.{fmt}"
    path = folder / filename
    headers = [h for _f, h in EXPORT_COLUMNS]
    writer = open_writer(path, headers)
    try:
        rows = PetitionRepository(ctx.session).iter_petitions(query, visible_to(principal))
        for record in _records(ctx, rows):
            writer.write({h: record[f] for f, h in EXPORT_COLUMNS})
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return Export(path, EXPORT_FORMATS[fmt], filename)
