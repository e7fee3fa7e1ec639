"""Pages: review (to be written)."""

from __future__ import annotations

from fastapi import APIRouter

from kiennghi.service.web.deps import PREFIX

router = APIRouter(prefix=PREFIX)
