"""Run the Flask app under gunicorn, in-process (gunicorn's custom-application API)."""

from __future__ import annotations

import gc
import json
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from threadpoolctl import threadpool_limits

from moderation import settings, turns
from moderation.threadpool import LifoThreadPool


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


class RecyclingWorker(ThreadWorker):
    """gthread, closing a keep-alive connection after its first response past connection_seconds of age.

    All workers accept from one listening socket; a connection stays with the worker that accepted it for as long
    as the client keeps it alive. A site's pool opened while one worker was still loading its model would stay on
    the other one forever (8,051 requests against 22 in issue 14); recycled, the pool's connections are accepted
    again by whichever worker is free and spread over all of them within a few seconds.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection_seconds = float(settings.get("connection_seconds"))

    def get_thread_pool(self) -> LifoThreadPool:
        """The request threads: each request to the thread that went idle last, one at a time unless it steps
        aside for a password hash (moderation/threadpool.py, turns.py)."""
        pool = LifoThreadPool(self.cfg.threads, name="request", serial=True)
        turns.on_step_aside(pool.step_aside, pool.step_back)
        return pool

    def handle_request(self, req: Any, conn: Any) -> Any:
        """Serve the request; ask the client to reconnect when the connection is old enough."""
        now = time.monotonic()
        born = conn.__dict__.setdefault("moderation_born", now)
        if now - born >= self.connection_seconds:
            req.must_close = True  # gunicorn answers `Connection: close` and closes after this response
        with turns.turn():  # one request computes at a time; a password hash gives the turn up (turns.py)
            return super().handle_request(req, conn)


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
    # One BLAS thread per worker: a request's matrix products are small, the workers already take every core, and
    # OpenBLAS's own threads (numpy's and scipy's, one per core each) spun beside the other worker (callgrind:
    # blas_thread_server in every warm request's profile).
    threadpool_limits(1)
    # Load the model before the first request, so every worker reports its version and none starts slow.
    app = worker.wsgi
    if "moderation" in getattr(app, "extensions", {}):
        from moderation.app.resources import warm_up

        warm_up(app)
    # Everything loaded so far (the model, its vocabularies) lives as long as the worker: out of the
    # collector's full passes, which would otherwise stall a request for tens of milliseconds now and then.
    gc.collect()
    gc.freeze()


def _worker_exit(_server: Any, worker: Any) -> None:
    # The worker's app closes its store: its pooled connections end with the worker, not at the server's timeout.
    app = getattr(worker, "wsgi", None)
    if "moderation" in getattr(app, "extensions", {}):
        from moderation.app.resources import close_app

        close_app(app)


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
    options = {"bind": f"{host}:{port}", "workers": workers, "worker_class": RecyclingWorker,
               "threads": settings.get("threads"),
               "timeout": 60, "graceful_timeout": 20, "keepalive": 5, "accesslog": None,
               "child_exit": _child_exit, "post_fork": _post_fork, "post_worker_init": _post_worker_init,
               "worker_exit": _worker_exit,
               **extra}
    _Gunicorn(options, factory).run()
