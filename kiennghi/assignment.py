"""From a sector probability distribution to an assignment: lead, coordinating, review flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from kiennghi.catalog import Catalog
from kiennghi.catalog.policy import ReviewReason

__all__ = ["Candidate", "Classification", "assign", "body_distribution"]


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
    review_reason: ReviewReason | None = None

    def as_record(self, with_probabilities: bool = False) -> dict:
        # Built by hand: dataclasses.asdict deep-copies every field, a third of a batch's time.
        record = {
            "sector": self.sector,
            "sector_label": self.sector_label,
            "confidence": self.confidence,
            "lead_department": self.lead_department,
            "coordinating_departments": list(self.coordinating_departments),
            "candidates": [
                {"sector": c.sector, "lead_department": c.lead_department, "probability": c.probability}
                for c in self.candidates
            ],
            "needs_review": self.needs_review,
            "review_reason": None if self.review_reason is None else self.review_reason.code,
            "model_version": self.model_version,
        }
        if with_probabilities:
            record["probabilities"] = dict(self.probabilities)
        return record


def body_distribution(
    probabilities: np.ndarray, classes: list[str], catalog: Catalog, on: date | None = None
) -> list[tuple[str, str, float]]:
    """(lead body, its most probable sector, total probability of its sectors), most probable first.

    Several sectors share a lead body (Sở Nông nghiệp và Môi trường leads seven), so the chance
    that a body is the right lead is the sum over its sectors.
    """
    leads = catalog.directory.leads(classes, on)
    values = probabilities.tolist()
    totals: dict[str, float] = {}
    best: dict[str, str] = {}
    for i in sorted(range(len(values)), key=values.__getitem__, reverse=True):
        lead = leads[i]
        totals[lead] = totals.get(lead, 0.0) + values[i]
        best.setdefault(lead, classes[i])
    return sorted(((b, best[b], p) for b, p in totals.items()), key=lambda x: -x[2])


def assign(
    probabilities: np.ndarray,
    classes: list[str],
    catalog: Catalog,
    model_version: str,
    on: date | None = None,
    top_k: int = 3,
    addressee: str | None = None,
) -> Classification:
    """Apply the dated directory and the policy to one row of sector probabilities.

    The lead is the body with the highest total probability over its sectors, and the sector
    shown is that body's most probable one; the confidence is the body's probability (the chance
    the lead is right, which is what decides review). Coordinating bodies come from the directory
    row of that sector, then the second body when it is probable enough (a petition about funding
    for a school is finance first, education second). Candidates are the top bodies, distinct.
    The policy's gate decides whether a clerk must look (``review_reason``); ``addressee`` is
    the body the text explicitly addresses, if any.
    """
    ranked = body_distribution(probabilities, classes, catalog, on)
    lead, top, confidence = ranked[0]
    main = catalog.directory.assignment(top, on)
    coordinating = list(main.coordinating)
    if len(ranked) > 1:
        second_lead, _, second_p = ranked[1]
        if second_p >= catalog.policy.second_sector_min_probability and second_lead not in coordinating:
            coordinating.append(second_lead)
    candidates = [Candidate(sector, body, round(p, 4)) for body, sector, p in ranked[:top_k]]
    second, second_p = (ranked[1][0], ranked[1][2]) if len(ranked) > 1 else (None, 0.0)
    reason = catalog.policy.routing_gate.review_reason(
        lead, round(confidence, 4), second, round(second_p, 4), addressee
    )
    return Classification(
        sector=top,
        sector_label=catalog.taxonomy.get(top).label,
        confidence=round(confidence, 4),
        lead_department=lead,
        coordinating_departments=[c for c in coordinating if c != lead],
        candidates=candidates,
        needs_review=reason is not None,
        model_version=model_version,
        probabilities=dict(zip(classes, np.round(probabilities, 4).tolist(), strict=True)),
        review_reason=reason,
    )
