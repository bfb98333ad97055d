"""The Flask application factory (STYLE.md: no app object at import time)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from moderation.errors import ModerationError


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, the store getter, error handlers, blueprints."""
    app = Flask(__name__)
    app.config["MODERATION"] = dict(test_config or {})

    @app.errorhandler(ModerationError)
    def _moderation_error(exc: ModerationError):  # noqa: ANN202
        return jsonify(exc.to_dict()), exc.status

    @app.get("/healthz")
    def healthz():  # noqa: ANN202
        return jsonify({"status": "ok"})

    @app.get("/")
    def index():  # noqa: ANN202
        from moderation.store import open_store

        store = open_store(app.config["MODERATION"].get("database_url"))
        counts = store.counts()
        return (f"<!doctype html><title>moderation</title><h1>moderation</h1>"
                f"<p>{counts['threads']} threads, {counts['comments']} comments, {counts['labels']} labels. "
                f"The scoring API and the pages arrive with the service issue.</p>")

    return app
