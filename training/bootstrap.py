"""The bundled default model: built from the seed corpus on first use, then loaded from the registry."""

from __future__ import annotations

from kiennghi.catalog import Catalog
from kiennghi.resources import seed_corpus_dir
from models.registry import ModelRegistry
from training.train import Progress, TrainResult, load_config, train_and_register

__all__ = ["build_default_model"]


def build_default_model(catalog: Catalog, registry: ModelRegistry, progress: Progress) -> TrainResult:
    """Train the default config on the bundled seed corpus (no cross-validation) and activate it.

    The default model is built on the user's machine rather than shipped as a pickle, so it always
    matches the installed library versions and nothing foreign is ever unpickled.
    """
    return train_and_register(
        seed_corpus_dir(),
        load_config(None),
        catalog,
        registry,
        evaluate=False,
        activate=True,
        progress=progress,
    )
