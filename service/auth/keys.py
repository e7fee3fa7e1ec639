"""API keys: create, list and revoke them (the revocation announced to every worker)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from kiennghi.errors import UnknownCodeError
from kiennghi.service.auth.permissions import KEY_PREFIX, ROLES, Principal, generate_key, hash_key, require
from kiennghi.service.auth.repository import KeyRepository
from kiennghi.service.auth.revocation import RevocationSignal
from kiennghi.service.context import Context, UnitFactory
from kiennghi.service.errors import ConflictError, FieldError, NotFoundError
from kiennghi.service.tables import ApiKey

__all__ = [
    "PREFIX_LENGTH",
    "KeyInfo",
    "create_key",
    "find_key",
    "list_keys",
    "revoke_key",
]

log = logging.getLogger(__name__)

# Characters of a key stored in clear (and shown by `kiennghi keys list`) to recognise it.
PREFIX_LENGTH = 8


def create_key(ctx: Context, role: str, department: str | None, name: str) -> tuple[int, str]:
    """Store a new key (hashed) and return (id, key). A department key names exactly one body."""
    if role not in ROLES:
        raise UnknownCodeError("vai trò", role, list(ROLES))
    if role == "department":
        if not department:
            raise FieldError("department", "Khóa của cơ quan cần mã cơ quan (--department)")
        ctx.catalog.directory.check_body(department)
    elif department:
        raise FieldError(
            "department", f"Chỉ khóa vai trò 'department' mới gắn với cơ quan, không phải vai trò '{role}'"
        )
    key = generate_key()
    row = KeyRepository(ctx.session).add(
        name or f"{role}{':' + department if department else ''}",
        key[:PREFIX_LENGTH],
        hash_key(key),
        role,
        department,
        ctx.now,
    )
    log.info("API key %d created (role %s)", row.id, role)
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


def list_keys(ctx: Context, principal: Principal) -> list[KeyInfo]:
    """Every key, revoked ones included, oldest first."""
    require(principal, "key.manage")
    return [KeyInfo.of(row) for row in KeyRepository(ctx.session).all()]


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


def _revoke_in(ctx: Context, principal: Principal, ref: str) -> KeyInfo:
    require(principal, "key.manage")
    store = KeyRepository(ctx.session)
    row = find_key(store, ref)
    if row.revoked_at is not None or not store.revoke(row.id, principal.identity, ctx.now):
        store.session.refresh(row)
        raise ConflictError(f"Khóa số {row.id} ({row.name}) đã bị thu hồi trước đó bởi {row.revoked_by}")
    store.session.refresh(row)
    return KeyInfo.of(row)


def revoke_key(
    unit: UnitFactory,
    signal: RevocationSignal,
    principal: Principal,
    ref: str,
) -> KeyInfo:
    """Revoke a key in its own transaction, recording who and when; once committed, tell every
    worker (``signal``), so none serves the key from its cache any more."""
    with unit() as ctx:
        info = _revoke_in(ctx, principal, ref)
        now = ctx.now
    signal.announce(info.id, now)
    log.info("API key %d revoked by %s", info.id, principal.identity)
    return info
