"""Locations of the data files that ship with the package (taxonomy, directory, tables)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["bundled_data_path"]


def bundled_data_path(name: str) -> Path:
    """Path of a file in ``kiennghi/data`` (e.g. ``"taxonomy.yaml"``)."""
    return Path(str(files("kiennghi") / "data" / name))
