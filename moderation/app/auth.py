"""Who is calling: API keys for machines (Bearer), a role check decorator the pages can share."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from moderation.errors import AuthError, ForbiddenError
from moderation.store import Store
from moderation.store.keys import hash_key

F = TypeVar("F", bound=Callable[..., Any])
# A role may do what the roles below it may; people's roles (issue 6) slot into the same ladder.
RANK = {"scorer": 0, "annotator": 0, "moderator": 1, "admin": 2}
Authenticator = Callable[[], "dict[str, Any] | None"]


class KeyCache:
    """Verified keys remembered for ttl seconds, so a request does not pay a store round trip."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, dict[str, Any]]] = {}

    def verify(self, store: Store, key: str) -> dict[str, Any] | None:
        """The key's record, from the cache when fresh, else from the store."""
        digest = hash_key(key)
        now = time.monotonic()
        hit = self._seen.get(digest)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        record = store.verify_api_key(key)
        with self._lock:
            if record is None:
                self._seen.pop(digest, None)
            else:
                self._seen[digest] = (now, record)
        return record


def bearer_principal() -> dict[str, Any] | None:
    """The caller named by `Authorization: Bearer <key>` (AuthError for a bad key, None without one)."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise AuthError("the Authorization header must be `Bearer <API key>`")
    from moderation.app.resources import get_key_cache, get_store

    record = get_key_cache().verify(get_store(), key.strip())
    if record is None:
        raise AuthError("unknown or revoked API key")
    return {"kind": "key", "role": record["role"], "actor": f"key:{record['name'] or record['prefix']}",
            "key_prefix": record["prefix"]}


def current_principal() -> dict[str, Any] | None:
    """The caller, from the first authenticator that knows them (cached on g for the request)."""
    if "principal" not in g:
        found = None
        for authenticate in current_app.extensions["moderation"]["authenticators"]:
            found = authenticate()
            if found is not None:
                break
        g.principal = found
    return g.principal


def check_role(minimum: str) -> dict[str, Any]:
    """The caller if their role ranks at least `minimum`; AuthError (401) or ForbiddenError (403) else."""
    principal = current_principal()
    if principal is None:
        raise AuthError("an API key is required: `Authorization: Bearer <key>`")
    if RANK.get(principal["role"], -1) < RANK[minimum]:
        raise ForbiddenError(f"role {principal['role']!r} may not do this (needs {minimum!r} or above)")
    return principal


def require_role(minimum: str) -> Callable[[F], F]:
    """A view decorator: the caller must hold `minimum` or a higher role."""
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_role(minimum)
            return view(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate
