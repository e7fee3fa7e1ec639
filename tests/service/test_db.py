"""The database layer: the migrations' head as read without Alembic, and the start-up shortcut."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from kiennghi.service.db import make_engine, migrations_dir, shipped_head, upgrade


def test_shipped_head_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    assert shipped_head() == ScriptDirectory.from_config(config).get_current_head()


def test_upgrade_creates_the_schema_then_finds_nothing_to_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kiennghi.db'}")
    try:
        upgrade(engine)
        upgrade(engine)  # at head: returns without running Alembic
        with engine.connect() as conn:
            stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            assert stamped == shipped_head()
            assert conn.execute(text("SELECT count(*) FROM petitions")).scalar_one() == 0
    finally:
        engine.dispose()


def test_two_transactions_opening_the_same_year_both_get_numbers(database_url: str) -> None:
    """The first numbers of a year: both writers race to create the year's counter row; the
    loser's failed insert is rolled back to its savepoint, not the whole transaction."""
    import threading
    import time

    from kiennghi.service.db import make_sessionmaker
    from kiennghi.service.petitions.repository import PetitionRepository

    engine = make_engine(database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    both_read = threading.Barrier(2, timeout=10)
    got: list[object] = []

    def writer() -> None:
        try:
            with sessions() as session, session.begin():
                repo = PetitionRepository(session)
                if engine.dialect.name == "postgresql":
                    session.execute(text("SELECT 1"))
                    both_read.wait()  # both transactions see no counter row for the year
                numbers = repo.next_numbers(2031, 3)
                time.sleep(0.2)  # the other writer's insert meets this one's uncommitted row
                got.append(list(numbers))
        except Exception as e:
            got.append(e)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert sorted(got) == [[1, 2, 3], [4, 5, 6]]  # type: ignore[type-var]
