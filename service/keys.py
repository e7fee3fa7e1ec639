"""Creating API keys (used by the CLI and the admin endpoint)."""

from __future__ import annotations

from datetime import datetime

from kiennghi.catalog import Catalog
from service.errors import FieldError
from service.repository import Repository
from service.security import ROLES, generate_key, hash_key

__all__ = ["create_key"]


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
        key[:8],
        hash_key(key),
        role,
        department,
        now,
    )
    return row.id, key
