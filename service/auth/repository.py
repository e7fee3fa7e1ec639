"""Every read and write of API keys: create, look up for authentication, list, revoke, last use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiennghi.service.tables import ApiKey

__all__ = ["KeyRepository"]


class KeyRepository:
    """Key statements within one unit of work (one SQLAlchemy session)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, name: str, prefix: str, key_hash: str, role: str, department: str | None, now: datetime
    ) -> ApiKey:
        row = ApiKey(
            name=name, prefix=prefix, key_hash=key_hash, role=role, department=department, created_at=now
        )
        self.session.add(row)
        self.session.flush()
        return row

    def valid_by_hash(self, key_hash: str) -> ApiKey | None:
        """The key with this hash unless it was revoked (authentication)."""
        return self.session.scalar(
            select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        )

    def all(self) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).order_by(ApiKey.id)))

    def by_id(self, key_id: int) -> ApiKey | None:
        return self.session.get(ApiKey, key_id)

    def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key with this hash, revoked or not."""
        return self.session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))

    def by_prefix(self, prefix: str) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix).order_by(ApiKey.id)))

    def revoke(self, key_id: int, by: str, now: datetime) -> bool:
        """Mark the key revoked; False when it already was (another revocation got there first)."""
        result = self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def touch(self, key_id: int, now: datetime) -> None:
        self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
