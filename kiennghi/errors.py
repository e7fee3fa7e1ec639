"""The small vocabulary of domain exceptions; each message names the bad value and the fix."""

from __future__ import annotations

from collections.abc import Sequence

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
    "UnknownNameError",
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


class UnknownNameError(UnknownCodeError):
    """A name (or code) of a body or an association that the catalog does not know.

    ``suggestions`` are the closest known entries as (code, name) pairs, best first.
    """

    def __init__(
        self, kind: str, name: str, known: list[str], suggestions: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(kind, name, known)
        self.suggestions = list(suggestions)
        if self.suggestions:
            close = "; ".join(f"{label} ({code})" for code, label in self.suggestions)
            hint = f". Có phải: {close}?"
        else:
            hint = "; không có tên nào gần giống."
        self.args = (
            f"Không tìm thấy {kind} '{name}' trong danh mục{hint} "
            "Hãy dùng mã, tên hoặc tên viết tắt có trong danh mục",
        )


class InputFileError(KienNghiError):
    """An input file cannot be used at all (missing, unreadable, wrong format, no text column)."""


class TrainingError(KienNghiError):
    """Training data or configuration cannot produce a model."""


class ModelRegistryError(KienNghiError):
    """A model version is missing, tampered with, or was built with other library versions."""


class ModelNotFoundError(ModelRegistryError):
    """No such model version (or no active version)."""
