"""The page routers, one per domain of the UI (mounted in this order)."""

from __future__ import annotations

from kiennghi.service.web.pages import account, department, home, models, petitions, reports, review, upload

__all__ = ["PAGE_ROUTERS"]

PAGE_ROUTERS = [
    account.router,
    home.router,
    review.router,
    petitions.router,
    upload.router,
    department.router,
    reports.router,
    models.router,
]
