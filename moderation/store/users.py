"""People's accounts: the users table (name, role, password hash, active flag, session epoch)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from moderation.errors import ConflictError, NotFoundError
from moderation.store import schema
from moderation.store.core import StoreBase, utcnow

U = schema.users


def _user(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "active": bool(row.active),
            "session_epoch": row.session_epoch}


class UsersMixin(StoreBase):
    """Add, find, list and change users; passwords arrive already hashed (moderation.pages.accounts)."""

    def add_user(self, name: str, role: str, password_hash: str) -> dict[str, Any]:
        """Insert an active user (ConflictError when the name is taken)."""
        with self.write() as conn:
            if conn.execute(select(U.c.id).where(U.c.name == name)).first():
                raise ConflictError(f"user {name!r} already exists", field="name")
            result = conn.execute(U.insert().values(name=name, role=role, password_hash=password_hash,
                                                    active=True, created_at=utcnow()))
            return {"id": int(result.inserted_primary_key[0]), "name": name, "role": role, "active": True,
                    "session_epoch": 0}

    def user_credentials(self, name: str) -> tuple[dict[str, Any], str] | None:
        """The user with this name and their password hash, or None."""
        with self.read() as conn:
            row = conn.execute(select(U).where(U.c.name == name)).first()
        return (_user(row), row.password_hash) if row is not None else None

    def get_user(self, user_id: int) -> dict[str, Any] | None:
        """The user with this id, or None."""
        with self.read() as conn:
            row = conn.execute(select(U).where(U.c.id == user_id)).first()
        return _user(row) if row is not None else None

    def has_active_admin(self) -> bool:
        """True when at least one active user has the admin role (one indexed read, not the whole table)."""
        with self.read() as conn:
            return conn.execute(select(U.c.id).where(U.c.role == "admin", U.c.active.is_(True)).limit(1)).first() \
                is not None

    def list_users(self) -> list[dict[str, Any]]:
        """Every user, by name."""
        with self.read() as conn:
            return [_user(r) for r in conn.execute(select(U).order_by(U.c.name))]

    def change_user(self, name: str, *, role: str | None = None, active: bool | None = None,
                    password_hash: str | None = None) -> dict[str, Any]:
        """Set what is given; a new password hash ends every old session (NotFoundError for an unknown name)."""
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role
        if active is not None:
            values["active"] = active
        if password_hash is not None:
            values["password_hash"] = password_hash
            values["session_epoch"] = U.c.session_epoch + 1
        with self.write() as conn:
            if values:
                conn.execute(update(U).where(U.c.name == name).values(**values))
            row = conn.execute(select(U).where(U.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"unknown user {name!r}", field="name")
        return _user(row)

    def end_user_sessions(self, user_id: int) -> None:
        """Bump the user's session epoch: sessions signed with the old one stop being valid."""
        with self.write() as conn:
            conn.execute(update(U).where(U.c.id == user_id).values(session_epoch=U.c.session_epoch + 1))
