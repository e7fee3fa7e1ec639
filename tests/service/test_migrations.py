"""The migrations create exactly the tables of service.tables, and the newest ones go down and
up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from kiennghi.service.db import make_engine, upgrade
from kiennghi.service.tables import Base


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_match_the_tables_and_go_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        assert _differences(database_url) == []
        columns = {c["name"] for c in inspect(engine).get_columns("api_keys")}
        assert {"revoked_by", "last_used_at"} <= columns
        columns = {c["name"] for c in inspect(engine).get_columns("model_jobs")}
        assert {"owner", "heartbeat_at"} <= columns
        _downgrade(engine, "0002")
        assert "owner" not in {c["name"] for c in inspect(engine).get_columns("model_jobs")}
        assert "revoked_by" not in {c["name"] for c in inspect(engine).get_columns("api_keys")}
        upgrade(engine)
        assert _differences(database_url) == []
    finally:
        engine.dispose()


def _downgrade(engine: object, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from kiennghi.service.db import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:  # type: ignore[attr-defined]
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
