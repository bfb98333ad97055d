"""The request threads' pool: every task runs once, at most max_workers at a time, the warm thread first."""

from __future__ import annotations

import threading
import time

import pytest

from moderation.threadpool import LifoThreadPool


def test_every_task_runs_once_with_its_result_or_exception() -> None:
    pool = LifoThreadPool(3)
    futures = [pool.submit(lambda k: k * k, k) for k in range(200)]
    assert [f.result(timeout=10) for f in futures] == [k * k for k in range(200)]
    failed = pool.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failed.result(timeout=10)
    pool.shutdown()


def test_at_most_max_workers_run_at_once_and_the_rest_wait_in_order() -> None:
    pool = LifoThreadPool(2)
    gate = threading.Event()
    running, most, order = [0], [0], []
    lock = threading.Lock()

    def task(k: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            order.append(k)  # the order the tasks start in
        gate.wait(10)
        with lock:
            running[0] -= 1

    futures = [pool.submit(task, k) for k in range(8)]
    time.sleep(0.2)
    assert running[0] == 2  # two started; six wait
    gate.set()
    for f in futures:
        f.result(timeout=10)
    assert most[0] == 2 and sorted(order) == list(range(8))
    pool.shutdown()


def test_waiting_tasks_run_first_in_first_out() -> None:
    pool = LifoThreadPool(1)
    gate = threading.Event()
    order: list[int] = []
    futures = [pool.submit(gate.wait, 10), *(pool.submit(order.append, k) for k in range(20))]
    gate.set()
    for f in futures:
        f.result(timeout=10)
    assert order == list(range(20))
    pool.shutdown()


def test_a_lone_clients_tasks_run_on_the_thread_that_went_idle_last() -> None:
    pool = LifoThreadPool(2)
    gate = threading.Event()
    first = pool.submit(gate.wait, 10)
    second = pool.submit(threading.get_ident)  # the first thread is busy: a second thread starts
    second.result(timeout=10)
    gate.set()
    first.result(timeout=10)
    time.sleep(0.2)  # both idle now
    idents = {pool.submit(threading.get_ident).result(timeout=10) for _ in range(50)}
    assert len(idents) == 1  # one after another, every task on the same (warm) thread
    assert len(pool._threads) == 2  # though two were started
    pool.shutdown()


def test_shutdown_refuses_new_tasks_and_ends_the_threads() -> None:
    pool = LifoThreadPool(2)
    assert pool.submit(lambda: 7).result(timeout=10) == 7
    pool.shutdown(wait=True)
    assert all(not t.is_alive() for t in pool._threads)
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(lambda: 1)
    with pytest.raises(ValueError):
        LifoThreadPool(0)


def test_a_task_submitted_while_the_last_one_finishes_goes_to_that_thread() -> None:
    # gunicorn submits a connection's next request when the previous future's callback has told its main loop
    # the request is done, which can be before the pool thread that ran it has parked: that thread takes it.
    pool = LifoThreadPool(2)
    ran: list[int] = []
    chained: list = []

    def next_request(_future: object) -> None:
        if len(ran) < 20:
            future = pool.submit(lambda: ran.append(threading.get_ident()))
            future.add_done_callback(next_request)
            chained.append(future)

    first = pool.submit(lambda: ran.append(threading.get_ident()))
    first.add_done_callback(next_request)
    deadline = time.monotonic() + 10
    while len(ran) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(ran) == 20 and len(set(ran)) == 1  # every request on the one warm thread
    assert len(pool._threads) == 1  # the second thread was never woken for them
    pool.shutdown()


def test_a_serial_pool_starts_a_task_when_the_running_one_ends_or_steps_aside() -> None:
    pool = LifoThreadPool(2, serial=True)
    aside, back, returned = threading.Event(), threading.Event(), threading.Event()
    started: list[tuple[str, int]] = []

    def first() -> None:
        started.append(("first", threading.get_ident()))
        aside.wait(10)
        pool.step_aside()  # as a sign-in waiting for its password hash (turns.off_turn)
        back.wait(10)
        pool.step_back()
        returned.set()
        time.sleep(0.2)  # running again: what is submitted now waits for it

    def note(name: str) -> None:
        started.append((name, threading.get_ident()))

    a = pool.submit(first)
    b = pool.submit(note, "second")
    time.sleep(0.2)
    assert [n for n, _ in started] == ["first"]  # a thread is free, but the second request waits its turn
    aside.set()
    b.result(timeout=10)  # started while the first stood aside, on the other thread
    assert started[1][0] == "second" and started[1][1] != started[0][1]
    back.set()
    returned.wait(10)
    c = pool.submit(note, "third")
    time.sleep(0.05)
    assert [n for n, _ in started] == ["first", "second"]  # the first runs again: the third waits
    a.result(timeout=10)
    c.result(timeout=10)
    assert [n for n, _ in started] == ["first", "second", "third"]
    pool.shutdown()


def test_a_serial_pool_runs_waiting_tasks_in_order_on_the_warm_thread() -> None:
    pool = LifoThreadPool(2, serial=True)
    gate = threading.Event()
    order: list[tuple[int, int]] = []
    futures = [pool.submit(gate.wait, 10),
               *(pool.submit(lambda k: order.append((k, threading.get_ident())), k) for k in range(20))]
    gate.set()
    for f in futures:
        f.result(timeout=10)
    assert [k for k, _ in order] == list(range(20))
    assert len({ident for _, ident in order}) == 1 and len(pool._threads) == 1  # never a second thread
    pool.shutdown()
