"""The store: SQLite by default, PostgreSQL when MODERATION_DATABASE_URL names one."""

from __future__ import annotations

import threading

from moderation.store import engine as engine_mod
from moderation.store.core import StoreUnavailable, resolve_url
from moderation.store.dupindex import DupIndexMixin
from moderation.store.keys import KeysMixin
from moderation.store.labels import LabelsMixin
from moderation.store.queues import QueuesMixin
from moderation.store.records import RecordsMixin, stderr_progress
from moderation.store.registry import RegistryMixin
from moderation.store.users import UsersMixin

__all__ = ["Store", "StoreUnavailable", "open_store", "stderr_progress"]


class Store(RecordsMixin, LabelsMixin, RegistryMixin, QueuesMixin, KeysMixin, DupIndexMixin, UsersMixin):
    """Every table's operations; one instance per URL per process."""


_stores: dict[str, Store] = {}
_lock = threading.Lock()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """The store at url (default: the setting), its schema created or upgraded on first use."""
    url = resolve_url(url)
    with _lock:
        store = _stores.get(url)
        if store is None:
            store = Store(url, engine_mod.make_engine(url))
            if migrate:
                engine_mod.upgrade(store.engine)
            _stores[url] = store
        return store


def forget_stores() -> None:
    """Close and drop every cached store (tests; a process that changes its URL)."""
    with _lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
