"""The active classifier of this worker process, following activations made by any worker."""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable

from kiennghi.catalog import Catalog
from kiennghi.errors import KienNghiError
from kiennghi.models.registry import LoadedModel, ModelRegistry
from kiennghi.models.serving import PetitionClassifier
from kiennghi.service.errors import ModelNotReadyError
from kiennghi.service.petitions.domain import Classifier

__all__ = ["ModelProvider"]

log = logging.getLogger(__name__)


class ModelProvider:
    """Hands out the active classifier and follows the registry's active version.

    Every worker process has its own provider; an activation in any worker rewrites the registry
    index, and each provider notices on its next request (one ``stat`` call) and loads the new
    version once. A fixed classifier (tests) is handed out as is.
    """

    def __init__(self, registry: ModelRegistry, catalog: Catalog, fixed: Classifier | None = None) -> None:
        self.registry = registry
        self.catalog = catalog
        self._fixed = fixed
        self._classifier: Classifier | None = fixed
        self._stamp: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def ready(self) -> bool:
        return self._classifier is not None

    def _serving(self, model: LoadedModel) -> Classifier:
        # Each request scores its own text in its handler thread; the model's compiled form keeps
        # that to well under a millisecond (models/compiled.py).
        return PetitionClassifier(model, self.catalog)

    def _index_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.registry.root / "index.json")
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self, build: Callable[[], Classifier] | None = None) -> None:
        """First load at start-up; ``build`` makes the default model on a fresh install."""
        if self._fixed is not None:
            return
        if self.registry.active_version() is None and build is not None:
            build()  # trains and activates the default model (first start only)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        if self._fixed is not None:
            return
        stamp = self._index_stamp()
        if not force and stamp == self._stamp:
            return
        with self._lock:
            if not force and stamp == self._stamp:
                return
            active: str | None = None
            try:
                active = self.registry.active_version()
                if active and (self._classifier is None or self._classifier.version != active):
                    self._classifier = self._serving(self.registry.load(active))
                    gc.freeze()  # keep full collections from walking the model (see app.freeze_heap)
                self.last_error = None
            except KienNghiError as e:
                # Keep serving the model we have; /readyz and the model list show the problem.
                log.error("active model %s not loaded, still serving the previous one: %s", active, e)
                self.last_error = str(e)
            self._stamp = stamp

    def current(self) -> Classifier:
        self.refresh()
        if self._classifier is None:
            raise ModelNotReadyError(
                self.last_error or "Chưa có mô hình nào được kích hoạt; hãy huấn luyện mô hình"
            )
        return self._classifier
