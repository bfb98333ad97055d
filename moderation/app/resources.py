"""Per-app resources reached through getters (no module globals): settings, store, model, key cache.

The app owns its store for its lifetime: opened on first use in the process that serves (a gunicorn worker
builds its app after the fork, so no engine crosses one), closed by close_app() when the worker exits.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app

from moderation import settings
from moderation.app.auth import KeyCache, bearer_principal
from moderation.app.models import Engine, ModelHolder, default_loader, default_tagger
from moderation.store import Store, open_store


def init_app(app: Flask, test_config: dict[str, Any]) -> None:
    """Read the settings (test_config overrides them) and prepare the app's resource slots."""
    names = {s.name for s in settings.SETTINGS}
    app.config["MODERATION"] = settings.all_settings({k: v for k, v in test_config.items() if k in names})
    app.extensions["moderation"] = {
        "store": None, "store_lock": threading.Lock(), "models": None, "authenticators": [bearer_principal],
        "key_cache": KeyCache(app.config["MODERATION"]["key_cache_seconds"]),
        "loader": test_config.get("loader", default_loader),
        "make_tagger": test_config.get("make_tagger", default_tagger),
    }


def _ext(app: Flask | None = None) -> dict[str, Any]:
    return (app or current_app).extensions["moderation"]


def setting(name: str) -> Any:
    """One setting's value for this app."""
    return current_app.config["MODERATION"][name]


def get_store(app: Flask | None = None) -> Store:
    """The app's store, opened (and migrated) on first use; one for the app's lifetime."""
    ext = _ext(app)
    if ext["store"] is None:
        with ext["store_lock"]:  # two first requests on two threads must not open two stores
            if ext["store"] is None:
                ext["store"] = open_store((app or current_app).config["MODERATION"]["database_url"])
    return ext["store"]


def close_app(app: Flask) -> None:
    """Stop the app's model poller and close its store (a worker exiting; a test's teardown)."""
    ext = _ext(app)
    if ext["models"] is not None:
        ext["models"].close()
        ext["models"] = None
    with ext["store_lock"]:
        if ext["store"] is not None:
            ext["store"].close()
            ext["store"] = None


def get_models(app: Flask | None = None) -> ModelHolder:
    """The app's model holder (it loads the registry's current model on first use)."""
    app = app or current_app
    ext = _ext(app)
    if ext["models"] is None:
        config = app.config["MODERATION"]
        ext["models"] = ModelHolder(get_store(app), poll_seconds=config["model_poll_seconds"],
                                    model_dir=config["model_dir"], loader=ext["loader"],
                                    make_tagger=ext["make_tagger"], on_swap=ext["metrics"].model_swapped)
    return ext["models"]


def get_engine() -> Engine:
    """The engine this request scores with (taken once, so one request never mixes two models)."""
    return get_models().current()


def get_key_cache() -> KeyCache:
    """The app's cache of verified API keys."""
    return _ext()["key_cache"]


def warm_up(app: Flask) -> None:
    """Open the store and load the current model now (a gunicorn worker calls this once it starts)."""
    try:
        engine = get_models(app).current()
        getattr(engine.tagger, "relevance", None)  # fitted on first use: now, not in the first request
        from moderation.app.warm import prime_threads

        config = app.config["MODERATION"]
        with app.app_context():
            prime_threads(get_store(app), engine, config, limit=int(config["warm_threads"]))
    except Exception:  # noqa: BLE001 - /readyz reports it; the worker must still start
        import logging

        logging.getLogger("moderation.app").exception("warm-up failed")
