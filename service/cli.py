"""Service commands of the `kiennghi` CLI: serve, import, db upgrade, keys create / list / revoke,
models activate / rollback. Each calls the same service function as the HTTP handler does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy import Engine

    from kiennghi.service.auth.permissions import Principal
    from kiennghi.service.context import Context, UnitFactory
    from kiennghi.service.modelops.service import ModelOps
    from kiennghi.settings import Settings

__all__ = ["db_app", "import_file", "keys_app", "models_activate", "models_rollback", "serve"]


db_app = typer.Typer(help="Cơ sở dữ liệu của dịch vụ.", no_args_is_help=True)
keys_app = typer.Typer(help="Khóa API của dịch vụ.", no_args_is_help=True)


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _settings() -> Settings:
    """The settings from the environment; an unusable one (e.g. KIENNGHI_TIMEZONE) exits with 1."""
    from kiennghi.errors import KienNghiError
    from kiennghi.settings import Settings

    try:
        return Settings.from_env()
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e


def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng.")] = 8000,
    workers: Annotated[int, typer.Option(help="Số tiến trình (nên dùng PostgreSQL khi > 1).")] = 1,
) -> None:
    """Chạy dịch vụ web: giao diện cho cán bộ tại /ui, API /api/v1, tài liệu tại /docs."""
    from kiennghi.logs import configure_logging

    configure_logging()

    from kiennghi.errors import KienNghiError
    from kiennghi.models.registry import open_registry
    from kiennghi.service.db import database_url, make_engine, upgrade
    from kiennghi.training.bootstrap import open_classifier

    settings = _settings()
    try:
        url = database_url(settings)
        engine = make_engine(url)
        upgrade(engine)
        _fail_stale_jobs(engine)
        engine.dispose()
        if open_registry(settings).active_version() is None:
            _err("Chưa có mô hình: đang xây dựng mô hình mặc định từ kho mẫu (chỉ lần đầu)…")
            open_classifier(settings)
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    if workers > 1 and url.startswith("sqlite"):
        _err(
            "Lưu ý: nhiều tiến trình trên SQLite chỉ có một tiến trình ghi tại một thời điểm; "
            "dùng PostgreSQL (KIENNGHI_DATABASE_URL) cho tải lớn."
        )
    _err(
        f"Dịch vụ kiennghi tại http://{host}:{port} ({workers} tiến trình): giao diện cán bộ "
        f"http://{host}:{port}/ui/ (đăng nhập bằng khóa của 'kiennghi keys create'); tài liệu API: /docs"
    )
    os.environ["KIENNGHI_SERVE_MIGRATED"] = "1"  # read by the workers' app factory
    from kiennghi.service.server import serve as run_server

    run_server(host, port, workers)


def _fail_stale_jobs(engine: Engine) -> None:
    """Retraining jobs left running by a previous run of the service are declared failed."""
    from datetime import UTC

    from kiennghi.service.config import ServiceConfig
    from kiennghi.service.db import make_sessionmaker
    from kiennghi.service.modelops.jobs import fail_stale_jobs
    from kiennghi.service.modelops.repository import JobRepository

    with make_sessionmaker(engine)() as session, session.begin():
        fail_stale_jobs(JobRepository(session), datetime.now(UTC), ServiceConfig.from_env().job_limits)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Tạo hoặc nâng cấp lược đồ cơ sở dữ liệu (Alembic)."""
    from kiennghi.service.db import database_url, make_engine, upgrade

    url = database_url(_settings())
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    typer.echo(f"Đã nâng cấp cơ sở dữ liệu: {engine.url.render_as_string(hide_password=True)}")


@contextmanager
def _database(settings: Settings) -> Iterator[UnitFactory]:
    """Units of work on the configured database (migrated first); domain errors exit with 1.

    Each call of the yielded factory opens one transaction, committed when its block ends.
    """
    from datetime import UTC

    from kiennghi.catalog import load_catalog
    from kiennghi.errors import KienNghiError
    from kiennghi.service.config import ServiceConfig
    from kiennghi.service.context import Context
    from kiennghi.service.db import database_url, make_engine, make_sessionmaker, upgrade

    try:
        engine = make_engine(database_url(settings))
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    try:
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        catalog = load_catalog(settings, ServiceConfig.from_env().associations)
        associations = catalog.associations

        @contextmanager
        def unit() -> Iterator[Context]:
            with sessions() as session, session.begin():
                yield Context(session, catalog, associations, datetime.now(UTC), settings.zone)

        yield unit
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    finally:
        engine.dispose()


def _operator() -> Principal:
    """Whoever runs the command line on the server: it may manage keys (recorded as such)."""
    import getpass

    from kiennghi.service.auth.permissions import Principal

    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no user name in some containers
        user = ""
    return Principal(key_id=0, name=f"dòng lệnh ({user})" if user else "dòng lệnh", role="admin")


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    """A stored UTC instant on the province's clock (KIENNGHI_TIMEZONE)."""
    from kiennghi.timezone import local_time

    return local_time(moment, zone).strftime("%d/%m/%Y %H:%M") if moment else ""


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="admin, secretariat, analyst hoặc department.")],
    department: Annotated[str | None, typer.Option(help="Mã cơ quan (vai trò department).")] = None,
    name: Annotated[str, typer.Option(help="Tên gợi nhớ của khóa.")] = "",
) -> None:
    """Tạo khóa API; khóa được in ở dòng cuối cùng và chỉ hiện một lần."""
    from kiennghi.service.auth.keys import create_key

    with _database(_settings()) as unit, unit() as ctx:
        key_id, key = create_key(ctx, role, department, name)
    scope = f" cho cơ quan {department}" if department else ""
    typer.echo(f"Đã tạo khóa số {key_id}, vai trò {role}{scope}. Lưu khóa ngay, khóa chỉ hiện một lần:")
    typer.echo(key)


@keys_app.command("list")
def keys_list() -> None:
    """Liệt kê các khóa API (số, tiền tố, tên, vai trò, cơ quan, ngày tạo, lần dùng gần nhất, thu hồi)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from kiennghi.service.auth.keys import list_keys

    settings = _settings()
    with _database(settings) as unit, unit() as ctx:
        keys = list_keys(ctx, _operator())
    zone = settings.zone
    table = Table(title=f"Khóa API ({len(keys)}; giờ {zone.key})")
    for header in ("Số", "Tiền tố", "Tên", "Vai trò", "Cơ quan", "Tạo lúc", "Dùng gần nhất", "Thu hồi"):
        table.add_column(header)
    for k in keys:
        revoked = f"{_when(k.revoked_at, zone)} bởi {k.revoked_by}" if k.revoked else ""
        cells = (
            str(k.id),
            k.prefix,
            k.name,
            k.role,
            k.department or "",
            _when(k.created_at, zone),
            _when(k.last_used_at, zone),
            revoked,
        )
        # Names and identities are data, not rich markup ("[admin]" would vanish).
        table.add_row(*(escape(c) for c in cells), style="dim" if k.revoked else None)
    Console(width=200).print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="Số khóa hoặc tiền tố (như trong 'kiennghi keys list').")],
) -> None:
    """Thu hồi khóa API: mọi tiến trình của dịch vụ từ chối khóa này ngay (401)."""
    from kiennghi.service.auth.keys import revoke_key
    from kiennghi.service.auth.revocation import RevocationSignal

    settings = _settings()
    with _database(settings) as unit:
        info = revoke_key(unit, RevocationSignal.in_home(settings.home), _operator(), key)
    scope = f", cơ quan {info.department}" if info.department else ""
    typer.echo(
        f"Đã thu hồi khóa số {info.id} ({info.name}, vai trò {info.role}{scope}, tiền tố {info.prefix})."
    )


def import_file(
    path: Annotated[Path, typer.Argument(help="Tệp báo cáo tổng hợp kiến nghị (.csv, .xlsx, .jsonl).")],
    report: Annotated[
        Path | None, typer.Option("--report", help="Ghi báo cáo từng dòng ra tệp (.csv, .xlsx, .jsonl).")
    ] = None,
) -> None:
    """Nhập danh sách kiến nghị vào cơ sở dữ liệu: phân loại, giao cơ quan, lưu (nhập lại không tạo trùng)."""
    from collections import Counter

    from kiennghi.errors import KienNghiError
    from kiennghi.io.tabular import open_writer
    from kiennghi.logs import configure_logging
    from kiennghi.models.registry import open_registry
    from kiennghi.service.app import build_services
    from kiennghi.service.auth.permissions import Principal
    from kiennghi.service.config import ServiceConfig
    from kiennghi.service.db import database_url
    from kiennghi.service.petitions.upload import upload_file

    configure_logging(os.environ.get("KIENNGHI_LOG_LEVEL") or "WARNING")  # the summary below says the rest
    settings = _settings()
    if not path.is_file():
        _err(f"Lỗi: không tìm thấy tệp {path}")
        raise typer.Exit(1)
    try:
        if open_registry(settings).active_version() is None:
            _err(
                "Chưa có mô hình: đang xây dựng mô hình mặc định từ kho mẫu đi kèm "
                "(chỉ lần đầu, khoảng 30–60 giây, không cần mạng)…"
            )
        services = build_services(settings, ServiceConfig.from_env(), None, None, migrate=True)
        # The command line acts as the secretariat; history records it as such.
        principal = Principal(key_id=0, name="dòng lệnh", role="secretariat")
        with services.unit() as ctx:
            result = upload_file(
                ctx,
                principal,
                services.provider.current(),
                path,
                path.name,
                max_rows=1_000_000,
            )
        services.engine.dispose()
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    if report is not None:
        writer = open_writer(
            report, ["row", "status", "id", "lead_department", "needs_review", "duplicate_of_row", "error"]
        )
        for row in result.rows:
            writer.write(row)
        writer.close()
    created = [r for r in result.rows if r.get("status") == "created"]
    review = sum(1 for r in created if r.get("needs_review"))
    _err(
        f"Đã nhập {path.name}: {result.created} kiến nghị mới, {result.duplicates} trùng "
        f"(đã có), {result.errors} dòng lỗi; {review} kiến nghị chờ cán bộ duyệt."
    )
    # Items waiting in the review queue have no lead body until a clerk confirms one.
    for body, count in Counter(
        r.get("lead_department") or "(chờ duyệt, chưa giao)" for r in created
    ).most_common():
        _err(f"  {body:30s} {count}")
    for row in result.rows:
        if row.get("status") == "error":
            _err(f"  dòng {row['row']}: {row['error']}")
    _err(f"Cơ sở dữ liệu: {database_url(settings)}")


@contextmanager
def _model_ops(settings: Settings) -> Iterator[ModelOps]:
    """The service's model operations from the command line (no model is loaded here)."""
    from datetime import UTC

    from kiennghi.catalog import load_catalog
    from kiennghi.models.registry import open_registry
    from kiennghi.service.config import ServiceConfig
    from kiennghi.service.modelops.service import ModelOps

    config = ServiceConfig.from_env()
    catalog = load_catalog(settings)
    with _database(settings) as unit:
        yield ModelOps(
            registry=open_registry(settings),
            catalog=catalog,
            provider=None,
            unit=unit,
            reader=unit,
            clock=lambda: datetime.now(UTC),
            limits=config.job_limits,
            training_data=config.training_corpus(),
            holdout_file=config.holdout_items(catalog),
        )


def models_activate(
    version: Annotated[str, typer.Argument(help="Phiên bản cần kích hoạt.")],
    force: Annotated[
        bool, typer.Option("--force", help="Kích hoạt cả khi kém hơn phiên bản đang dùng.")
    ] = False,
) -> None:
    """Kích hoạt một phiên bản mô hình (từ chối nếu kém hơn phiên bản đang dùng trên dữ liệu đối
    chứng, trừ khi có --force); mọi tiến trình của dịch vụ dùng phiên bản này ngay."""
    from kiennghi.errors import KienNghiError

    settings = _settings()
    try:
        with _model_ops(settings) as ops:
            result = ops.activate(_operator(), version, force)
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    change = result.get("lead_accuracy_change")
    compared = (
        f" (so với {result['baseline']}: độ chính xác cơ quan chủ trì {change:+.1%} "
        f"trên {result['n']} kiến nghị đối chứng)"
        if change is not None
        else ""
    )
    typer.echo(f"Đã kích hoạt mô hình {version}{compared}{' — bắt buộc (--force)' if force else ''}.")


def models_rollback() -> None:
    """Quay lại phiên bản được kích hoạt trước đó."""
    from kiennghi.errors import KienNghiError

    settings = _settings()
    try:
        with _model_ops(settings) as ops:
            version = ops.rollback(_operator())
    except KienNghiError as e:
        _err(f"Lỗi: {e}")
        raise typer.Exit(1) from e
    typer.echo(f"Đã quay lại mô hình {version}.")
