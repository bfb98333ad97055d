"""Checking a name and password: throttled per account and per client address before any hashing."""

from __future__ import annotations

import hashlib
import math
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


class ThrottleMemo:
    """Keys the store has reported throttled, and when their window ends: one worker's copy of the store's answer.

    A flood of wrong passwords for a throttled account is refused from here with no store read. Safe because a
    throttle only ends when its window does (store/throttle.py: the count never falls inside a window, and the
    sign-in that would clear it is refused while it lasts), so an entry never outlives the store's own state;
    keys not in the memo (another worker's throttles, too) are read from the store, which stays the source of
    truth. Bounded: ended entries go first, then the soonest to end."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self.limit = limit

    def until(self, keys: list[str], now: float) -> float | None:
        """The latest end of these keys' known throttles, when one is still on; else None."""
        with self._lock:
            ends = [self._until.get(key, 0.0) for key in keys]
        latest = max(ends, default=0.0)
        return latest if latest > now else None

    def remember(self, key: str, ends: float, now: float) -> None:
        """Note that the store reported this key throttled until ``ends``."""
        with self._lock:
            if key not in self._until and len(self._until) >= self.limit:
                for old in [k for k, end in self._until.items() if end <= now]:
                    del self._until[old]
                if len(self._until) >= self.limit:
                    del self._until[min(self._until, key=self._until.__getitem__)]
            self._until[key] = ends


def memo() -> ThrottleMemo:
    """The app's throttle memo (one per app, so one per gunicorn worker)."""
    return current_app.extensions["moderation"].setdefault("throttle_memo", ThrottleMemo())


def _refused(ends: float, now: float) -> TooManyFailures:
    return TooManyFailures("too many failed sign-ins: wait and try again", retry_after=max(1, math.ceil(ends - now)))


def _keys(name: str) -> tuple[str, str]:
    # Hashed: the names are the caller's, of any length and content; the table's key column is not.
    account = "account:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return account, "address:" + str(request.remote_addr or "unknown")[:60]


def attempt(store: Store, name: str, password: str) -> dict[str, Any] | None:
    """The user when name and password match; None when not; TooManyFailures (429) while throttled."""
    config = current_app.config["MODERATION"]
    window = float(config["login_window_seconds"])
    account, address = _keys(name)
    now = time.time()
    known = memo().until([account, address], now)
    if known is not None:  # a throttle this worker has already read from the store: no store read, no hash
        raise _refused(known, now)
    # Checked before the password hash: a flood of wrong passwords costs one store read each, not scrypt.
    state = throttle.windows(store, [account, address], window)
    limits = {account: config["login_failures_per_account"], address: config["login_failures_per_address"]}
    over = [(key, ends) for key, (count, ends) in state.items() if count >= limits[key]]
    if over:
        for key, ends in over:
            memo().remember(key, ends, now)
        raise _refused(max(ends for _, ends in over), now)
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
