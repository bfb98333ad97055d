"""The real server (gunicorn, one worker): a sign-in waiting for its password hash does not hold the worker.

The hash is made to wait for the test (as a slow scrypt would, releasing the GIL); while it waits, the same
worker answers scoring requests, and the hash runs at the lowest CPU priority. Before moderation/turns.py the
worker's one thread did the hash itself and every scoring request queued behind it (a login flood's p99).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from moderation import turns
from moderation.pages import accounts
from moderation.store import Store
from tests.test_service_gunicorn import call, fake_app, running_server
from tests.test_service_security import _login

pytestmark = pytest.mark.slow


def hash_waits_app() -> Any:
    """fake_app whose password check waits until the test creates the file `hash-release`."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).parent
    real = accounts.check_password_hash

    def waiting(hashed: str, password: str) -> bool:
        nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        (folder / "hash-started").write_text(str(nice))
        deadline = time.monotonic() + 30
        while not (folder / "hash-release").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real(hashed, password)

    accounts.check_password_hash = waiting
    return fake_app()


def _wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def test_a_sign_in_waiting_for_its_hash_does_not_hold_the_worker(store: Store, tmp_path: Path) -> None:
    with running_server(store, tmp_path, "hash_waits_app", "tests.test_service_signin_turns", workers=1) as server:
        accounts.create_user(store, "ann", "annotator", "correct-horse-1")
        signed: list[int] = []
        sign_in = threading.Thread(target=lambda: signed.append(_login(server["port"], "ann", "wrong-password")))
        sign_in.start()
        _wait_for(tmp_path / "hash-started")
        body = {"text": "I support closer ties.", "thread_id": "t1", "store": False}
        # The only worker answers while the hash is still waiting (before: each call timed out after 10 s).
        answers = [call(server["port"], "POST", "/v1/score", body, server["key"])[0] for _ in range(5)]
        still_hashing = sign_in.is_alive()
        (tmp_path / "hash-release").touch()
        sign_in.join(timeout=30)
    assert answers == [200] * 5
    assert still_hashing and signed == [401]
    assert int((tmp_path / "hash-started").read_text()) == turns.LOWEST_PRIORITY


def test_off_turn_gives_the_turn_up_and_takes_it_back() -> None:
    started, release, seen = threading.Event(), threading.Event(), []

    def work(x: int) -> int:
        started.set()
        release.wait(30)
        return x * 2

    def request() -> None:
        with turns.turn():
            seen.append(turns.off_turn(work, 21))
            seen.append(turns.holds_turn())

    first = threading.Thread(target=request)
    first.start()
    assert started.wait(30)
    with turns.turn():  # taken while the first request's work runs off its turn
        assert turns.holds_turn()
        release.set()
    first.join(30)
    assert seen == [42, True]
    assert not turns.holds_turn()
