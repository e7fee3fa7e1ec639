"""The application factory: create_app(settings, classifier=None) → FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from kiennghi.service.config import ServiceConfig
from kiennghi.service.petitions.domain import Classifier
from kiennghi.service.services import Services
from kiennghi.settings import Settings

if TYPE_CHECKING:
    from kiennghi.service.modelops.provider import ModelProvider

__all__ = ["build_services", "create_app", "freeze_heap", "load_model", "serve_app"]

DESCRIPTION = """
Tiếp nhận kiến nghị của các hội và cử tri, phân loại lĩnh vực, giao cơ quan chủ trì và phối hợp,
theo dõi xử lý, báo cáo và quản lý mô hình.

Mọi địa chỉ `/api/v1` cần tiêu đề `Authorization: Bearer KEY` (tạo bằng
`kiennghi keys create --role ROLE`). Lỗi trả về dạng `application/problem+json`.
Khóa của một cơ quan chỉ thấy các kiến nghị mà cơ quan đó chủ trì hoặc phối hợp; các kiến nghị
khác trả về 404.
"""


def create_app(
    settings: Settings | None = None,
    classifier: Classifier | None = None,
    config: ServiceConfig | None = None,
    clock: Callable[[], datetime] | None = None,
    migrate: bool = True,
    provider: ModelProvider | None = None,
) -> FastAPI:
    """Build the app. Nothing is opened until the app starts (lifespan).

    ``classifier`` replaces the registry's active model (tests pass a fast fake); ``clock``
    replaces the wall clock (tests move time to make items overdue); ``provider`` is a model
    already loaded (``load_model``) by a parent process that forks the workers.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        service_config = config or ServiceConfig.from_env()
        anyio.to_thread.current_default_thread_limiter().total_tokens = service_config.threads
        services = build_services(
            settings or Settings.from_env(), service_config, classifier, clock, migrate, provider
        )
        app.state.services = services
        freeze_heap()
        try:
            yield
        finally:
            services.close()

    app = FastAPI(
        title="kiennghi — tiếp nhận và giao xử lý kiến nghị",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served from this machine by the web package (FastAPI's own pages load a CDN).
        docs_url=None,
        redoc_url=None,
    )
    _mount(app, config or ServiceConfig.from_env())
    return app


def _mount(app: FastAPI, config: ServiceConfig) -> None:
    from kiennghi.service.api import catalog, health
    from kiennghi.service.api.problems import BodyLimit, install_problem_handlers
    from kiennghi.service.auth import router as auth
    from kiennghi.service.modelops import router as models
    from kiennghi.service.petitions import router as petitions
    from kiennghi.service.reports import router as reports
    from kiennghi.service.review import router as review
    from kiennghi.service.web.mount import mount_web

    install_problem_handlers(app)
    # reports first: its /petitions/export must come before /petitions/{code}.
    for module in (health, reports, petitions, review, models, auth, catalog):
        app.include_router(module.router)
    mount_web(app, config.web_session_seconds)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes, max_upload_bytes=config.max_upload_bytes)


def freeze_heap() -> None:
    """Exempt what start-up loaded (the model: ~180,000 objects) from the garbage collector.

    A full collection walks every tracked object: ~110 ms with the model loaded, a pause every
    request in flight waits out (it was most of the p99 under load). Frozen objects are still
    freed by reference counting; only cycles among them would outlive their use.
    """
    import gc

    gc.collect()
    gc.freeze()


def load_model(
    settings: Settings, classifier: Classifier | None = None, associations: Path | None = None
) -> ModelProvider:
    """The catalog, the registry and its active model (built on a fresh install); no database.

    ``associations``: the associations list (``KIENNGHI_ASSOCIATIONS``; default: bundled).
    """
    from kiennghi.catalog import load_catalog
    from kiennghi.models.registry import open_registry
    from kiennghi.service.modelops.provider import ModelProvider
    from kiennghi.training.bootstrap import open_classifier

    provider = ModelProvider(open_registry(settings), load_catalog(settings, associations), fixed=classifier)
    provider.load(build=lambda: open_classifier(settings))
    return provider


def build_services(
    settings: Settings,
    config: ServiceConfig,
    classifier: Classifier | None,
    clock: Callable[[], datetime] | None,
    migrate: bool,
    provider: ModelProvider | None = None,
) -> Services:
    from kiennghi.service.db import database_url, make_engine, make_sessionmaker, upgrade
    from kiennghi.service.services import Services, utc_now

    engine = make_engine(database_url(settings), pool_size=config.db_pool_size, timeout=config.db_timeout)
    if migrate:
        upgrade(engine)
    if provider is None:
        provider = load_model(settings, classifier, config.associations)
    catalog, registry = provider.catalog, provider.registry
    return Services(
        settings=settings,
        config=config,
        catalog=catalog,
        associations=catalog.associations,
        engine=engine,
        sessions=make_sessionmaker(engine),
        read_sessions=make_sessionmaker(engine, read_only=True),
        registry=registry,
        provider=provider,
        clock=clock or utc_now,
        holdout_file=config.holdout_items(catalog),
    )


def serve_app() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker process calls it).

    Each worker loads the model before it accepts connections, so with several workers behind
    one socket no request meets a worker that is still loading.
    """
    import os

    # `kiennghi serve` migrates once before starting the workers.
    migrated = os.environ.get("KIENNGHI_SERVE_MIGRATED") == "1"
    return create_app(Settings.from_env(), migrate=not migrated)
