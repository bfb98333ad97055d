"""People's accounts: users in the store with a role, a werkzeug (scrypt) password hash and a session epoch."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from moderation.errors import ConflictError, InputError, NotFoundError
from moderation.store import Store, schema
from moderation.store.core import utcnow

# Each role may do what the roles before it may: label < moderate queues < manage users and settings.
ROLES = ("annotator", "moderator", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
MIN_PASSWORD = 8


def _user(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "active": bool(row.active),
            "session_epoch": row.session_epoch}


@functools.cache
def _dummy_hash() -> str:
    # Checked when the name is unknown, so an unknown name takes as long to refuse as a wrong password.
    return generate_password_hash("not a password of anyone")


def _check(name: str, role: str, password: str | None) -> None:
    if not name or not name.strip() or len(name) > 200 or any(ch.isspace() for ch in name):
        raise InputError("a user name is 1-200 characters without spaces", field="name")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (one of {', '.join(ROLES)})", field="role")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters", field="password")


def create_user(store: Store, name: str, role: str, password: str) -> dict[str, Any]:
    """Add a user (ConflictError when the name is taken)."""
    _check(name, role, password)
    with store.write() as conn:
        if conn.execute(select(schema.users.c.id).where(schema.users.c.name == name)).first():
            raise ConflictError(f"user {name!r} already exists", field="name")
        result = conn.execute(schema.users.insert().values(
            name=name, role=role, password_hash=generate_password_hash(password), active=True,
            created_at=utcnow()))
        return {"id": int(result.inserted_primary_key[0]), "name": name, "role": role, "active": True,
                "session_epoch": 0}


def authenticate(store: Store, name: str, password: str) -> dict[str, Any] | None:
    """The active user with this name and password, else None (the same hash work whatever the name)."""
    with store.read() as conn:
        row = conn.execute(select(schema.users).where(schema.users.c.name == name)).first()
    matches = check_password_hash(row.password_hash if row is not None else _dummy_hash(), password)
    if row is None or not row.active or not matches:
        return None
    return _user(row)


def end_sessions(store: Store, user_id: int) -> None:
    """Sign the user out everywhere: sessions carrying the old epoch stop being valid."""
    with store.write() as conn:
        conn.execute(update(schema.users).where(schema.users.c.id == user_id)
                     .values(session_epoch=schema.users.c.session_epoch + 1))


def get_user(store: Store, user_id: int) -> dict[str, Any] | None:
    """The user with this id, or None."""
    with store.read() as conn:
        row = conn.execute(select(schema.users).where(schema.users.c.id == user_id)).first()
    return _user(row) if row else None


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user, by name."""
    with store.read() as conn:
        return [_user(r) for r in conn.execute(select(schema.users).order_by(schema.users.c.name))]


def update_user(store: Store, name: str, *, role: str | None = None, active: bool | None = None,
                password: str | None = None) -> dict[str, Any]:
    """Change a user's role, active flag or password (NotFoundError for an unknown name)."""
    _check(name, role or ROLES[0], password)
    values: dict[str, Any] = {}
    if role is not None:
        values["role"] = role
    if active is not None:
        values["active"] = active
    if password is not None:
        values["password_hash"] = generate_password_hash(password)
        values["session_epoch"] = schema.users.c.session_epoch + 1  # a new password ends every old session
    with store.write() as conn:
        if values:
            result = conn.execute(update(schema.users).where(schema.users.c.name == name).values(**values))
            if result.rowcount == 0:
                raise NotFoundError(f"unknown user {name!r}", field="name")
        row = conn.execute(select(schema.users).where(schema.users.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"unknown user {name!r}", field="name")
    return _user(row)


def may(user: dict[str, Any] | None, minimum: str) -> bool:
    """True when the user's role ranks at least `minimum`."""
    return user is not None and RANK.get(user["role"], -1) >= RANK[minimum]
