"""People's accounts: checks and werkzeug (scrypt) password hashing around the store's users (store/users.py)."""

from __future__ import annotations

import functools
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from moderation.errors import InputError
from moderation.store import Store
from moderation.turns import off_turn

# Each role may do what the roles before it may: label < moderate queues < manage users and settings.
ROLES = ("annotator", "moderator", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
MIN_PASSWORD = 8


@functools.cache
def _dummy_hash() -> str:
    # Checked when the name is unknown, so an unknown name takes as long to refuse as a wrong password.
    return off_turn(generate_password_hash, "not a password of anyone")


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
    return store.add_user(name, role, off_turn(generate_password_hash, password))


def authenticate(store: Store, name: str, password: str) -> dict[str, Any] | None:
    """The active user with this name and password, else None (the same hash work whatever the name)."""
    found = store.user_credentials(name)
    # Off the worker's turn: the next request is served while the hash runs (moderation/turns.py).
    matches = off_turn(check_password_hash, found[1] if found is not None else _dummy_hash(), password)
    if found is None or not found[0]["active"] or not matches:
        return None
    return found[0]


def end_sessions(store: Store, user_id: int) -> None:
    """Sign the user out everywhere: sessions carrying the old epoch stop being valid."""
    store.end_user_sessions(user_id)


def get_user(store: Store, user_id: int) -> dict[str, Any] | None:
    """The user with this id, or None."""
    return store.get_user(user_id)


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user, by name."""
    return store.list_users()


def update_user(store: Store, name: str, *, role: str | None = None, active: bool | None = None,
                password: str | None = None) -> dict[str, Any]:
    """Change a user's role, active flag or password (NotFoundError for an unknown name)."""
    _check(name, role or ROLES[0], password)
    return store.change_user(name, role=role, active=active,
                             password_hash=None if password is None else off_turn(generate_password_hash, password))


def may(user: dict[str, Any] | None, minimum: str) -> bool:
    """True when the user's role ranks at least `minimum`."""
    return user is not None and RANK.get(user["role"], -1) >= RANK[minimum]
