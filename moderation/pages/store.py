"""The pages reach the store and the scoring engine through the app's getters (moderation.app.resources)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from moderation.store import Store


def pages_store() -> Store:
    """The app's store."""
    from moderation.app.resources import get_store

    return get_store()


def pages_engine() -> Any | None:
    """The engine the service scores with (model + tagger), or None when the labelling module is missing."""
    from moderation.app.resources import get_engine
    from moderation.errors import ModerationError

    try:
        return get_engine()
    except ModerationError:
        current_app.logger.warning("no tagger: pages show comments without tags")
        return None
