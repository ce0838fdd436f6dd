"""``GET /v1/health``: the one route without a key. It says the service is up, nothing more."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

__all__ = ["router"]

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str


@router.get("/v1/health", response_model=Health, summary="Is the service up? (no key needed)")
def health() -> Health:
    return Health(status="ok")
