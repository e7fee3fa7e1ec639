"""The clerks' corrections: every confirm, override and reassignment, kept to retrain on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiennghi.service.tables import Correction, Petition

__all__ = ["CorrectionRepository"]


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
