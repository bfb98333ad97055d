"""The store: SQLite by default, PostgreSQL when MODERATION_DATABASE_URL names one."""

from __future__ import annotations

from moderation.store import engine as engine_mod
from moderation.store.core import StoreUnavailable, resolve_url
from moderation.store.dupindex import DupIndexMixin
from moderation.store.keys import KeysMixin
from moderation.store.labels import LabelsMixin
from moderation.store.queues import QueuesMixin
from moderation.store.records import RecordsMixin, stderr_progress
from moderation.store.registry import RegistryMixin
from moderation.store.relevance_docs import RelevanceDocsMixin
from moderation.store.users import UsersMixin

__all__ = ["Store", "StoreUnavailable", "open_store", "stderr_progress"]


class Store(RecordsMixin, LabelsMixin, RegistryMixin, QueuesMixin, KeysMixin, DupIndexMixin, UsersMixin,
            RelevanceDocsMixin):
    """Every table's operations over one engine. Its owner (the app, a command) closes it: `with` or close()."""


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """A new store at url (default: the setting), its schema created or upgraded; the caller closes it."""
    url = resolve_url(url)
    store = Store(url, engine_mod.make_engine(url))
    if migrate:
        try:
            engine_mod.upgrade(store.engine)
        except BaseException:
            store.close()
            raise
    return store
