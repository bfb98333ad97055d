"""Run the Flask app under gunicorn, in-process (gunicorn's custom-application API)."""

from __future__ import annotations

import gc
import json
import os
import tempfile
from collections.abc import Callable
from typing import Any

from gunicorn import util
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


def _json_error(sock: Any, status: int, reason: str, message: str) -> None:
    # gunicorn answers a request it cannot parse (request line over limit_request_line: 414, too many or too
    # large headers: 431, a malformed line or header: 400) itself, before Flask sees it, in HTML; this writes
    # the same answer in the one JSON error shape instead.
    from moderation.app.errors import HTTP_CODES

    body = json.dumps({"error": {"code": HTTP_CODES.get(status, f"http_{status}"),
                                 "message": f"{reason}: {message}" if message else reason}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + body)


def _post_fork(_server: Any, _worker: Any) -> None:
    # Only in the worker processes: gunicorn's worker calls util.write_error for the errors it answers itself.
    util.write_error = _json_error


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
    # reuse_port: gunicorn 27 gives each worker its own listening socket and the kernel spreads new connections
    # over them. With one shared socket, whichever worker is ready first accepts every connection a
    # client pool opens, and keep-alive keeps them there (8,051 requests against 22 in issue 14).
    options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
               "threads": settings.get("threads"), "reuse_port": True,
               "timeout": 60, "graceful_timeout": 20, "keepalive": 5, "accesslog": None,
               "child_exit": _child_exit, "post_fork": _post_fork, "post_worker_init": _post_worker_init,
               **extra}
    _Gunicorn(options, factory).run()
