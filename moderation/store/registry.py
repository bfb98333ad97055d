"""The model registry: every trained model folder registered, one of them current."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from moderation.errors import ConflictError, NotFoundError
from moderation.store import schema
from moderation.store.core import StoreBase, utcnow


def _model_dict(row: Any) -> dict[str, Any]:
    return {"version": row.version, "path": row.path, "manifest": row.manifest,
            "registered_at": row.registered_at, "promoted_at": row.promoted_at}


class RegistryMixin(StoreBase):
    """Register, list and promote models."""

    def register_model(self, version: str, path: str, manifest: dict[str, Any]) -> None:
        """Record a model folder under its version (ConflictError if the version exists)."""
        with self.write() as conn:
            if conn.execute(select(schema.models.c.id).where(schema.models.c.version == version)).first():
                raise ConflictError(f"model version {version!r} is already registered")
            conn.execute(schema.models.insert().values(version=version, path=path, manifest=manifest,
                                                       registered_at=utcnow()))

    def promote_model(self, version: str) -> None:
        """Make a registered model the current one (the newest promotion wins)."""
        with self.write() as conn:
            result = conn.execute(update(schema.models).where(schema.models.c.version == version)
                                  .values(promoted_at=utcnow()))
            if result.rowcount == 0:
                raise NotFoundError(f"unknown model version {version!r}")

    def current_model(self) -> dict[str, Any] | None:
        """The most recently promoted model, or None."""
        with self.read() as conn:
            row = conn.execute(select(schema.models).where(schema.models.c.promoted_at.is_not(None))
                               .order_by(schema.models.c.promoted_at.desc(), schema.models.c.id.desc())
                               .limit(1)).first()
        return _model_dict(row) if row else None

    def list_models(self) -> list[dict[str, Any]]:
        """Every registered model, oldest first."""
        with self.read() as conn:
            return [_model_dict(r) for r in conn.execute(select(schema.models).order_by(schema.models.c.id))]
