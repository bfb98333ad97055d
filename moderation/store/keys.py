"""API keys for machine callers: only a sha256 of each key is stored, found by its public prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import select, update

from moderation.errors import InputError, NotFoundError
from moderation.store import schema
from moderation.store.core import StoreBase, utcnow

KEY_ROLES = ("scorer", "moderator", "admin")
_PREFIX_BYTES = 6


def hash_key(key: str) -> str:
    """The stored form of a key: hex sha256 (keys are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split_key(key: str) -> str | None:
    """The lookup prefix of a key shaped `mod_<prefix>_<secret>`, or None for anything else."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "mod" or not parts[1] or not parts[2]:
        return None
    return parts[1]


def _key_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "prefix": row.prefix, "role": row.role, "name": row.name,
            "created_at": row.created_at, "revoked_at": row.revoked_at}


class KeysMixin(StoreBase):
    """Create, verify, list and revoke API keys."""

    def create_api_key(self, role: str, name: str | None = None) -> tuple[str, dict[str, Any]]:
        """A new key (returned once, never stored in clear) and its record."""
        if role not in KEY_ROLES:
            raise InputError(f"unknown role {role!r} (one of {', '.join(KEY_ROLES)})", field="role")
        prefix = secrets.token_hex(_PREFIX_BYTES)
        key = f"mod_{prefix}_{secrets.token_urlsafe(32).replace('_', '-')}"
        with self.write() as conn:
            result = conn.execute(schema.api_keys.insert().values(
                prefix=prefix, key_hash=hash_key(key), role=role, name=name, created_at=utcnow()))
            key_id = int(result.inserted_primary_key[0])
        return key, {"id": key_id, "prefix": prefix, "role": role, "name": name}

    def verify_api_key(self, key: str) -> dict[str, Any] | None:
        """The key's record when the key is valid and not revoked, else None."""
        prefix = split_key(key)
        if prefix is None:
            return None
        with self.read() as conn:
            row = conn.execute(select(schema.api_keys).where(schema.api_keys.c.prefix == prefix)).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.key_hash, hash_key(key)):
            return None
        return _key_dict(row)

    def list_api_keys(self) -> list[dict[str, Any]]:
        """Every key's record (never the key), oldest first."""
        with self.read() as conn:
            return [_key_dict(r) for r in conn.execute(select(schema.api_keys).order_by(schema.api_keys.c.id))]

    def revoke_api_key(self, prefix: str) -> None:
        """Revoke the key with this prefix (NotFoundError when there is none)."""
        with self.write() as conn:
            result = conn.execute(update(schema.api_keys).where(schema.api_keys.c.prefix == prefix)
                                  .values(revoked_at=utcnow()))
            if result.rowcount == 0:
                raise NotFoundError(f"no API key with prefix {prefix!r}", field="prefix")
