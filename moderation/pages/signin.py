"""Checking a name and password: throttled per account and per client address before any hashing."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from flask import current_app, request

from moderation.errors import RateLimitError
from moderation.pages import accounts
from moderation.store import Store, throttle


class TooManyFailures(RateLimitError):
    """Too many failed sign-ins for this account or from this address; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _HashBudget:
    """At most one password hash in flight per worker process, and one per interval: a flood of sign-ins
    (each one scrypt, ~0.2 s of a core) cannot take a worker's threads or the cores the scoring requests need.
    Never waited for: a sign-in over budget answers 429 with Retry-After 1 at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False
        self._last = -float("inf")

    def take(self, interval: float) -> bool:
        """True (and the hash may start) when none is in flight and the last began ``interval`` seconds ago."""
        with self._lock:
            now = time.monotonic()
            if self._busy or now < self._last + interval:
                return False
            self._busy, self._last = True, now
            return True

    def done(self) -> None:
        """The hash has finished."""
        with self._lock:
            self._busy = False


_BUDGET = _HashBudget()


def _keys(name: str) -> tuple[str, str]:
    # Hashed: the names are the caller's, of any length and content; the table's key column is not.
    account = "account:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return account, "address:" + str(request.remote_addr or "unknown")[:60]


def attempt(store: Store, name: str, password: str) -> dict[str, Any] | None:
    """The user when name and password match; None when not; TooManyFailures (429) while throttled."""
    config = current_app.config["MODERATION"]
    window = float(config["login_window_seconds"])
    account, address = _keys(name)
    # Checked before the password hash: a flood of wrong passwords costs one store read each, not scrypt.
    counts = throttle.failures(store, [account, address], window)
    if (counts[account] >= config["login_failures_per_account"]
            or counts[address] >= config["login_failures_per_address"]):
        raise TooManyFailures("too many failed sign-ins: wait and try again", retry_after=int(window))
    if not _BUDGET.take(float(config["login_hash_interval_seconds"])):
        raise TooManyFailures("sign-in busy: try again in a second", retry_after=1)
    try:
        user = accounts.authenticate(store, name, password)
    finally:
        _BUDGET.done()
    if user is None:
        throttle.record_failure(store, [account, address], window)
    else:
        throttle.clear(store, account)
    return user
