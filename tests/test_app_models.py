"""The model poller: close() waits for a poll in progress, so nothing polls a store after it is closed."""

from __future__ import annotations

import threading
import time

from moderation.app.models import ModelHolder
from moderation.store import Store


def test_close_waits_for_a_poll_in_progress(store: Store) -> None:
    holder = ModelHolder(store, poll_seconds=0.001, model_dir="models")
    started, finished = threading.Event(), threading.Event()

    def slow_refresh() -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    holder.refresh = slow_refresh  # type: ignore[method-assign]
    holder._start_poller()
    assert started.wait(5)
    holder.close()
    assert finished.is_set()  # close() returned only after the poll in progress ended
    assert holder._poller is not None and not holder._poller.is_alive()
