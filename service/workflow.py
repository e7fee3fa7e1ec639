"""Business rules of the petition workflow: intake, assignment, review, lifecycle, returns.

Plain functions over a Repository; no web framework. Each public function is one unit of work:
the caller commits after it returns and rolls back on any exception, so nothing is half-written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kiennghi.assignment import Classification
from kiennghi.catalog import Catalog
from kiennghi.catalog.associations import Associations
from kiennghi.models.serving import TextError, check_text
from kiennghi.nlp.normalize import normalize_text, strip_diacritics
from kiennghi.service.errors import ConflictError, FieldError, PermissionDeniedError
from kiennghi.service.lifecycle import ACTIVE_STATUSES, STATUS_LABELS, TRANSITIONS
from kiennghi.service.repository import PetitionQuery, Repository
from kiennghi.service.security import Principal, require
from kiennghi.service.tables import Petition
from kiennghi.timezone import local_date

__all__ = [
    "Classifier",
    "NewPetition",
    "PetitionView",
    "Submission",
    "Workflow",
    "dedupe_key",
    "search_terms",
    "search_text",
]


class Classifier(Protocol):
    """What the workflow needs from a classifier (the real PetitionClassifier or a fake)."""

    @property
    def version(self) -> str: ...

    def classify(self, texts: Sequence[str], on: date | None = None) -> list[Classification]: ...

    def explain(self, text: str, sector: str, top: int = 8) -> list[str]: ...


# Neither database can store these: PostgreSQL refuses NUL in text, and a lone surrogate (a
# JSON "\ud800" escape) cannot be encoded as UTF-8 by either driver.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(value: str) -> str | None:
    """A message naming the first character no database can store, or None when all can."""
    found = _UNSTORABLE_RE.search(value)
    if found is None:
        return None
    return (
        f"chứa ký tự U+{ord(found.group()):04X} ở vị trí {found.start() + 1} "
        "không lưu được; hãy xóa ký tự này"
    )


def check_storable(name: str, value: str | None) -> None:
    """Raise FieldError for a value holding a character that cannot be stored."""
    problem = unstorable_character(value) if isinstance(value, str) else None
    if problem:
        raise FieldError(name, f"Trường '{name}' {problem}")


def search_text(value: str) -> str:
    """Accent-free lower case: what full-text search matches against."""
    return strip_diacritics(normalize_text(value)).lower()


def search_terms(query: str | None) -> tuple[str, ...]:
    return tuple(search_text(query).split()) if query else ()


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


@dataclass(frozen=True)
class Submission:
    """One validated, classified item to store, and who submitted it."""

    principal: Principal
    item: NewPetition
    result: Classification
    dedupe: str | None = None


class Workflow:
    """The workflow over one unit of work. ``now`` is the clock of this request (a UTC instant);
    ``zone`` is the province's time zone, whose calendar day is ``today``: the default received
    date, the start of deadlines, the day items become overdue and the year of new ids."""

    def __init__(
        self, repo: Repository, catalog: Catalog, associations: Associations, now: datetime, zone: ZoneInfo
    ) -> None:
        self.repo = repo
        self.catalog = catalog
        self.associations = associations
        self.now = now
        self.zone = zone
        self.today: date = local_date(now, zone)

    # -- validation ------------------------------------------------------------------------
    def validate(self, item: NewPetition) -> NewPetition:
        try:
            check_text(item.text)
        except TextError as e:
            raise FieldError("text", str(e)) from e
        for name, value in vars(item).items():
            check_storable(name, value)
        if item.association is not None:
            self.associations.check(item.association)
        if item.received_on and item.received_on > self.today + timedelta(days=1):
            raise FieldError("received_on", f"Ngày nhận {item.received_on:%d/%m/%Y} ở tương lai")
        start = self.catalog.directory.complete_from
        if item.received_on and start and item.received_on < start:
            # Items are assigned by the directory in force on the day they were received.
            raise FieldError(
                "received_on",
                f"Ngày nhận {item.received_on:%d/%m/%Y} trước ngày danh "
                f"mục phân công bắt đầu có hiệu lực ({start:%d/%m/%Y}); hãy bổ sung "
                "danh mục cho giai đoạn đó hoặc sửa ngày nhận",
            )
        return item

    def _check_body(self, code: str) -> str:
        return self.catalog.directory.check_body(code)

    # -- intake ----------------------------------------------------------------------------
    def submit(
        self,
        principal: Principal,
        item: NewPetition,
        result: Classification,
        dedupe: str | None = None,
    ) -> Petition:
        """Persist a validated, classified item: auto-assigned, or queued for review."""
        return self.submit_many([Submission(principal, item, result, dedupe)])[0]

    def submit_many(self, submissions: Sequence[Submission]) -> list[Petition]:
        """Persist validated, classified items together, in order: one statement per table.

        Each item is auto-assigned or queued for review exactly as ``submit`` would; its number
        is the next of the year in the order given.
        """
        for s in submissions:
            require(s.principal, "petition.create")
        if not submissions:
            return []
        year = self.today.year
        numbers = self.repo.next_numbers(year, len(submissions))
        rows = [
            self._petition_row(s, f"KN-{year}-{n:06d}") for s, n in zip(submissions, numbers, strict=True)
        ]
        ids = self.repo.add_petitions(rows)
        petitions = [Petition(id=i, **row) for i, row in zip(ids, rows, strict=True)]
        classifications: list[dict[str, Any]] = []
        bodies: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for petition, s in zip(petitions, submissions, strict=True):
            classifications.append(self._classification_row(petition, s.result))
            bodies += self._body_rows(petition, s.result)
            events += self._intake_events(petition, s)
        self.repo.add_classifications(classifications)
        self.repo.add_body_rows(bodies)
        self.repo.add_event_rows(events)
        return petitions

    def _coordinating(self, result: Classification) -> list[str]:
        lead = result.lead_department
        return [c for c in dict.fromkeys(result.coordinating_departments) if c != lead]

    def _deadline(self, result: Classification) -> date:
        return self.today + timedelta(days=self.catalog.policy.deadline_for(result.sector))

    def _petition_row(self, s: Submission, code: str) -> dict[str, Any]:
        # The row is written once in its final state (no insert-then-update on the hot path).
        item, result = s.item, s.result
        assigned = not result.needs_review
        return {
            "code": code,
            "text": item.text,
            "search_text": search_text(item.text),
            "association": item.association,
            "submitter": item.submitter,
            "locality": item.locality,
            "received_on": item.received_on or self.today,
            "channel": item.channel,
            "source_document": item.source_document,
            "item_number": item.item_number,
            "dedupe_key": s.dedupe,
            "status": "assigned" if assigned else "needs_review",
            "sector": result.sector,
            "lead_department": result.lead_department if assigned else None,
            "assigned_at": self.now if assigned else None,
            "deadline": self._deadline(result) if assigned else None,
            "confidence": result.confidence,
            "model_version": result.model_version,
            "created_at": self.now,
            "updated_at": self.now,
            "created_by": s.principal.identity,
        }

    def _classification_row(self, petition: Petition, result: Classification) -> dict[str, Any]:
        return {
            "petition_id": petition.id,
            "model_version": result.model_version,
            "sector": result.sector,
            "lead_department": result.lead_department,
            "coordinating": list(result.coordinating_departments),
            "confidence": result.confidence,
            "needs_review": result.needs_review,
            "candidates": [
                {"sector": c.sector, "lead_department": c.lead_department, "probability": c.probability}
                for c in result.candidates
            ],
            "probabilities": dict(result.probabilities),
            "created_at": self.now,
        }

    def _body_rows(self, petition: Petition, result: Classification) -> list[dict[str, Any]]:
        if result.needs_review:
            return []
        lead = result.lead_department
        return [
            {"petition_id": petition.id, "department": lead, "role": "lead"},
            *(
                {"petition_id": petition.id, "department": c, "role": "coordinating"}
                for c in self._coordinating(result)
            ),
        ]

    def _intake_events(self, petition: Petition, s: Submission) -> list[dict[str, Any]]:
        result = s.result
        lead = result.lead_department
        received = {
            "petition_id": petition.id,
            "at": self.now,
            "actor": s.principal.identity,
            "action": "received",
            "from_status": None,
            "to_status": "received",
            "reason": None,
            "detail": {"channel": s.item.channel},
        }
        if not result.needs_review:
            coordinating = self._coordinating(result)
            second = {
                "action": "assigned",
                "to_status": "assigned",
                "reason": f"Tự động theo mô hình {result.model_version} (độ tin cậy {result.confidence:.2f})",
                "detail": {
                    "sector": result.sector,
                    "lead_department": lead,
                    "coordinating_departments": coordinating,
                    "deadline": self._deadline(result).isoformat(),
                    "notified": [lead, *coordinating],
                },
            }
        else:
            second = {
                "action": "queued_for_review",
                "to_status": "needs_review",
                "reason": f"Độ tin cậy {result.confidence:.2f} dưới ngưỡng "
                f"{self.catalog.policy.review_threshold:.2f}",
                "detail": {"suggested_sector": result.sector, "suggested_lead": lead},
            }
        return [received, {**received, "from_status": "received", **second}]

    def view_new(self, petition: Petition, result: Classification) -> PetitionView:
        """The view of an item ``submit`` just wrote (its bodies are known without a query)."""
        lead = petition.lead_department
        coordinating = (
            [] if lead is None else [c for c in dict.fromkeys(result.coordinating_departments) if c != lead]
        )
        return PetitionView(petition, lead, coordinating)

    def _move(
        self,
        petition: Petition,
        principal: Principal,
        to_status: str,
        action: str,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.repo.add_event(
            petition,
            at=self.now,
            actor=principal.identity,
            action=action,
            from_status=petition.status,
            to_status=to_status,
            reason=reason,
            detail=detail or {},
        )
        petition.status = to_status
        petition.updated_at = self.now

    def _assign(
        self,
        petition: Petition,
        principal: Principal,
        sector: str,
        lead: str,
        coordinating: Sequence[str],
        action: str,
        reason: str | None,
    ) -> None:
        coordinating = [c for c in dict.fromkeys(coordinating) if c != lead]
        deadline = self.today + timedelta(days=self.catalog.policy.deadline_for(sector))
        self.repo.set_bodies(petition, lead, coordinating, replace=petition.status != "received")
        petition.sector = sector
        petition.lead_department = lead
        petition.assigned_at = self.now
        petition.deadline = deadline
        # The bodies listed in "notified" are (re)notified: they see the item as new in the inbox.
        self._move(
            petition,
            principal,
            "assigned",
            action,
            reason=reason,
            detail={
                "sector": sector,
                "lead_department": lead,
                "coordinating_departments": coordinating,
                "deadline": deadline.isoformat(),
                "notified": [lead, *coordinating],
            },
        )

    def _target(
        self, sector: str | None, lead: str | None, coordinating: Sequence[str] | None
    ) -> tuple[str, str, list[str]]:
        if sector is None:
            raise FieldError("sector", "Cần chọn lĩnh vực (sector) khi giao lại kiến nghị")
        directory = self.catalog.directory.assignment(sector, self.today)
        lead = self._check_body(lead) if lead else directory.lead
        if coordinating is None:
            coordinating = list(directory.coordinating)
        return sector, lead, [self._check_body(c) for c in coordinating]

    # -- review queue ----------------------------------------------------------------------
    def confirm(self, principal: Principal, code: str) -> Petition:
        """The clerk accepts the model's proposal for an item waiting in review."""
        require(principal, "review.decide")
        petition = self.repo.get_petition(code, for_update=True)
        self._expect(petition, ("needs_review",), "xác nhận")
        proposal = self.repo.latest_classification(petition)
        if proposal is None:  # pragma: no cover - every stored item has one
            raise ConflictError(f"Kiến nghị {code} chưa được phân loại")
        # The proposal as shown to the clerk: its bodies include the second sector's lead.
        sector, lead = proposal.sector, proposal.lead_department
        coordinating = [self._check_body(c) for c in proposal.coordinating]
        self._correction(principal, petition, "confirm", sector, lead, proposal)
        self._assign(
            petition,
            principal,
            sector,
            lead,
            coordinating,
            action="confirmed",
            reason="Cán bộ xác nhận đề xuất của mô hình",
        )
        return petition

    def override(
        self,
        principal: Principal,
        code: str,
        sector: str | None,
        lead: str | None,
        coordinating: Sequence[str] | None,
        reason: str | None,
    ) -> Petition:
        """The clerk assigns an item in review differently from the model; kept as a correction."""
        require(principal, "review.decide")
        petition = self.repo.get_petition(code, for_update=True)
        self._expect(petition, ("needs_review",), "duyệt")
        sector, lead, coordinating = self._target(sector, lead, coordinating)
        proposal = self.repo.latest_classification(petition)
        self._correction(principal, petition, "override", sector, lead, proposal)
        self._assign(
            petition,
            principal,
            sector,
            lead,
            coordinating,
            action="overridden",
            reason=reason or "Cán bộ giao khác đề xuất của mô hình",
        )
        return petition

    def reassign(
        self,
        principal: Principal,
        code: str,
        sector: str | None,
        lead: str | None,
        coordinating: Sequence[str] | None,
        reason: str,
    ) -> Petition:
        """Send an open item to other bodies; the new bodies are notified again."""
        require(principal, "petition.assign")
        if not reason or not reason.strip():
            raise FieldError("reason", "Cần ghi lý do giao lại")
        petition = self.repo.get_petition(code, for_update=True)
        self._expect(petition, ("needs_review", *ACTIVE_STATUSES), "giao lại")
        sector, lead, coordinating = self._target(sector or petition.sector, lead, coordinating)
        proposal = self.repo.latest_classification(petition)
        self._correction(principal, petition, "reassign", sector, lead, proposal)
        self._assign(
            petition, principal, sector, lead, coordinating, action="reassigned", reason=reason.strip()
        )
        return petition

    def _correction(
        self,
        principal: Principal,
        petition: Petition,
        kind: str,
        sector: str,
        lead: str,
        proposal: Any,
    ) -> None:
        self.repo.add_correction(
            petition,
            kind=kind,
            text=petition.text,
            model_version=proposal.model_version if proposal else None,
            predicted_sector=proposal.sector if proposal else None,
            predicted_lead=proposal.lead_department if proposal else None,
            sector=sector,
            lead_department=lead,
            actor=principal.identity,
            created_at=self.now,
        )

    # -- the departments' side --------------------------------------------------------------
    def _role_of(self, principal: Principal, petition: Petition) -> str | None:
        if principal.department is None:
            return None
        for body in self.repo.bodies([petition.id])[petition.id]:
            if body.department == principal.department:
                return body.role
        return None

    def _require_lead(self, principal: Principal, petition: Petition, what: str) -> None:
        if principal.role == "department" and self._role_of(principal, petition) != "lead":
            raise PermissionDeniedError(
                f"Chỉ cơ quan chủ trì ({petition.lead_department}) mới được {what} kiến nghị {petition.code}"
            )

    def _expect(self, petition: Petition, allowed: Sequence[str], what: str) -> None:
        if petition.status not in allowed:
            labels = ", ".join(STATUS_LABELS[s] for s in allowed)
            raise ConflictError(
                f"Không thể {what} kiến nghị {petition.code} đang ở trạng thái "
                f"'{STATUS_LABELS[petition.status]}'; chỉ được khi: {labels}"
            )

    def _visible(self, principal: Principal) -> str | None:
        return principal.department if principal.role == "department" else None

    def acknowledge(self, principal: Principal, code: str) -> Petition:
        require(principal, "petition.respond")
        petition = self.repo.get_petition(code, self._visible(principal), for_update=True)
        self._expect(petition, ACTIVE_STATUSES, "xác nhận đã nhận")
        role = self._role_of(principal, petition)
        if role is not None:
            self.repo.acknowledge_body(petition, str(principal.department), self.now)
        if role == "coordinating":
            self.repo.add_event(
                petition,
                at=self.now,
                actor=principal.identity,
                action="acknowledged",
                from_status=petition.status,
                to_status=petition.status,
                detail={"role": "coordinating"},
            )
            petition.updated_at = self.now
        elif petition.status == "assigned":
            self._move(petition, principal, "acknowledged", "acknowledged")
        return petition

    def change_status(
        self, principal: Principal, code: str, status: str, note: str | None = None
    ) -> Petition:
        """The departments' named moves: acknowledged, in_progress."""
        if status not in ("acknowledged", "in_progress"):
            raise FieldError(
                "status",
                f"Trạng thái '{status}' không chuyển trực tiếp được; "
                "dùng: acknowledged, in_progress (trả lời: /answer, "
                "trả lại: /return, kết thúc: /close)",
            )
        if status == "acknowledged":
            return self.acknowledge(principal, code)
        require(principal, "petition.respond")
        petition = self.repo.get_petition(code, self._visible(principal), for_update=True)
        self._require_lead(principal, petition, "cập nhật trạng thái")
        self._expect(petition, TRANSITIONS[status], "chuyển sang 'Đang xử lý'")
        self._move(petition, principal, status, "status_changed", reason=note)
        return petition

    def answer(self, principal: Principal, code: str, text: str) -> Petition:
        require(principal, "petition.respond")
        if not isinstance(text, str) or not text.strip():
            raise FieldError("answer_text", "Nội dung trả lời rỗng")
        if len(text) > 100_000:
            raise FieldError("answer_text", "Nội dung trả lời vượt 100.000 ký tự")
        petition = self.repo.get_petition(code, self._visible(principal), for_update=True)
        self._require_lead(principal, petition, "trả lời")
        self._expect(petition, TRANSITIONS["answered"], "trả lời")
        petition.answer_text = text.strip()
        petition.answered_at = self.now
        self._move(petition, principal, "answered", "answered", detail={"answer_chars": len(text.strip())})
        return petition

    def close(self, principal: Principal, code: str, note: str | None = None) -> Petition:
        require(principal, "petition.close")
        petition = self.repo.get_petition(code, for_update=True)
        self._expect(petition, TRANSITIONS["closed"], "kết thúc")
        petition.closed_at = self.now
        self._move(petition, principal, "closed", "closed", reason=note)
        return petition

    def return_item(self, principal: Principal, code: str, reason: str) -> Petition:
        """The lead body returns an item as "không thuộc thẩm quyền": it goes back to review."""
        require(principal, "petition.respond")
        if not isinstance(reason, str) or not reason.strip():
            raise FieldError("reason", "Cần ghi lý do trả lại (không thuộc thẩm quyền vì sao)")
        petition = self.repo.get_petition(code, self._visible(principal), for_update=True)
        self._require_lead(principal, petition, "trả lại")
        self._expect(petition, ACTIVE_STATUSES, "trả lại")
        previous = petition.lead_department
        self.repo.clear_bodies(petition)
        petition.lead_department = None
        petition.deadline = None
        petition.assigned_at = None
        self._move(
            petition,
            principal,
            "needs_review",
            "returned",
            reason=f"Không thuộc thẩm quyền: {reason.strip()}",
            detail={"returned_by": principal.department or previous},
        )
        return petition

    # -- reads -----------------------------------------------------------------------------
    def view(self, principal: Principal, code: str, history: bool = True) -> PetitionView:
        require(principal, "petition.read")
        petition = self.repo.get_petition(code, self._visible(principal))
        views = self.views(principal, [petition])
        view = views[0]
        classification = self.repo.latest_classification(petition)
        if classification is not None:
            view.classification = {
                "model_version": classification.model_version,
                "sector": classification.sector,
                "lead_department": classification.lead_department,
                "coordinating_departments": classification.coordinating,
                "confidence": classification.confidence,
                "needs_review": classification.needs_review,
                "candidates": classification.candidates,
                "probabilities": classification.probabilities,
            }
        if history:
            view.history = self.history(petition)
        return view

    def history(self, petition: Petition) -> list[dict[str, Any]]:
        return [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "reason": e.reason,
                "detail": e.detail,
            }
            for e in self.repo.events(petition)
        ]

    def views(self, principal: Principal, rows: Sequence[Petition]) -> list[PetitionView]:
        bodies = self.repo.bodies([p.id for p in rows])
        out = []
        for p in rows:
            mine = bodies[p.id]
            lead = next((b.department for b in mine if b.role == "lead"), None)
            out.append(
                PetitionView(
                    petition=p,
                    lead_department=lead,
                    coordinating_departments=[b.department for b in mine if b.role == "coordinating"],
                    acknowledged_by=[b.department for b in mine if b.acknowledged_at is not None],
                )
            )
        return out

    def listing(
        self, principal: Principal, query: PetitionQuery, page: int, page_size: int, sort: str
    ) -> tuple[list[PetitionView], int]:
        require(principal, "petition.read")
        if page < 1:
            raise FieldError("page", "Số trang bắt đầu từ 1")
        if not 1 <= page_size <= 500:
            raise FieldError("page_size", "Số dòng mỗi trang từ 1 đến 500")
        self._check_query(query)
        query = replace(query, today=self.today)
        rows, total = self.repo.list_petitions(
            query, self._visible(principal), (page - 1) * page_size, page_size, sort
        )
        return self.views(principal, rows), total

    def _check_query(self, query: PetitionQuery) -> None:
        from kiennghi.errors import UnknownCodeError
        from kiennghi.service.lifecycle import STATUSES

        for status in query.status:
            if status not in STATUSES:
                raise UnknownCodeError("trạng thái", status, list(STATUSES))
        if query.sector:
            self.catalog.taxonomy.get(query.sector)
        if query.department:
            self._check_body(query.department)
        if query.association:
            self.associations.check(query.association)
        if query.role and query.role not in ("lead", "coordinating"):
            raise UnknownCodeError("vai trò", query.role, ["lead", "coordinating"])

    def review_queue(
        self,
        principal: Principal,
        classifier: Classifier,
        page: int,
        page_size: int,
        query: PetitionQuery | None = None,
    ) -> tuple[list[PetitionView], int]:
        """Items waiting for a clerk, oldest first, with the top suggestions and their words."""
        require(principal, "review.read")
        query = replace(query or PetitionQuery(), status=("needs_review",), today=self.today)
        self._check_query(query)
        rows, total = self.repo.list_petitions(query, None, (page - 1) * page_size, page_size, "id")
        views = self.views(principal, rows)
        for view in views:
            proposal = self.repo.latest_classification(view.petition)
            candidates = proposal.candidates if proposal else []
            view.suggestions = [
                {
                    **c,
                    "sector_label": self.catalog.taxonomy.get(c["sector"]).label
                    if c["sector"] in self.catalog.taxonomy
                    else c["sector"],
                    "words": classifier.explain(view.petition.text, c["sector"]),
                }
                for c in candidates
            ]
        return views, total
