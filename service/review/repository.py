"""The review domain's statements: the queue in its orders, and the clerks' corrections (every
confirm, override and reassignment, kept to retrain on)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from kiennghi.service.petitions.repository import conditions
from kiennghi.service.petitions.search import PetitionQuery
from kiennghi.service.tables import Correction, Event, Petition, PetitionClassification

__all__ = ["QUEUE_ORDERS", "CorrectionRepository", "QueueRepository"]

# The orders of the review queue (service.review.queue says what each means).
QUEUE_ORDERS: tuple[str, ...] = ("uncertainty", "disagreement", "oldest", "deadline")


def _margin() -> ColumnElement[float]:
    """Probability of the first proposed body minus the second's, from the latest classification's
    stored candidates (distinct bodies, most probable first); a lone candidate has margin p."""
    candidates = PetitionClassification.candidates
    first = candidates[(0, "probability")].as_float()
    second = func.coalesce(candidates[(1, "probability")].as_float(), 0.0)
    return first - second


class QueueRepository:
    """The review queue: items matching a query, one page in one of :data:`QUEUE_ORDERS`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(
        self,
        query: PetitionQuery,
        order: str,
        offset: int,
        limit: int,
        deadline_days: Callable[[str], int] | None = None,
    ) -> tuple[list[Petition], int]:
        """One page and the total. ``deadline_days`` (sector → days to answer) is needed by the
        ``deadline`` order only."""
        where = conditions(query, None)
        if order == "deadline":
            if deadline_days is None:
                raise ValueError("the deadline order needs deadline_days")
            return self._by_due_date(where, deadline_days, offset, limit)
        latest = (
            select(PetitionClassification.petition_id, func.max(PetitionClassification.id).label("id"))
            .group_by(PetitionClassification.petition_id)
            .subquery()
        )
        margin = _margin()
        received = [Petition.received_on.asc(), Petition.id.asc()]
        keys: dict[str, list[Any]] = {
            "uncertainty": [Petition.confidence.asc().nulls_last(), margin.asc().nulls_last(), *received],
            "disagreement": [margin.asc().nulls_last(), Petition.confidence.asc().nulls_last(), *received],
            "oldest": received,
        }
        stmt = (
            select(Petition)
            .outerjoin(latest, latest.c.petition_id == Petition.id)
            .outerjoin(PetitionClassification, PetitionClassification.id == latest.c.id)
            .where(*where)
            .order_by(*keys[order])
            .offset(offset)
            .limit(limit)
        )
        total = self.session.scalar(select(func.count()).select_from(Petition).where(*where))
        return list(self.session.scalars(stmt)), int(total or 0)

    def _by_due_date(
        self, where: list[Any], deadline_days: Callable[[str], int], offset: int, limit: int
    ) -> tuple[list[Petition], int]:
        # received_on + days of the sector: date arithmetic differs between SQLite and PostgreSQL,
        # so the (small) queue's keys are sorted here and only the page's rows are loaded.
        keys = [
            (received + timedelta(days=deadline_days(sector or "")), received, pid)
            for pid, received, sector in self.session.execute(
                select(Petition.id, Petition.received_on, Petition.sector).where(*where)
            )
        ]
        ids = [pid for _due, _received, pid in sorted(keys)[offset : offset + limit]]
        rows = (
            {p.id: p for p in self.session.scalars(select(Petition).where(Petition.id.in_(ids)))}
            if ids
            else {}
        )
        return [rows[i] for i in ids], len(keys)

    def returned(self, limit: int) -> tuple[list[tuple[Petition, Event]], int]:
        """Items back in review because their body returned them ("không thuộc thẩm quyền"), with
        that return, most recent first, and how many there are."""
        other = aliased(Event)
        latest = (
            select(func.max(other.id)).where(other.petition_id == Petition.id).correlate(Petition)
        ).scalar_subquery()
        where = [Petition.status == "needs_review", Event.action == "returned"]
        joined = select(Petition, Event).join(Event, Event.id == latest).where(*where)
        rows = self.session.execute(joined.order_by(Event.id.desc()).limit(limit)).all()
        total = self.session.scalar(
            select(func.count()).select_from(Petition).join(Event, Event.id == latest).where(*where)
        )
        return [(p, e) for p, e in rows], int(total or 0)


class CorrectionRepository:
    """Correction statements within one unit of work (one SQLAlchemy session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, petition: Petition, **fields: Any) -> None:
        self.session.add(Correction(petition_id=petition.id, **fields))

    def all(self) -> list[tuple[Correction, str]]:
        rows = self.session.execute(
            select(Correction, Petition.code)
            .join(Petition, Petition.id == Correction.petition_id)
            .order_by(Correction.id)
        )
        return [(c, str(code)) for c, code in rows]
