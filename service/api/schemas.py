"""What every request body shares: unknown fields refused, unstorable characters refused."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from kiennghi.service.storable import unstorable_character

__all__ = ["Input"]


class Input(BaseModel):
    """Base of request bodies."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            problem = unstorable_character(text) if isinstance(text, str) else None
            if problem:
                raise ValueError(problem)
        return value
