"""The small vocabulary of domain exceptions; each message names the bad value and the fix."""

from __future__ import annotations

__all__ = [
    "DataFileError",
    "DirectoryError",
    "InputFileError",
    "KienNghiError",
    "ModelNotFoundError",
    "ModelRegistryError",
    "SettingsError",
    "TaxonomyError",
    "TrainingError",
    "UnknownCodeError",
]


class KienNghiError(Exception):
    """Base of every error kiennghi raises on purpose (message in Vietnamese, for the user)."""


class DataFileError(KienNghiError):
    """A bundled or configured data file (taxonomy, directory, thresholds, corpus) is invalid."""


class TaxonomyError(DataFileError):
    """The sector taxonomy is invalid."""


class DirectoryError(DataFileError):
    """The sector → body directory is invalid."""


class SettingsError(KienNghiError):
    """A setting (KIENNGHI_* environment variable) has a value that cannot be used."""


class UnknownCodeError(KienNghiError):
    """A sector or body code that the directory does not know."""

    def __init__(self, kind: str, code: str, known: list[str]) -> None:
        self.kind = kind
        self.code = code
        self.known = known
        super().__init__(f"{kind} '{code}' không có trong danh mục; các mã hợp lệ: {', '.join(known)}")


class InputFileError(KienNghiError):
    """An input file cannot be used at all (missing, unreadable, wrong format, no text column)."""


class TrainingError(KienNghiError):
    """Training data or configuration cannot produce a model."""


class ModelRegistryError(KienNghiError):
    """A model version is missing, tampered with, or was built with other library versions."""


class ModelNotFoundError(ModelRegistryError):
    """No such model version (or no active version)."""
