"""The province's business day: local dates and times of UTC instants (IANA zones via zoneinfo).

Instants are stored in UTC; what a clerk calls "today", a received date, a deadline or a report's
date range is a day in the province's zone (Việt Nam: UTC+7, no daylight saving time), so an
item received at 23:30 UTC counts for the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiennghi.errors import SettingsError

__all__ = ["DEFAULT_TIMEZONE", "load_zone", "local_date", "local_time"]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def load_zone(name: str) -> ZoneInfo:
    """The zone called ``name`` (``KIENNGHI_TIMEZONE``), or SettingsError naming the fix.

    >>> load_zone("Asia/Ho_Chi_Minh").key
    'Asia/Ho_Chi_Minh'
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise SettingsError(
            f"Múi giờ '{name}' (KIENNGHI_TIMEZONE) không tồn tại; dùng tên IANA như "
            f"'{DEFAULT_TIMEZONE}' (Việt Nam) hoặc 'UTC'"
        ) from e


def local_time(instant: datetime, zone: ZoneInfo) -> datetime:
    """The instant on the province's clock. A naive instant is taken as UTC (how it is stored)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The province's calendar day at the instant.

    >>> local_date(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), load_zone("Asia/Ho_Chi_Minh"))
    datetime.date(2026, 3, 11)
    """
    return local_time(instant, zone).date()
