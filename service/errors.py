"""Service-level domain exceptions (messages in Vietnamese); the API maps each to one status."""

from __future__ import annotations

from kiennghi.errors import KienNghiError

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "FieldError",
    "ModelNotReadyError",
    "ModelOperationError",
    "NotFoundError",
    "PermissionDeniedError",
    "ServiceError",
]


class ServiceError(KienNghiError):
    """Base of the errors raised by the service layer."""


class AuthenticationError(ServiceError):
    """Missing, malformed or unknown API key."""


class PermissionDeniedError(ServiceError):
    """The key is valid but its role may not do this."""


class NotFoundError(ServiceError):
    """No such item, or the item is not visible to this key (other departments' items)."""


class ConflictError(ServiceError):
    """The action does not fit the item's current state (e.g. answering a closed item)."""


class FieldError(ServiceError):
    """A request field has an invalid value; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class ModelNotReadyError(ServiceError):
    """The model is still loading (the first seconds after start) or failed to load."""


class ModelOperationError(ServiceError):
    """A model operation is refused (e.g. activating a worse candidate without force)."""
