"""Run the Flask app under gunicorn, in-process (gunicorn's custom-application API)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - a WSGI app
        from moderation.app import create_app

        return create_app()


def run_gunicorn(*, host: str, port: int, workers: int, **extra: Any) -> None:
    """Serve create_app() with `workers` processes on host:port until stopped."""
    options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": 4,
               "timeout": 60, "graceful_timeout": 20, "accesslog": None, **extra}
    _Gunicorn(options).run()
