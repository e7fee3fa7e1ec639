"""Locations of the data files that ship with the package (taxonomy, directory, tables)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["bundled_data_path", "seed_corpus_dir"]


def bundled_data_path(name: str) -> Path:
    """Path of a file in ``kiennghi/data`` (e.g. ``"taxonomy.yaml"``)."""
    return Path(str(files("kiennghi") / "data" / name))


def seed_corpus_dir() -> Path:
    """Folder of the hand-written seed corpus (one JSONL file per sector)."""
    return Path(str(files("training") / "data" / "seed"))
