"""A fixed-size thread pool that hands each task to the thread that went idle last.

gunicorn's gthread worker runs its requests in a ``concurrent.futures.ThreadPoolExecutor``, whose idle threads
wait on one queue and are woken in turn: with two threads and one client, every request runs on the other
thread, the one that has slept longest (its stack and caches cold, on this machine's virtual cores woken
from halt), and a request at no load took 3.2 ms at the median where one thread took 2.7 (benchmarks/serve.py,
1 client). Handed to the thread that finished last, the requests of a lone client all run on one warm thread,
and the second thread still takes a request whenever the first is busy (not ``serial``: two clients at once;
``serial``: only while the first steps aside, see below).

The hand-over races the thread's own finish: gunicorn learns that a request is done from the future's callback,
which runs on the pool thread *before* that thread parks, and the client's next request can be submitted while it
is still on its way to the idle stack. Woken then, the other (cold) thread took it: a lone client's 2,306 requests
changed thread 368-382 times (1 worker, SQLite). A thread running its future's callbacks counts as finishing, and
a task submitted meanwhile is handed to it before any sleeping thread is woken: 1-4 changes in the same run.

``serial=True`` (the request pool): a task starts only while no other task is running, unless the running one
has stepped aside (``step_aside``: a sign-in waiting for its password hash, turns.py). Requests take turns in a
worker anyway; started at once, the second request only parsed its headers, then slept on the turn while taking
the GIL from the first one now and then. Queued, it starts when the first ends, on the thread that ran it, as
one-threaded gthread did; the second thread runs a request only while the first is stepped aside.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_Task = tuple[Future, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class _Slot:
    """One thread's hand-over point: the task it is given and the event that wakes it."""

    def __init__(self) -> None:
        self.task: _Task | None = None
        self.wake = threading.Event()


class LifoThreadPool:
    """``submit`` and ``shutdown`` as ThreadPoolExecutor's, at most ``max_workers`` threads, started on demand;
    a task goes to the most recently idle thread, and waits in order (first in, first out) when all are busy
    (or, ``serial``, while another task runs and has not stepped aside)."""

    def __init__(self, max_workers: int, name: str = "lifo-pool", *, serial: bool = False) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._name = name
        self._serial = serial
        self._lock = threading.Lock()
        self._idle: list[_Slot] = []  # a stack: the last thread to go idle is woken first
        self._finishing: list[_Slot] = []  # threads past their task, running its future's callbacks
        self._waiting: deque[_Task] = deque()
        self._threads: list[threading.Thread] = []
        self._running = 0  # tasks started and not finished, less those stepped aside
        self._closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` on a pool thread; its Future."""
        future: Future = Future()
        task: _Task = (future, fn, args, kwargs)
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if self._serial and (self._running or self._waiting):
                self._waiting.append(task)  # after the running one (and those before it), in order
            else:
                self._start(task)
        return future

    def step_aside(self) -> None:
        """The calling task waits on something else for a while (its lock released): the next task may start."""
        with self._lock:
            self._running -= 1
            if self._serial and self._waiting and not self._running and not self._closed:
                self._start(self._waiting.popleft())

    def step_back(self) -> None:
        """The calling task, back from ``step_aside``, counts as running again."""
        with self._lock:
            self._running += 1

    def _start(self, task: _Task) -> None:
        # Under the lock: the task to a thread (finishing, then the last idle, then a new one), or it waits.
        if self._finishing:  # awake and about to park: it takes the task next, nothing to wake
            self._finishing.pop().task = task
        elif self._idle:
            slot = self._idle.pop()
            slot.task = task
            slot.wake.set()
        elif len(self._threads) < self.max_workers:
            slot = _Slot()
            slot.task = task
            thread = threading.Thread(target=self._run, args=(slot,), daemon=True,
                                      name=f"{self._name}-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()
        else:
            self._waiting.append(task)
            return
        self._running += 1

    def _run(self, slot: _Slot) -> None:
        while True:
            task, slot.task = slot.task, None
            if task is None:  # woken by shutdown
                return
            future, fn, args, kwargs = task
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # noqa: BLE001 - the future carries it, as ThreadPoolExecutor's does
                    self._finish(slot, future.set_exception, exc)
                else:
                    self._finish(slot, future.set_result, result)
            else:
                with self._lock:
                    self._running -= 1
            del task, future, fn, args, kwargs
            with self._lock:
                if slot in self._finishing:
                    self._finishing.remove(slot)
                if slot.task is not None:  # handed over while its callbacks ran
                    continue
                if self._waiting and not (self._serial and self._running):
                    slot.task = self._waiting.popleft()
                    self._running += 1
                    continue
                if self._closed:
                    return
                slot.wake.clear()
                self._idle.append(slot)
            slot.wake.wait()

    def _finish(self, slot: _Slot, settle: Callable[[Any], None], outcome: Any) -> None:
        # Settling the future runs its callbacks here, on this thread, while it still counts as finishing.
        with self._lock:
            self._running -= 1
            self._finishing.append(slot)
        settle(outcome)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No new tasks; idle threads end, busy ones after the waiting tasks (cancelled with ``cancel_futures``)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            if cancel_futures:
                while self._waiting:
                    self._waiting.popleft()[0].cancel()
        for slot in idle:
            slot.task = None
            slot.wake.set()
        if wait:
            for thread in list(self._threads):
                if thread is not threading.current_thread():
                    thread.join()
