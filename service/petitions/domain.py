"""The petition's plain data: a new item, a stored item as shown, and what the classifier gives."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from kiennghi.assignment import Classification
from kiennghi.nlp.normalize import normalize_text
from kiennghi.service.auth.permissions import Principal
from kiennghi.service.tables import Petition

__all__ = ["Classifier", "NewPetition", "PetitionView", "Submission", "dedupe_key"]


class Classifier(Protocol):
    """What the service needs from a classifier (the real PetitionClassifier or a fake)."""

    @property
    def version(self) -> str: ...

    def classify(self, texts: Sequence[str], on: date | None = None) -> list[Classification]: ...

    def explain(self, text: str, sector: str, top: int = 8) -> list[str]: ...


@dataclass(frozen=True)
class NewPetition:
    text: str
    association: str | None = None
    submitter: str | None = None
    locality: str | None = None
    received_on: date | None = None
    channel: str | None = None
    source_document: str | None = None
    item_number: str | None = None


def dedupe_key(item: NewPetition) -> str:
    """Identity of an uploaded row: the same row in the same file twice gives the same key."""
    parts = [
        item.association,
        item.source_document,
        item.item_number,
        " ".join(normalize_text(item.text).split()),
    ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass
class PetitionView:
    """An item as the API shows it (plain data)."""

    petition: Petition
    lead_department: str | None
    coordinating_departments: list[str]
    acknowledged_by: list[str] = field(default_factory=list)
    classification: dict[str, Any] | None = None
    history: list[dict[str, Any]] | None = None
    suggestions: list[dict[str, Any]] | None = None
    suggestion: dict[str, Any] | None = None
    returned: dict[str, Any] | None = None
    review_note: str | None = None


@dataclass(frozen=True)
class Submission:
    """One validated, classified item to store, and who submitted it."""

    principal: Principal
    item: NewPetition
    result: Classification
    dedupe: str | None = None
