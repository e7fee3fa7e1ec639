"""Request bodies of the model operations."""

from __future__ import annotations

from kiennghi.service.api.schemas import Input

__all__ = ["ActivateIn"]


class ActivateIn(Input):
    force: bool = False
