"""From a sector probability distribution to an assignment: lead, coordinating, review flag."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np

from kiennghi.catalog import Catalog

__all__ = ["Candidate", "Classification", "assign"]


@dataclass(frozen=True)
class Candidate:
    sector: str
    lead_department: str
    probability: float


@dataclass(frozen=True)
class Classification:
    """What kiennghi proposes for one petition."""

    sector: str
    sector_label: str
    confidence: float
    lead_department: str
    coordinating_departments: list[str]
    candidates: list[Candidate]
    needs_review: bool
    model_version: str
    probabilities: dict[str, float] = field(default_factory=dict)

    def as_record(self, with_probabilities: bool = False) -> dict:
        record = asdict(self)
        if not with_probabilities:
            record.pop("probabilities")
        return record


def assign(
    probabilities: np.ndarray,
    classes: list[str],
    catalog: Catalog,
    model_version: str,
    on: date | None = None,
    top_k: int = 3,
) -> Classification:
    """Apply the dated directory and the policy to one row of sector probabilities.

    The lead body comes from the top sector; coordinating bodies from the directory row of that
    sector, then the lead of the second sector when it is probable enough (a petition about
    funding for a school is finance first, education second).
    """
    order = np.argsort(-probabilities)
    top = classes[order[0]]
    confidence = float(probabilities[order[0]])
    main = catalog.directory.assignment(top, on)
    coordinating = list(main.coordinating)
    if len(order) > 1:
        second = classes[order[1]]
        if float(probabilities[order[1]]) >= catalog.policy.second_sector_min_probability:
            second_lead = catalog.directory.assignment(second, on).lead
            if second_lead != main.lead and second_lead not in coordinating:
                coordinating.append(second_lead)
    candidates = [
        Candidate(
            classes[i],
            catalog.directory.assignment(classes[i], on).lead,
            round(float(probabilities[i]), 4),
        )
        for i in order[:top_k]
    ]
    return Classification(
        sector=top,
        sector_label=catalog.taxonomy.get(top).label,
        confidence=round(confidence, 4),
        lead_department=main.lead,
        coordinating_departments=coordinating,
        candidates=candidates,
        needs_review=confidence < catalog.policy.review_threshold,
        model_version=model_version,
        probabilities={c: round(float(p), 4) for c, p in zip(classes, probabilities, strict=True)},
    )
