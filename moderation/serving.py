"""Run the Flask app under gunicorn, in-process (gunicorn's custom-application API)."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from moderation import settings


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any], factory: Callable[[], Any] | None = None) -> None:
        self.options = options
        self.factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - a WSGI app
        if self.factory is not None:
            return self.factory()
        from moderation.app import create_app

        return create_app()


def _child_exit(_server: Any, worker: Any) -> None:
    # A dead worker's live gauges must not linger in the shared metrics folder.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _post_worker_init(worker: Any) -> None:
    # Load the model before the first request, so every worker reports its version and none starts slow.
    app = worker.wsgi
    if "moderation" in getattr(app, "extensions", {}):
        from moderation.app.resources import warm_up

        warm_up(app)
    # Everything loaded so far (the model, its vocabularies) lives as long as the worker: out of the
    # collector's full passes, which would otherwise stall a request for tens of milliseconds now and then.
    gc.collect()
    gc.freeze()


def metrics_dir() -> str:
    """A fresh folder for prometheus-client's multiprocess files, set in the environment the workers inherit."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="moderation-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    os.makedirs(folder, exist_ok=True)
    return folder


def run_gunicorn(*, host: str, port: int, workers: int, factory: Callable[[], Any] | None = None,
                 **extra: Any) -> None:
    """Serve create_app() (or factory()) with `workers` processes on host:port until stopped."""
    metrics_dir()
    options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
               "threads": settings.get("threads"),
               "timeout": 60, "graceful_timeout": 20, "keepalive": 5, "accesslog": None,
               "child_exit": _child_exit, "post_worker_init": _post_worker_init, **extra}
    _Gunicorn(options, factory).run()
