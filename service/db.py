"""Engines, sessions and migrations: where the service meets its database."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiennghi.settings import Settings

try:
    import fcntl
except ImportError:  # Windows: processes fall back to SQLite's busy timeout
    fcntl = None  # type: ignore[assignment]

__all__ = ["database_url", "make_engine", "make_sessionmaker", "migrations_dir", "shipped_head", "upgrade"]


def database_url(settings: Settings) -> str:
    """The configured URL, or a SQLite file in the data directory (created on first start)."""
    if settings.database_url:
        return settings.database_url
    settings.home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.home / 'kiennghi.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_ms: int = 10_000) -> None:
    # WAL lets readers run beside the single writer; NORMAL sync is durable across application
    # crashes (not power loss of the last commits), the usual trade for a WAL database.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()
    # pysqlite's own transaction handling issues BEGIN lazily (after reads); take over so every
    # transaction begins explicitly (see _sqlite_begin).
    dbapi_connection.isolation_level = None


class _SqliteWriters:
    """Begins SQLite transactions; writers queue on locks, not on SQLite's busy loop.

    BEGIN IMMEDIATE for transactions that write: a deferred one that reads, then writes, fails at
    once with "database is locked" when another writer got in between, whatever busy_timeout.
    SQLite lets one writer in at a time anyway; writers that wait inside SQLite's busy handler
    sleep with growing back-off (up to 100 ms per try), so under load they queue instead: threads
    on a Python lock, processes (several workers on one database file) on an advisory lock of a
    file beside the database, and enter in turn. Past ``timeout`` a waiting writer fails with
    OperationalError (503 with Retry-After). Read-only sessions (make_sessionmaker) begin
    deferred, never wait.
    """

    def __init__(self, lock_path: Path | None = None, timeout: float = 10.0) -> None:
        self.lock = threading.Lock()
        self.lock_path = lock_path
        self.timeout = timeout
        self._fd: int | None = None

    def _lock_file(self) -> None:
        if self.lock_path is None:
            return
        if self._fd is None:  # opened on first write: after any fork, never shared with a child
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError(
                        "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def _unlock_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def begin(self, conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE":
            self.lock.acquire()
            try:
                self._lock_file()
            except BaseException:
                self.lock.release()
                raise
            conn.info["kiennghi_writer"] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            self.end(conn)
            raise

    def commit(self, conn: Any) -> None:
        # SQLAlchemy fires "commit" before it commits: a lock released here would let the next
        # writer's BEGIN IMMEDIATE meet a transaction still open and sleep in SQLite's busy
        # handler (1, 2, 5, 10 … ms). COMMIT here, then release; pysqlite's own commit() that
        # follows finds no open transaction and does nothing.
        try:
            if conn.info.get("kiennghi_writer"):
                conn.exec_driver_sql("COMMIT")
        finally:
            self.end(conn)

    def rollback(self, conn: Any) -> None:
        # Same order as commit; a failure here is left to SQLAlchemy's own rollback, which follows.
        try:
            dbapi = conn.connection.dbapi_connection
            if conn.info.get("kiennghi_writer") and dbapi is not None and dbapi.in_transaction:
                with contextlib.suppress(Exception):
                    dbapi.rollback()
        finally:
            self.end(conn)

    def end(self, conn: Any) -> None:
        if conn.info.pop("kiennghi_writer", False):
            try:
                self._unlock_file()
            finally:
                self.lock.release()


def make_engine(url: str, schema: str | None = None, pool_size: int = 10, timeout: float = 10.0) -> Engine:
    """An engine tuned for the service; ``schema`` (PostgreSQL only) isolates a test run.

    ``timeout``: seconds a statement waits for SQLite's write lock, or for a PostgreSQL
    connection; past it the request fails with OperationalError (503 with Retry-After).
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": timeout},
            pool_size=pool_size,
            max_overflow=20,
        )
        database = make_url(url).database
        on_disk = (
            fcntl is not None
            and database is not None
            and database not in ("", ":memory:")
            and not database.startswith("file:")
        )
        writers = _SqliteWriters(Path(f"{database}.writer-lock") if on_disk else None, timeout)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=int(timeout * 1000)))
        event.listen(engine, "begin", writers.begin)
        event.listen(engine, "commit", writers.commit)
        event.listen(engine, "rollback", writers.rollback)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": max(1, round(timeout))}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=20,
        pool_pre_ping=True,
        pool_timeout=timeout,
        connect_args=connect_args,
    )


def make_sessionmaker(engine: Engine, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for writes, or (``read_only``) sessions that never take SQLite's write lock."""
    if read_only:
        engine = engine.execution_options(sqlite_begin="DEFERRED")
    return sessionmaker(engine, expire_on_commit=False)


def migrations_dir() -> Path:
    return Path(__file__).parent / "migrations"


_REVISION_RE = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"'](\w+)[\"']", re.M)
_DOWN_RE = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(?:None|[\"'](\w+)[\"'])\s*$", re.M)


def shipped_head() -> str | None:
    """The single head revision of the shipped migrations, read from their files; None when it
    cannot be told that simply (several heads, merges, an unusual file): ask Alembic then."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION_RE.findall(source), _DOWN_RE.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _at_head(engine: Engine) -> bool:
    head = shipped_head()
    if head is None:
        return False
    try:
        with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
            stamped = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:  # no schema yet
        return False
    return stamped == [head]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations shipped inside the package (works from an installed wheel).

    A database already at the shipped head is left alone without loading Alembic (~0.13 s CPU
    of every start).
    """
    if revision == "head" and _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several workers may start together: one migrates, the others wait, then find
            # nothing to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(4611686018427)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
