"""Streaming readers and writers for the record files clerks use: JSONL, CSV and XLSX."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from kiennghi.errors import InputFileError

__all__ = ["FORMATS", "RecordWriter", "file_format", "open_writer", "read_records"]

FORMATS = (".jsonl", ".csv", ".xlsx")

# A spreadsheet cell starting with one of these is run as a formula by Excel / LibreOffice.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Lone surrogates cannot be encoded in any output file; XML (so XLSX) also forbids C0 controls
# other than tab, newline and carriage return. Both are replaced, so one hostile row cannot
# abort a whole file.
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def file_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        suffix = ".jsonl"
    if suffix not in FORMATS:
        raise InputFileError(
            f"Định dạng tệp '{suffix or Path(path).name}' không được hỗ trợ; dùng .jsonl, .csv hoặc .xlsx"
        )
    return suffix


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield one dict per record, streaming. Raises InputFileError for an unusable file.

    A JSONL line that is not a JSON object yields ``{"__error__": message}`` so the caller can
    report that row and go on.
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise InputFileError(f"Không tìm thấy tệp đầu vào: {path}")
    if fmt == ".jsonl":
        return _read_jsonl(path)
    if fmt == ".csv":
        return _read_csv(path)
    return _read_xlsx(path)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open(encoding="utf-8-sig")
        handle.readline()
        handle.seek(0)
    except (OSError, UnicodeDecodeError) as e:
        raise InputFileError(f"Không đọc được {path} dưới dạng UTF-8: {e}") from e

    def rows() -> Iterator[dict[str, Any]]:
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as e:
                    yield {"__error__": f"dòng {number} không phải JSON hợp lệ: {e.msg}"}
                    continue
                if not isinstance(value, dict):
                    yield {"__error__": f"dòng {number} không phải một đối tượng JSON"}
                    continue
                yield value

    return rows()


def _read_csv(path: Path) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        sample = handle.read(64 * 1024)
        handle.seek(0)
    except (OSError, UnicodeDecodeError) as e:
        raise InputFileError(f"Không đọc được {path} dưới dạng CSV UTF-8: {e}") from e
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(handle, dialect=dialect)
    if not reader.fieldnames:
        handle.close()
        raise InputFileError(f"Tệp CSV {path} không có dòng tiêu đề")

    def rows() -> Iterator[dict[str, Any]]:
        with handle:
            for rec in reader:
                yield {str(k).strip(): v for k, v in rec.items() if k is not None}

    return rows()


def _read_xlsx(path: Path) -> Iterator[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many unrelated types for a broken file
        raise InputFileError(f"Không mở được tệp Excel {path}: {e}") from e
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header = next(rows_iter, None)
    if not header or not any(header):
        workbook.close()
        raise InputFileError(f"Trang tính đầu tiên của {path} không có dòng tiêu đề")
    names = [str(h).strip() if h is not None else f"cot_{i + 1}" for i, h in enumerate(header)]

    def rows() -> Iterator[dict[str, Any]]:
        try:
            for values in rows_iter:
                if values is None or all(v is None for v in values):
                    continue
                yield dict(zip(names, values, strict=False))
        finally:
            workbook.close()

    return rows()


class RecordWriter(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def _cell(value: Any, illegal: re.Pattern[str] = _SURROGATES_RE) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = illegal.sub("\ufffd", value)
        if value.startswith(_FORMULA_PREFIXES):
            return "'" + value  # neutralise spreadsheet formulas in hostile text
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATES_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


class _JsonlWriter:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("w", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(_json_safe(record), ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        self._handle.close()


class _CsvWriter:
    def __init__(self, path: Path, columns: list[str]) -> None:
        self._handle = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.DictWriter(self._handle, fieldnames=columns, extrasaction="ignore")
        self._writer.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        self._writer.writerow({k: _cell(v) for k, v in record.items()})

    def close(self) -> None:
        self._handle.close()


class _XlsxWriter:
    def __init__(self, path: Path, columns: list[str]) -> None:
        from openpyxl import Workbook

        self._path = path
        self._columns = columns
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("ket_qua")
        self._sheet.append(columns)

    def write(self, record: dict[str, Any]) -> None:
        self._sheet.append([_cell(record.get(c), _XML_ILLEGAL_RE) for c in self._columns])

    def close(self) -> None:
        self._book.save(self._path)


class _AtomicWriter:
    """Writes to a temporary file beside the target and renames it on success only."""

    def __init__(self, target: Path, make: Any) -> None:
        self._target = target
        self._tmp = target.with_name(f".{target.name}.partial")
        self._inner = make(self._tmp)

    def write(self, record: dict[str, Any]) -> None:
        self._inner.write(record)

    def close(self) -> None:
        self._inner.close()
        os.replace(self._tmp, self._target)

    def abort(self) -> None:
        try:
            self._inner.close()
        finally:
            self._tmp.unlink(missing_ok=True)


def open_writer(path: Path, columns: list[str]) -> _AtomicWriter:
    """A writer for the output format given by the extension; nothing appears until close()."""
    path = Path(path)
    fmt = file_format(path)
    if not path.parent.exists():
        raise InputFileError(f"Thư mục đầu ra không tồn tại: {path.parent}")
    if fmt == ".jsonl":
        return _AtomicWriter(path, _JsonlWriter)
    if fmt == ".csv":
        return _AtomicWriter(path, lambda p: _CsvWriter(p, columns))
    return _AtomicWriter(path, lambda p: _XlsxWriter(p, columns))
