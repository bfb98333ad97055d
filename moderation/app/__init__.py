"""The Flask application factory (STYLE.md: no app object at import time)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from moderation import pages
from moderation.app import errors, headers, ops, resources


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings (test_config overrides them), resources, error handler, blueprints."""
    app = Flask(__name__, static_folder=None)
    test_config = dict(test_config or {})
    app.testing = bool(test_config.pop("testing", False))
    resources.init_app(app, test_config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MODERATION"]["max_body_bytes"]
    app.json.sort_keys = False
    errors.init_app(app)
    headers.init_app(app)
    ops.init_app(app)

    from moderation.app import api, coral

    app.register_blueprint(api.bp)
    app.register_blueprint(coral.bp)
    pages.init_app(app)  # the people's pages: sign-in, labelling, agreement, queues, admin (issue 6)
    return app
