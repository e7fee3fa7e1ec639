"""Classifies a whole file of petitions, streaming, with a per-row error for bad rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiennghi.io.tabular import open_writer, read_records
from kiennghi.models.serving import PetitionClassifier, TextError, check_text

__all__ = ["OUTPUT_COLUMNS", "BatchSummary", "classify_file"]

OUTPUT_COLUMNS = [
    "id",
    "sector",
    "sector_label",
    "confidence",
    "lead_department",
    "coordinating_departments",
    "candidates",
    "needs_review",
    "model_version",
    "error",
]


@dataclass
class BatchSummary:
    total: int = 0
    classified: int = 0
    errors: int = 0
    needs_review: int = 0


def _with_ids(records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for number, record in enumerate(records, start=1):
        if record.get("id") in (None, ""):
            record = {**record, "id": str(number)}
        yield record


def classify_file(
    source: Path,
    target: Path,
    classifier: PetitionClassifier,
    batch_size: int = 1024,
    on_batch: Callable[[int], None] | None = None,
    on: date | None = None,
) -> BatchSummary:
    """Read ``source``, classify every row, write ``target`` (format from its extension).

    ``on``: the day whose directory assigns the bodies (default: the machine's today); the
    command line passes the province's today (KIENNGHI_TIMEZONE).

    Memory stays constant: rows are read, classified and written ``batch_size`` at a time. The
    output file appears only when the run completes.
    """
    records = _with_ids(read_records(source))
    first = next(records, None)
    extra = [k for k in (first or {}) if k not in OUTPUT_COLUMNS and k != "__error__"]
    writer = open_writer(target, OUTPUT_COLUMNS + extra)
    summary = BatchSummary()
    stream = itertools.chain([first] if first is not None else [], records)
    try:
        while batch := list(itertools.islice(stream, batch_size)):
            texts: list[str] = []
            positions: list[int] = []
            rows: list[dict[str, Any]] = []
            for record in batch:
                row = {k: v for k, v in record.items() if k != "__error__"}
                try:
                    if "__error__" in record:
                        raise TextError(record["__error__"])
                    texts.append(check_text(record.get("text")))
                    positions.append(len(rows))
                except TextError as e:
                    row["error"] = str(e)
                    summary.errors += 1
                rows.append(row)
            for pos, result in zip(positions, classifier.classify(texts, on=on), strict=True):
                record = result.as_record()
                record["candidates"] = [dict(c) for c in record["candidates"]]
                rows[pos].update(record)
                summary.needs_review += int(result.needs_review)
                summary.classified += 1
            for row in rows:
                writer.write({**{c: row.get(c) for c in OUTPUT_COLUMNS}, **row})
            summary.total += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return summary
