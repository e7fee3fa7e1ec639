"""API keys: create, list and revoke them, and the signal that tells every worker of a revocation."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiennghi.catalog import Catalog
from kiennghi.service.errors import ConflictError, FieldError, NotFoundError
from kiennghi.service.key_repository import KeyRepository
from kiennghi.service.repository import Repository
from kiennghi.service.security import KEY_PREFIX, ROLES, Principal, generate_key, hash_key, require
from kiennghi.service.tables import ApiKey

__all__ = [
    "PREFIX_LENGTH",
    "KeyInfo",
    "RevocationSignal",
    "create_key",
    "find_key",
    "list_keys",
    "revoke_key",
]

# Characters of a key stored in clear (and shown by `kiennghi keys list`) to recognise it.
PREFIX_LENGTH = 8


def create_key(
    repo: Repository,
    catalog: Catalog,
    role: str,
    department: str | None,
    name: str,
    now: datetime,
) -> tuple[int, str]:
    """Store a new key (hashed) and return (id, key). A department key names exactly one body."""
    if role not in ROLES:
        from kiennghi.errors import UnknownCodeError

        raise UnknownCodeError("vai trò", role, list(ROLES))
    if role == "department":
        if not department:
            raise FieldError("department", "Khóa của cơ quan cần mã cơ quan (--department)")
        catalog.directory.check_body(department)
    elif department:
        raise FieldError(
            "department", f"Chỉ khóa vai trò 'department' mới gắn với cơ quan, không phải vai trò '{role}'"
        )
    key = generate_key()
    row = repo.add_key(
        name or f"{role}{':' + department if department else ''}",
        key[:PREFIX_LENGTH],
        hash_key(key),
        role,
        department,
        now,
    )
    return row.id, key


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a key: never the key nor its hash."""

    id: int
    prefix: str
    name: str
    role: str
    department: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        return cls(
            id=row.id,
            prefix=row.prefix,
            name=row.name,
            role=row.role,
            department=row.department,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            revoked_by=row.revoked_by,
        )


def list_keys(store: KeyRepository, principal: Principal) -> list[KeyInfo]:
    """Every key, revoked ones included, oldest first."""
    require(principal, "key.manage")
    return [KeyInfo.of(row) for row in store.all()]


def find_key(store: KeyRepository, ref: str) -> ApiKey:
    """The key named by its number, its prefix (as listed) or the whole key."""
    ref = ref.strip()
    if ref.isdigit():
        row = store.by_id(int(ref))
        if row is None:
            raise NotFoundError(f"Không có khóa số {ref}; xem danh sách bằng 'kiennghi keys list'")
        return row
    if not ref.startswith(KEY_PREFIX) or len(ref) < PREFIX_LENGTH:
        raise FieldError(
            "key",
            f"'{ref}' không phải số khóa hay tiền tố khóa; dùng số khóa (ví dụ 3) hoặc tiền tố "
            f"{PREFIX_LENGTH} ký tự bắt đầu bằng '{KEY_PREFIX}' như trong 'kiennghi keys list'",
        )
    if len(ref) > PREFIX_LENGTH:
        whole = store.by_hash(hash_key(ref))
        if whole is not None:
            return whole
    found = store.by_prefix(ref[:PREFIX_LENGTH])
    if not found:
        raise NotFoundError(f"Không có khóa nào có tiền tố '{ref[:PREFIX_LENGTH]}'")
    if len(found) > 1:
        numbers = ", ".join(str(r.id) for r in found)
        raise ConflictError(
            f"Tiền tố '{ref[:PREFIX_LENGTH]}' trùng với nhiều khóa (số {numbers}); hãy chỉ định theo số khóa"
        )
    return found[0]


def revoke_key(store: KeyRepository, principal: Principal, ref: str, now: datetime) -> KeyInfo:
    """Revoke a key, recording who and when. After the commit, call ``RevocationSignal.announce``."""
    require(principal, "key.manage")
    row = find_key(store, ref)
    if row.revoked_at is not None or not store.revoke(row.id, principal.identity, now):
        store.session.refresh(row)
        raise ConflictError(f"Khóa số {row.id} ({row.name}) đã bị thu hồi trước đó bởi {row.revoked_by}")
    store.session.refresh(row)
    return KeyInfo.of(row)


class RevocationSignal:
    """A file in the data directory, rewritten after every revocation.

    Each worker keeps the keys it has checked in memory for a while; it checks this file with one
    ``stat`` per request and forgets every cached key when the file changed, so a revoked key is
    refused at once by every worker that shares the data directory (KIENNGHI_HOME). Workers that do
    not (another host) still re-check each key in the database when their cache entry expires.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_home(cls, home: Path) -> RevocationSignal:
        return cls(home / "keys-revoked")

    def stamp(self) -> tuple[int, int, int] | None:
        """Changes whenever ``announce`` ran; None before the first revocation."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def announce(self, key_id: int, now: datetime) -> None:
        """Rewrite the file (a new inode each time, so even two revocations in the same clock tick
        change the stamp)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keys-revoked-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(f"{now.isoformat()} {key_id}\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
