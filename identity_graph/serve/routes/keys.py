"""API keys (admin): ``GET /v1/keys``, ``POST /v1/keys``, ``DELETE /v1/keys/{name}``.

The same as ``idgraph keys list|add|revoke``. A new key is in the response once and never
again (the store keeps its hash). Key changes are written to the audit log too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from ...access import keys as keys_lib
from ...access.keys import Permission, Role
from ..auth import Access, require
from ..errors import ERROR_RESPONSES, ErrorBody

__all__ = ["router"]

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERROR_RESPONSES)
Admin = Annotated[Access, Depends(require(Permission.MANAGE_KEYS))]


class Key(BaseModel):
    name: str
    role: Role
    source: str | None = None
    created_at: str
    revoked_at: str | None = None


class NewKey(BaseModel):
    name: str = Field(description="Who holds the key, e.g. housing-app (letters, digits, . _ -).", max_length=64)
    role: Role
    source: str | None = Field(None, description="Bind a match or service key to this source.", max_length=200)


class CreatedKey(BaseModel):
    key: Key
    secret: str = Field(description="The key to send as Authorization: Bearer ...; shown this once.")


@router.get("", response_model=list[Key], summary="Every key (never the keys themselves)")
def list_keys(access: Admin) -> list[Key]:
    with access.service.reading() as store:
        return [Key(**k.to_dict()) for k in keys_lib.list_keys(store)]  # type: ignore[arg-type]


@router.post("", response_model=CreatedKey, status_code=201, summary="Make a key (shown once)")
def add_key(body: NewKey, access: Admin) -> CreatedKey:
    with access.service.writing() as store:
        made, secret = keys_lib.add_key(store, body.name, body.role, body.source)
    access.audit([(None, None)], detail=f"added key {made.name} ({made.role.value})")
    return CreatedKey(key=Key(**made.to_dict()), secret=secret)  # type: ignore[arg-type]


@router.delete("/{name}", response_model=Key, summary="Revoke a key at once",
               responses={404: {"model": ErrorBody, "description": "No active key of that name."}})
def revoke_key(name: Annotated[str, Path(max_length=64)], access: Admin) -> Key:
    with access.service.writing() as store:
        keys_lib.revoke_key(store, name)
        revoked = next(k for k in keys_lib.list_keys(store) if k.name == name)
    access.audit([(None, None)], detail=f"revoked key {name}")
    return Key(**revoked.to_dict())  # type: ignore[arg-type]
