"""Requests take turns in a worker process; a password hash is done off the turn, at low priority.

A gunicorn worker runs a few threads, but only one request computes at a time (`turn`): two scoring requests
sharing one interpreter would take the GIL from each other and both finish late, where one after the other the
first is not delayed at all. The other threads hold the connections that wait.

A password hash (scrypt, ~0.1-0.2 s of a core, and it releases the GIL) is the one piece of work that must not
hold the turn: a sign-in flood would otherwise hold a worker for every hash it gets, and every scoring request
of that worker's connections would queue behind it. `off_turn` runs the hash in the process's own hashing
thread, niced to the lowest CPU priority so the scoring requests of every worker come first, and lets the next
request take the turn until the hash is done.

Outside a turn (another WSGI server, the Flask test client, the command line) `off_turn` still hashes in the
hashing thread, at low priority; it just has no turn to give up.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

LOWEST_PRIORITY = 19

_TURN = threading.Lock()
_HOLDER = threading.local()
_POOL_LOCK = threading.Lock()
_POOL: tuple[int, ThreadPoolExecutor] | None = None
_ASIDE: tuple[Callable[[], None], Callable[[], None]] | None = None  # the request pool's step_aside / step_back


def on_step_aside(aside: Callable[[], None], back: Callable[[], None]) -> None:
    """Tell the process's request pool when a request gives its turn up for a hash (``aside``) and takes it back
    (``back``): the pool starts the next request meanwhile (moderation/threadpool.py, serial)."""
    global _ASIDE
    _ASIDE = (aside, back)


@contextmanager
def turn() -> Iterator[None]:
    """Hold this process's turn for the block: the request computes alone."""
    with _TURN:
        _HOLDER.held = True
        try:
            yield
        finally:
            _HOLDER.held = False


def holds_turn() -> bool:
    """True inside `turn()` in this thread (and not stepped aside)."""
    return bool(getattr(_HOLDER, "held", False))


def _lowest_priority() -> None:
    # Linux: PRIO_PROCESS with a thread id sets that thread's nice value only. Raising it needs no privilege.
    # On another system the hash still runs off the turn, at normal priority.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        # Keyed by process: a pool inherited over fork has no thread behind it.
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="password-hash",
                                                     initializer=_lowest_priority))
        return _POOL[1]


def off_turn(work: Callable[..., T], *args: object) -> T:
    """work(*args) in the process's low-priority hashing thread; a turn held is given up until it is done."""
    future = _pool().submit(work, *args)
    if not holds_turn():
        return future.result()
    aside = _ASIDE
    _HOLDER.held = False
    if aside:
        aside[0]()
    _TURN.release()
    try:
        return future.result()
    finally:
        if aside:
            aside[1]()
        _TURN.acquire()
        _HOLDER.held = True
