"""Rendering pages: the Jinja2 environment (templates inside the package) and the formatting a
page needs (dates as dd/mm/yyyy in the province's time, body names, sector labels, percentages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kiennghi.catalog import Catalog
from kiennghi.nlp.normalize import strip_diacritics
from kiennghi.service.auth.permissions import Principal
from kiennghi.service.petitions.statuses import STATUS_LABELS
from kiennghi.service.web.sessions import session_of
from kiennghi.timezone import local_time

__all__ = ["ROLE_LABELS", "Formatter", "Pages"]

ROLE_LABELS = {
    "admin": "Quản trị",
    "secretariat": "Thư ký tổng hợp",
    "analyst": "Phân tích",
    "department": "Cơ quan",
}


# What each event of an item's history is called on its page.
EVENT_LABELS = {
    "received": "Tiếp nhận",
    "queued_for_review": "Chuyển hàng chờ duyệt",
    "assigned": "Tự động giao",
    "confirmed": "Cán bộ xác nhận đề xuất",
    "overridden": "Cán bộ giao cơ quan khác đề xuất",
    "reassigned": "Giao lại",
    "acknowledged": "Cơ quan xác nhận đã nhận",
    "status_changed": "Chuyển trạng thái",
    "answered": "Cơ quan chủ trì trả lời",
    "returned": "Trả lại: không thuộc thẩm quyền",
    "contributed": "Cơ quan phối hợp góp ý",
    "closed": "Kết thúc",
}


def _parse_day(value: str) -> date:
    return date.fromisoformat(value)


def _collate(text: str) -> tuple[str, str]:
    """Sort key close to Vietnamese dictionary order: letters first without their marks (Đ after D)."""
    plain = strip_diacritics(text.replace("Đ", "Dz").replace("đ", "dz")).lower()
    return plain, text


@dataclass(frozen=True)
class Formatter:
    """What templates call as ``f.…``: Vietnamese forms of dates, codes and numbers."""

    catalog: Catalog
    zone: ZoneInfo

    def date(self, value: date | datetime | str | None) -> str:
        """dd/mm/yyyy; an instant as the province's calendar day."""
        if value is None or value == "":
            return ""
        day: date | datetime
        if isinstance(value, str):
            try:
                day = datetime.fromisoformat(value) if "T" in value else _parse_day(value)
            except ValueError:
                return value
        else:
            day = value
        if isinstance(day, datetime):
            day = local_time(day, self.zone).date()
        return day.strftime("%d/%m/%Y")

    def when(self, value: datetime | str | None) -> str:
        """dd/mm/yyyy HH:MM on the province's clock."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                return value
        else:
            instant = value
        return local_time(instant, self.zone).strftime("%d/%m/%Y %H:%M")

    def body(self, code: str | None) -> str:
        return self.catalog.names.body_name(code) if code else ""

    def sector(self, code: str | None) -> str:
        return self.catalog.taxonomy.label_of(code) if code else ""

    def association(self, code: str | None) -> str:
        return self.catalog.associations.name(code) if code else ""

    def event(self, action: str) -> str:
        return EVENT_LABELS.get(action, action)

    def status(self, code: str) -> str:
        return STATUS_LABELS.get(code, code)

    def pct(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return ""
        text = f"{value * 100:.{digits}f}".replace(".", ",")
        return f"{text}%"

    def number(self, value: int | float) -> str:
        return f"{value:,}".replace(",", ".")

    def role(self, role: str) -> str:
        return ROLE_LABELS.get(role, role)

    # The choices of the filter and decision forms, in Vietnamese alphabetical order.
    def sectors(self) -> list[tuple[str, str]]:
        return sorted(
            ((s.code, s.label) for s in self.catalog.taxonomy.sectors), key=lambda c: _collate(c[1])
        )

    def bodies(self) -> list[tuple[str, str]]:
        bodies = self.catalog.directory.bodies.values()
        return sorted(((b.code, b.name) for b in bodies), key=lambda c: _collate(c[1]))

    def associations(self) -> list[tuple[str, str]]:
        return [(a.code, a.name) for a in self.catalog.associations.items]

    def statuses(self) -> list[tuple[str, str]]:
        return list(STATUS_LABELS.items())


class Pages:
    """Renders a template with what every page needs (the user, CSRF token, flashes, menu)."""

    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("kiennghi.service.web", "templates"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self,
        request: Request,
        name: str,
        *,
        catalog: Catalog,
        zone: ZoneInfo,
        principal: Principal | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        session = session_of(request)
        html = self.env.get_template(name).render(
            request=request,
            f=Formatter(catalog, zone),
            user=principal,
            csrf=session.csrf,
            flashes=session.take_flashes(),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
