"""Where the product's log records go: standard logging, one logger per module under "kiennghi".

Nothing is configured at import time; the entry points (``kiennghi serve``, ``kiennghi import``,
the service's workers) call ``configure_logging`` once. Records say what happened and to which
item or job; they never hold petition text or keys.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["DEFAULT_LEVEL", "configure_logging"]

DEFAULT_LEVEL = "INFO"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"


def configure_logging(level: str | None = None) -> None:
    """Send the "kiennghi" loggers to stderr at ``level`` (default ``KIENNGHI_LOG_LEVEL``, INFO).

    Calling it again changes the level only; an unknown level falls back to INFO with a warning.
    """
    name = (level or os.environ.get("KIENNGHI_LOG_LEVEL") or DEFAULT_LEVEL).upper()
    root = logging.getLogger("kiennghi")
    chosen = logging.getLevelName(name)
    if not isinstance(chosen, int):
        chosen = logging.INFO
        root.warning("KIENNGHI_LOG_LEVEL '%s' không hợp lệ; dùng INFO", name)
    root.setLevel(chosen)
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        root.addHandler(_StderrHandler())
        root.propagate = False


class _StderrHandler(logging.StreamHandler):
    """The handler ``configure_logging`` adds (recognised so that it is added once)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter(FORMAT))
