"""API keys, roles and what each role may do; no web framework here."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from kiennghi.service.errors import PermissionDeniedError

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "Principal",
    "generate_key",
    "hash_key",
    "require",
]

ROLES = ("admin", "secretariat", "analyst", "department")

# action → roles allowed. A department key is further limited to items where its body is lead or
# coordinating (enforced by the repository's visibility filter: others' items are "not found").
PERMISSIONS: dict[str, frozenset[str]] = {
    "petition.create": frozenset({"admin", "secretariat"}),
    "petition.read": frozenset(ROLES),
    "petition.respond": frozenset({"admin", "department"}),
    "petition.assign": frozenset({"admin", "secretariat"}),
    "petition.close": frozenset({"admin", "secretariat"}),
    "review.read": frozenset({"admin", "secretariat", "analyst"}),
    "review.decide": frozenset({"admin", "secretariat"}),
    "report.read": frozenset(ROLES),
    "catalog.read": frozenset(ROLES),
    "model.read": frozenset({"admin", "secretariat", "analyst"}),
    "model.train": frozenset({"admin", "analyst"}),
    "model.activate": frozenset({"admin"}),
    "key.manage": frozenset({"admin"}),
}

_ROLE_LABELS = {
    "admin": "quản trị",
    "secretariat": "thư ký tổng hợp",
    "analyst": "phân tích",
    "department": "cơ quan",
}

KEY_PREFIX = "kn_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the identity recorded on every write."""

    key_id: int
    name: str
    role: str
    department: str | None = None

    @property
    def identity(self) -> str:
        scope = f":{self.department}" if self.department else ""
        return f"{self.name} [{self.role}{scope}] #{self.key_id}"

    def can(self, action: str) -> bool:
        return self.role in PERMISSIONS[action]


def require(principal: Principal, action: str) -> None:
    """Raise PermissionDeniedError unless the principal's role may do ``action``."""
    if not principal.can(action):
        allowed = ", ".join(_ROLE_LABELS[r] for r in ROLES if r in PERMISSIONS[action])
        raise PermissionDeniedError(
            f"Vai trò '{_ROLE_LABELS[principal.role]}' không được phép thực hiện thao tác này; "
            f"cần vai trò: {allowed}"
        )


def generate_key() -> str:
    """A new random API key (shown once; only its hash is stored)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is safe here (no dictionary to attack).
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
