"""Who is calling: a bearer key looked up once, then served from a per-process cache.

A key is looked up in the database at most once per ``ttl`` seconds; every request checks the
revocation signal with one ``stat``, so a key revoked by any worker or by the command line is
not served from the cache.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError

from kiennghi.service.auth.permissions import Principal, hash_key
from kiennghi.service.auth.repository import KeyRepository
from kiennghi.service.auth.revocation import RevocationSignal
from kiennghi.service.context import UnitFactory
from kiennghi.service.errors import AuthenticationError

__all__ = ["LAST_USED_RESOLUTION", "Authenticator"]

log = logging.getLogger(__name__)

# A key's "last used" time is refreshed when older than this: one write per key per hour at
# most, never one per request.
LAST_USED_RESOLUTION = timedelta(hours=1)


class Authenticator:
    """The principal of a bearer key, cached for ``ttl`` seconds or until any key is revoked."""

    def __init__(
        self,
        reader: UnitFactory,
        unit: UnitFactory,
        revocations: RevocationSignal,
        clock: Callable[[], datetime],
        ttl: float,
    ) -> None:
        self._reader = reader
        self._unit = unit
        self.revocations = revocations
        self._clock = clock
        self.ttl = ttl
        # key hash → (principal, monotonic expiry, revocation stamp when it was looked up)
        self._keys: dict[str, tuple[Principal, float, object]] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop every cached key (the next request of each key reads the database)."""
        with self._lock:
            self._keys.clear()

    def cached(self, key: str | None) -> Principal | None:
        """The principal of a key looked up recently, else None (no database: one ``stat``)."""
        if not key:
            return None
        found = self._keys.get(hash_key(key))
        if found and found[1] > time.monotonic() and found[2] == self.revocations.stamp():
            return found[0]
        return None

    def authenticate(self, key: str | None, ttl: float | None = None) -> Principal:
        if not key:
            raise AuthenticationError(
                "Thiếu khóa API; gửi tiêu đề 'Authorization: Bearer <khóa>' "
                "(tạo khóa bằng 'kiennghi keys create')"
            )
        digest = hash_key(key)
        # Read before the database: a revocation committed after our lookup changes the stamp
        # afterwards, so the entry cached below is never used past it.
        stamp = self.revocations.stamp()
        found = self._keys.get(digest)
        if found and found[1] > time.monotonic() and found[2] == stamp:
            return found[0]
        with self._reader() as ctx:
            row = KeyRepository(ctx.session).valid_by_hash(digest)
            if row is None:
                raise AuthenticationError("Khóa API không hợp lệ hoặc đã bị thu hồi")
            principal = Principal(row.id, row.name, row.role, row.department)
            last_used = row.last_used_at
        self._record_use(principal.key_id, last_used)
        expiry = time.monotonic() + (self.ttl if ttl is None else ttl)
        with self._lock:
            self._keys[digest] = (principal, expiry, stamp)
        return principal

    def principal_of(self, key_id: int) -> Principal:
        """The principal of the key with this id (a web session's), unless it was revoked.

        Cached like ``authenticate``: a revocation by any worker sharing the home ends the
        sessions of that key on their next request.
        """
        slot = f"id:{key_id}"
        stamp = self.revocations.stamp()
        found = self._keys.get(slot)
        if found and found[1] > time.monotonic() and found[2] == stamp:
            return found[0]
        with self._reader() as ctx:
            row = KeyRepository(ctx.session).by_id(key_id)
            if row is None or row.revoked_at is not None:
                raise AuthenticationError("Khóa dùng để đăng nhập đã bị thu hồi; hãy đăng nhập lại")
            principal = Principal(row.id, row.name, row.role, row.department)
        with self._lock:
            self._keys[slot] = (principal, time.monotonic() + self.ttl, stamp)
        return principal

    def _record_use(self, key_id: int, last_used: datetime | None) -> None:
        now = self._clock()
        if last_used is not None and now - last_used < LAST_USED_RESOLUTION:
            return
        try:
            with self._unit() as ctx:
                KeyRepository(ctx.session).touch(key_id, now)
        except OperationalError as e:
            # Advisory only: a database busy with writes (or locked by another program) must not
            # refuse a valid key; the time is recorded on a later request.
            log.warning("last use of API key %d not recorded (database busy): %s", key_id, e)
