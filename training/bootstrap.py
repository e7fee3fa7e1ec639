"""The bundled default model: built from the seed corpus on first use, then loaded from the registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kiennghi.catalog import Catalog, load_catalog
from kiennghi.models.registry import ModelRegistry, open_registry
from kiennghi.models.serving import PetitionClassifier
from kiennghi.settings import Settings
from kiennghi.training.corpus import seed_corpus_dir

if TYPE_CHECKING:
    from kiennghi.training.train import Progress, TrainResult

__all__ = ["build_default_model", "open_classifier"]


def build_default_model(catalog: Catalog, registry: ModelRegistry, progress: Progress) -> TrainResult:
    """Train the default config on the bundled seed corpus (no cross-validation) and activate it.

    The default model is built on the user's machine rather than shipped as a pickle, so it always
    matches the installed library versions and nothing foreign is ever unpickled.
    """
    # Imported here: training needs scikit-learn, which classifying with a built model never does.
    from kiennghi.training.train import load_config, train_and_register

    return train_and_register(
        seed_corpus_dir(),
        load_config(None),
        catalog,
        registry,
        evaluate=False,
        activate=True,
        progress=progress,
    )


def open_classifier(
    settings: Settings,
    version: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    build_if_missing: bool = True,
) -> PetitionClassifier:
    """Load the requested (or active) model; on a fresh install build the default one first.

    ``progress`` is called as ``progress(message, done, total)`` while the default model is built.
    """
    catalog = load_catalog(settings)
    registry = open_registry(settings)
    if version is None and registry.active_version() is None and build_if_missing:
        build_default_model(catalog, registry, progress or (lambda *_: None))
    return PetitionClassifier(registry.load(version), catalog)
