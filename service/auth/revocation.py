"""The signal that tells every worker sharing the data directory that a key was revoked."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

__all__ = ["RevocationSignal"]


class RevocationSignal:
    """A file in the data directory, rewritten after every revocation.

    Each worker keeps the keys it has checked in memory for a while; it checks this file with one
    ``stat`` per request and forgets every cached key when the file changed, so a revoked key is
    refused at once by every worker that shares the data directory (KIENNGHI_HOME). Workers that do
    not (another host) still re-check each key in the database when their cache entry expires.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_home(cls, home: Path) -> RevocationSignal:
        return cls(home / "keys-revoked")

    def stamp(self) -> tuple[int, int, int] | None:
        """Changes whenever ``announce`` ran; None before the first revocation."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def announce(self, key_id: int, now: datetime) -> None:
        """Rewrite the file (a new inode each time, so even two revocations in the same clock tick
        change the stamp)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keys-revoked-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(f"{now.isoformat()} {key_id}\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
