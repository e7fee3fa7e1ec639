"""One unit of work: the database session and what every domain function reads besides it.

A domain function (petitions, review, reports, modelops, auth) takes a Context, builds the
repository of its own domain on ``ctx.session`` and returns plain data or table rows. The caller
(``Services.unit`` / ``Services.reader``) commits when the block ends and rolls back on any
exception, so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kiennghi.catalog import Catalog
from kiennghi.catalog.associations import Associations
from kiennghi.timezone import local_date

__all__ = ["Context", "UnitFactory"]


@dataclass
class Context:
    """``now`` is the clock of this request (a UTC instant); ``zone`` is the province's time zone,
    whose calendar day is ``today``: the default received date, the start of deadlines, the day
    items become overdue and the year of new ids."""

    session: Session
    catalog: Catalog
    associations: Associations
    now: datetime
    zone: ZoneInfo
    today: date = field(init=False)

    def __post_init__(self) -> None:
        self.today = local_date(self.now, self.zone)


# Opens one unit of work: ``with unit() as ctx:`` (Services.unit / Services.reader, the CLI's).
UnitFactory = Callable[[], AbstractContextManager[Context]]
