"""Reports for the review meeting: tiles, SVG charts and tables by body × status, sector and
association, over the same filters as the lists, with the filtered list as XLSX/CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from markupsafe import Markup
from starlette.responses import Response

from kiennghi.service.petitions.statuses import STATUS_LABELS, STATUSES
from kiennghi.service.reports.service import summary
from kiennghi.service.web.charts import Bar, Segment, StackedBar, bar_chart, stacked_bar_chart
from kiennghi.service.web.deps import PREFIX, Web, WebAuthorizer
from kiennghi.service.web.filters import read_filters

router = APIRouter(prefix=PREFIX)

# The colour of each status in the charts (a legend names them).
STATUS_COLOURS = {
    "received": "#8c959f",
    "needs_review": "#d4a72c",
    "assigned": "#9cc3f0",
    "acknowledged": "#5a9be0",
    "in_progress": "#0b5cad",
    "answered": "#2da44e",
    "closed": "#116329",
}

NO_SECTOR = "Chưa xác định lĩnh vực"
NO_ASSOCIATION = "Không rõ hội / nguồn"


def days_text(days: float | None) -> str:
    """A number of days as the page writes it: "3,5 ngày"; none as a dash."""
    if days is None:
        return "–"
    return f"{days:.1f}".replace(".", ",") + " ngày"


def status_series() -> list[tuple[str, str, str]]:
    return [(s, STATUS_LABELS[s], STATUS_COLOURS[s]) for s in STATUSES]


def body_chart(report: dict[str, Any]) -> Markup:
    """Items by lead body, split by status (the bodies with most items first)."""
    leads = sorted(
        (b for b in report["by_body"] if b["role"] == "lead"), key=lambda b: (-b["total"], b["department"])
    )
    rows = [StackedBar(b["department_name"], [Segment(s, b["statuses"][s]) for s in STATUSES]) for b in leads]
    return stacked_bar_chart(
        rows, status_series(), "Số kiến nghị theo cơ quan chủ trì và trạng thái", "Không có kiến nghị nào"
    )


def _tooltip(label: str, row: dict[str, Any]) -> str:
    late = f", quá hạn {row['overdue']}" if row["overdue"] else ""
    return f"{label}: {row['total']} kiến nghị{late}"


def sector_chart(report: dict[str, Any]) -> Markup:
    rows = [
        Bar(r["label"] or NO_SECTOR, r["total"], _tooltip(r["label"] or NO_SECTOR, r))
        for r in report["by_sector"]
    ]
    return bar_chart(rows, "Số kiến nghị theo lĩnh vực", empty="Không có kiến nghị nào")


def association_chart(report: dict[str, Any]) -> Markup:
    rows = [
        Bar(r["label"] or NO_ASSOCIATION, r["total"], _tooltip(r["label"] or NO_ASSOCIATION, r))
        for r in report["by_association"]
    ]
    return bar_chart(rows, "Số kiến nghị theo hội / nguồn", colour="#9b1c1c", empty="Không có kiến nghị nào")


@router.get("/reports")
def reports(web: Annotated[Web, Depends(WebAuthorizer("report.read"))]) -> Response:
    form = read_filters(web.request.query_params)
    with web.services.reader() as ctx:
        report = summary(ctx, web.principal, form.query)
    return web.page(
        "reports.html",
        report=report,
        form=form,
        action=f"{PREFIX}/reports",
        statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
        median=days_text(report["median_days_to_answer"]),
        charts={
            "body": body_chart(report),
            "sector": sector_chart(report),
            "association": association_chart(report),
        },
        no_sector=NO_SECTOR,
        no_association=NO_ASSOCIATION,
    )
