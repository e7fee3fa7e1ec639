"""Service commands of the `kiennghi` CLI: serve, db upgrade, keys create."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["db_app", "keys_app", "serve"]

db_app = typer.Typer(help="Cơ sở dữ liệu của dịch vụ.", no_args_is_help=True)
keys_app = typer.Typer(help="Khóa API của dịch vụ.", no_args_is_help=True)


def _err(message: str) -> None:
    typer.echo(message, err=True)


def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng.")] = 8000,
    workers: Annotated[int, typer.Option(help="Số tiến trình (nên dùng PostgreSQL khi > 1).")] = 1,
) -> None:
    """Chạy dịch vụ web (API /api/v1, tài liệu tại /docs)."""
    import os

    import uvicorn

    from kiennghi.errors import KienNghiError
    from kiennghi.loader import open_classifier, open_registry
    from kiennghi.settings import Settings
    from service.db import database_url, make_engine, upgrade

    settings = Settings.from_env()
    try:
        url = database_url(settings)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        if open_registry(settings).active_version() is None:
            _err("Chưa có mô hình: đang xây dựng mô hình mặc định từ kho mẫu (chỉ lần đầu)…")
            open_classifier(settings)
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    if workers > 1 and url.startswith("sqlite"):
        _err("Lưu ý: nhiều tiến trình trên SQLite chỉ có một tiến trình ghi tại một thời điểm; "
             "dùng PostgreSQL (KIENNGHI_DATABASE_URL) cho tải lớn.")
    _err(f"Dịch vụ kiennghi tại http://{host}:{port} ({workers} tiến trình); tài liệu: /docs")
    os.environ["KIENNGHI_SERVE_MIGRATED"] = "1"  # read by the workers' app factory
    uvicorn.run("service.app:serve_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu (Alembic)."""
    from kiennghi.settings import Settings
    from service.db import database_url, make_engine, upgrade

    url = database_url(Settings.from_env())
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    typer.echo(f"Đã nâng cấp cơ sở dữ liệu: {engine.url.render_as_string(hide_password=True)}")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="admin, secretariat, analyst hoặc department.")],
    department: Annotated[str | None, typer.Option(help="Mã cơ quan (vai trò department).")] = None,
    name: Annotated[str, typer.Option(help="Tên gợi nhớ của khóa.")] = "",
) -> None:
    """Tạo khóa API; khóa được in ở dòng cuối cùng và chỉ hiện một lần."""
    from datetime import UTC, datetime

    from kiennghi.catalog import load_catalog
    from kiennghi.errors import KienNghiError
    from kiennghi.settings import Settings
    from service.db import database_url, make_engine, make_sessionmaker, upgrade
    from service.keys import create_key
    from service.repository import Repository

    settings = Settings.from_env()
    engine = make_engine(database_url(settings))
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as session, session.begin():
            key_id, key = create_key(Repository(session), load_catalog(settings), role,
                                     department, name, datetime.now(UTC))
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    finally:
        engine.dispose()
    scope = f" cho cơ quan {department}" if department else ""
    typer.echo(f"Đã tạo khóa số {key_id}, vai trò {role}{scope}. "
               "Lưu khóa ngay, khóa chỉ hiện một lần:")
    typer.echo(key)
