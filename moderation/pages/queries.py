"""The admin's label overlap: kept in the store's meta table, else the setting."""

from __future__ import annotations

from moderation import settings
from moderation.errors import InputError
from moderation.store import Store

OVERLAP_KEY = "label_overlap"
MAX_OVERLAP = 20


def get_overlap(store: Store) -> int:
    """Annotators wanted per comment: the admin's choice kept in the store, else the setting."""
    kept = store.get_meta(OVERLAP_KEY)
    return int(kept) if kept else int(settings.get(OVERLAP_KEY))


def set_overlap(store: Store, value: int) -> int:
    """Keep the admin's overlap in the store (it overrides MODERATION_LABEL_OVERLAP)."""
    if not 1 <= value <= MAX_OVERLAP:
        raise InputError(f"overlap must be from 1 to {MAX_OVERLAP}", field="overlap")
    store.set_meta(OVERLAP_KEY, str(value))
    return value
