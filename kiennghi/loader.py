"""Factories that put the pieces together: catalog + registry + model → PetitionClassifier."""

from __future__ import annotations

from kiennghi.catalog import load_catalog
from kiennghi.classifier import PetitionClassifier
from kiennghi.settings import Settings
from models.registry import ModelRegistry

__all__ = ["open_classifier", "open_registry"]


def open_registry(settings: Settings) -> ModelRegistry:
    return ModelRegistry(settings.registry_dir)


def open_classifier(
    settings: Settings,
    version: str | None = None,
    progress: object | None = None,
    build_if_missing: bool = True,
) -> PetitionClassifier:
    """Load the requested (or active) model; on a fresh install build the default one first.

    ``progress`` is called as ``progress(message, done, total)`` while the default model is built.
    """
    catalog = load_catalog(settings)
    registry = open_registry(settings)
    if version is None and registry.active_version() is None and build_if_missing:
        from training.bootstrap import build_default_model

        build_default_model(catalog, registry, progress or (lambda *_: None))
    return PetitionClassifier(registry.load(version), catalog)
