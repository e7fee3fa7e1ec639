"""Counts and durations for the reports, over the same filters as the petition lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiennghi.service.petitions.repository import conditions
from kiennghi.service.petitions.search import PetitionQuery
from kiennghi.service.tables import Petition, PetitionBody

__all__ = ["ReportRepository"]


class ReportRepository:
    """Report queries within one unit of work (one SQLAlchemy session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def counts_by_body_status(
        self, query: PetitionQuery, visible_to: str | None
    ) -> list[tuple[str, str, str, int]]:
        where = conditions(query, visible_to)
        rows = self.session.execute(
            select(PetitionBody.department, PetitionBody.role, Petition.status, func.count())
            .join(Petition, Petition.id == PetitionBody.petition_id)
            .where(*where)
            .group_by(PetitionBody.department, PetitionBody.role, Petition.status)
        )
        return [(str(d), str(r), str(s), int(n)) for d, r, s, n in rows]

    def counts_by(
        self, column: str, query: PetitionQuery, visible_to: str | None
    ) -> list[tuple[str | None, str, int]]:
        col = {"sector": Petition.sector, "association": Petition.association}[column]
        where = conditions(query, visible_to)
        rows = self.session.execute(
            select(col, Petition.status, func.count()).where(*where).group_by(col, Petition.status)
        )
        return [(k, str(s), int(n)) for k, s, n in rows]

    def answer_durations(
        self, query: PetitionQuery, visible_to: str | None
    ) -> list[tuple[datetime, datetime]]:
        where = conditions(query, visible_to)
        rows = self.session.execute(
            select(Petition.assigned_at, Petition.answered_at).where(
                *where, Petition.answered_at.is_not(None), Petition.assigned_at.is_not(None)
            )
        )
        return [(a, b) for a, b in rows if a is not None and b is not None]
