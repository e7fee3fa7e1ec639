"""Upload a CSV/XLSX of petitions from the browser: a progress bar while it is sent, then the
per-row report (created, already stored, errors with the reason)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kiennghi.service.petitions.upload import UPLOAD_SUFFIXES, upload_stream
from kiennghi.service.web.deps import PREFIX, Web, WebAuthorizer

router = APIRouter(prefix=PREFIX)

Uploader = Annotated[Web, Depends(WebAuthorizer("petition.create"))]


@router.get("/upload")
def upload_page(web: Uploader) -> Response:
    return web.page("upload.html", suffixes=UPLOAD_SUFFIXES, limit=web.services.config.max_upload_bytes)


@router.post("/upload")
async def upload(web: Uploader, file: Annotated[UploadFile, File()]) -> Response:
    report = await run_in_threadpool(
        upload_stream, web.services.unit, web.principal, web.services.classifier(), file.file, file.filename
    )
    return web.page("upload_report.html", report=report)
