"""Settings from the environment (KIENNGHI_*), read only when a factory asks for them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiennghi.resources import bundled_data_path
from kiennghi.timezone import DEFAULT_TIMEZONE, load_zone

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

__all__ = ["Settings"]


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kiennghi"


@dataclass(frozen=True)
class Settings:
    """Where kiennghi keeps its state and which data files define the province.

    home: data directory (model registry, SQLite database); ``KIENNGHI_HOME``.
    taxonomy, bodies, directory, policy: data files; ``KIENNGHI_TAXONOMY`` etc. override them,
    so a province changes its directory without code or retraining.
    timezone: the province's IANA time zone (``KIENNGHI_TIMEZONE``, default Asia/Ho_Chi_Minh):
    the business day (received date, deadlines, overdue, report ranges) is a day in this zone;
    instants are stored in UTC.
    """

    home: Path
    taxonomy: Path
    bodies: Path
    directory: Path
    policy: Path
    database_url: str | None = None
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return load_zone(self.timezone)  # zoneinfo caches each zone: cheap after the first call

    @property
    def registry_dir(self) -> Path:
        return self.home / "models"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("KIENNGHI_HOME") or _default_home()).expanduser()

        def data(var: str, name: str) -> Path:
            value = env.get(var)
            return Path(value).expanduser() if value else bundled_data_path(name)

        return cls(
            home=home,
            taxonomy=data("KIENNGHI_TAXONOMY", "taxonomy.yaml"),
            bodies=data("KIENNGHI_BODIES", "bodies.yaml"),
            directory=data("KIENNGHI_DIRECTORY", "directory.csv"),
            policy=data("KIENNGHI_POLICY", "policy.yaml"),
            database_url=env.get("KIENNGHI_DATABASE_URL") or None,
            # Refused here, before anything starts, rather than at the first request.
            timezone=load_zone(env.get("KIENNGHI_TIMEZONE") or DEFAULT_TIMEZONE).key,
        )
