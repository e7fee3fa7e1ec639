"""Reads and writes of petitions: numbering, rows, bodies, history, classifications, uploads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from kiennghi.service.errors import FieldError, NotFoundError
from kiennghi.service.petitions.search import PetitionQuery
from kiennghi.service.petitions.statuses import ACTIVE_STATUSES
from kiennghi.service.tables import (
    Event,
    Petition,
    PetitionBody,
    PetitionClassification,
    Upload,
)
from kiennghi.service.tables import (
    Sequence as SequenceRow,
)

__all__ = ["SORT_FIELDS", "PetitionRepository", "conditions", "visible_condition"]

SORT_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "received_on": Petition.received_on,
    "created_at": Petition.created_at,
    "deadline": Petition.deadline,
    "id": Petition.id,
    "confidence": Petition.confidence,
    "status": Petition.status,
}


def _table(model: type[Any]) -> Table:
    """The Core table of a mapped class (for statements without ORM bookkeeping)."""
    return cast(Table, model.__table__)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def visible_condition(department: str | None) -> ColumnElement[bool] | None:
    """Items where ``department`` is lead or coordinating (None: every item)."""
    if department is None:
        return None
    body = aliased(PetitionBody)
    return exists(
        select(body.petition_id)
        .where(body.petition_id == Petition.id, body.department == department)
        .correlate(Petition)
    )


def conditions(query: PetitionQuery, visible_to: str | None) -> list[Any]:
    """The WHERE clauses of a list, an export or a report, as ``visible_to`` may see them."""
    where: list[Any] = []
    visible = visible_condition(visible_to)
    if visible is not None:
        where.append(visible)
    if query.status:
        where.append(Petition.status.in_(query.status))
    if query.sector:
        where.append(Petition.sector == query.sector)
    if query.association:
        where.append(Petition.association == query.association)
    if query.department or query.role:
        alias = aliased(PetitionBody)
        body = [alias.petition_id == Petition.id]
        if query.department:
            body.append(alias.department == query.department)
        if query.role:
            body.append(alias.role == query.role)
        if visible_to and query.role:
            body.append(alias.department == visible_to)
        where.append(exists(select(alias.petition_id).where(and_(*body)).correlate(Petition)))
    if query.received_from:
        where.append(Petition.received_on >= query.received_from)
    if query.received_to:
        where.append(Petition.received_on <= query.received_to)
    if query.overdue is not None:
        today = query.today or date.today()
        late = and_(Petition.status.in_(ACTIVE_STATUSES), Petition.deadline < today)
        where.append(late if query.overdue else or_(~late, Petition.deadline.is_(None)))
    for term in query.search:
        where.append(Petition.search_text.like(f"%{_like_escape(term)}%", escape="\\"))
    return where


class PetitionRepository:
    """Petition statements within one unit of work (one SQLAlchemy session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- petitions: writes ----------------------------------------------------------------
    def next_numbers(self, year: int, count: int = 1) -> range:
        """The next ``count`` numbers of the year (the row lock serialises concurrent writers)."""
        table = _table(SequenceRow)
        bump = (
            update(table)
            .where(table.c.year == year)
            .values(last=table.c.last + bindparam("count", type_=Integer))
            .returning(table.c.last)
        )
        # Core statements on the session's connection: no ORM bookkeeping on the hot path.
        connection = self.session.connection()
        last = connection.execute(bump, {"count": count}).scalar()
        if last is None:
            try:
                # The savepoint is taken by the session's own connection() call inside the block
                # (a statement on a connection fetched before it runs outside the savepoint, and
                # on PostgreSQL its failure then aborts the whole transaction).
                with self.session.begin_nested():
                    self.session.connection().execute(insert(table).values(year=year, last=0))
            except IntegrityError:
                pass  # another worker created the year's row first
            last = connection.execute(bump, {"count": count}).scalar() or 0
        return range(int(last) - count + 1, int(last) + 1)

    def add_petitions(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert new items (one statement); their ids in the order given."""
        if not rows:
            return []
        table = _table(Petition)
        # Values go as parameters, not into the statement, so its compiled form is cached.
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(self.session.connection().execute(stmt, list(rows)).scalars())

    def add_classifications(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.connection().execute(insert(_table(PetitionClassification)), list(rows))

    def add_body_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.connection().execute(insert(_table(PetitionBody)), list(rows))

    def add_event_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append history rows of any items (never updated or deleted)."""
        if rows:
            self.session.connection().execute(insert(_table(Event)), list(rows))

    def set_bodies(
        self, petition: Petition, lead: str, coordinating: Sequence[str], replace: bool = True
    ) -> None:
        if replace:
            self.clear_bodies(petition)
        rows = [{"petition_id": petition.id, "department": lead, "role": "lead"}]
        rows += [
            {"petition_id": petition.id, "department": c, "role": "coordinating"}
            for c in dict.fromkeys(coordinating)
            if c != lead
        ]
        self.session.connection().execute(insert(_table(PetitionBody)), rows)

    def clear_bodies(self, petition: Petition) -> None:
        table = _table(PetitionBody)
        self.session.connection().execute(delete(table).where(table.c.petition_id == petition.id))

    def acknowledge_body(self, petition: Petition, department: str, now: datetime) -> None:
        self.session.execute(
            update(PetitionBody)
            .where(PetitionBody.petition_id == petition.id, PetitionBody.department == department)
            .values(acknowledged_at=now)
            .execution_options(synchronize_session=False)
        )

    def add_event(self, petition: Petition, **fields: Any) -> None:
        fields.setdefault("detail", {})
        fields.setdefault("reason", None)
        self.add_events(petition, [fields])

    def add_events(self, petition: Petition, rows: Sequence[dict[str, Any]]) -> None:
        """Append history rows (never updated or deleted)."""
        self.add_event_rows([{"petition_id": petition.id, **row} for row in rows])

    def flush(self) -> None:
        self.session.flush()

    # -- petitions: reads -----------------------------------------------------------------
    def get_petition(self, code: str, visible_to: str | None = None, for_update: bool = False) -> Petition:
        """The item, if the caller may see it; otherwise NotFoundError (never 'forbidden')."""
        stmt = select(Petition).where(Petition.code == code)
        visible = visible_condition(visible_to)
        if visible is not None:
            stmt = stmt.where(visible)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalar(stmt)
        if row is None:
            raise NotFoundError(f"Không tìm thấy kiến nghị '{code}'")
        return row

    def bodies(self, petition_ids: Sequence[int]) -> dict[int, list[PetitionBody]]:
        found: dict[int, list[PetitionBody]] = {i: [] for i in petition_ids}
        if not petition_ids:
            return found
        rows = self.session.scalars(
            select(PetitionBody)
            .where(PetitionBody.petition_id.in_(petition_ids))
            .order_by(PetitionBody.petition_id, PetitionBody.role.desc(), PetitionBody.department)
        )
        for row in rows:
            found[row.petition_id].append(row)
        return found

    def events(self, petition: Petition) -> list[Event]:
        return list(
            self.session.scalars(select(Event).where(Event.petition_id == petition.id).order_by(Event.id))
        )

    def latest_classification(self, petition: Petition) -> PetitionClassification | None:
        return self.session.scalar(
            select(PetitionClassification)
            .where(PetitionClassification.petition_id == petition.id)
            .order_by(PetitionClassification.id.desc())
            .limit(1)
        )

    def existing_dedupe_keys(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        rows = self.session.execute(
            select(Petition.dedupe_key, Petition.code).where(Petition.dedupe_key.in_(keys))
        )
        return {str(k): str(c) for k, c in rows}

    def list_petitions(
        self,
        query: PetitionQuery,
        visible_to: str | None,
        offset: int,
        limit: int,
        sort: str = "-id",
    ) -> tuple[list[Petition], int]:
        where = conditions(query, visible_to)
        name = sort.lstrip("-")
        if name not in SORT_FIELDS:
            raise FieldError(
                "sort",
                f"Không sắp xếp được theo '{name}'; dùng: {', '.join(SORT_FIELDS)} (thêm '-' để giảm dần)",
            )
        column = SORT_FIELDS[name]
        order = [column.desc() if sort.startswith("-") else column.asc(), Petition.id.desc()]
        total = self.session.scalar(select(func.count()).select_from(Petition).where(*where))
        rows = self.session.scalars(
            select(Petition).where(*where).order_by(*order).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    def iter_petitions(
        self, query: PetitionQuery, visible_to: str | None, batch: int = 500
    ) -> Iterator[Petition]:
        where = conditions(query, visible_to)
        last = 0
        while True:
            rows = list(
                self.session.scalars(
                    select(Petition).where(*where, Petition.id > last).order_by(Petition.id).limit(batch)
                )
            )
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id

    # -- uploads ---------------------------------------------------------------------------
    def add_upload(self, **fields: Any) -> Upload:
        row = Upload(**fields)
        self.session.add(row)
        self.session.flush()
        return row
