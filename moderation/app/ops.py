"""Operations: /healthz, /readyz, Prometheus /metrics and one JSON log line per request."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from moderation.app.errors import error_response
from moderation.queue import QUEUES

bp = Blueprint("ops", __name__)
request_log = logging.getLogger("moderation.requests")
BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The app's Prometheus metrics; with PROMETHEUS_MULTIPROC_DIR set, every worker's values are summed."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("moderation_requests_total", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("moderation_request_seconds", "Time to answer a request",
                                 ["route"], buckets=BUCKETS, registry=self.registry)
        self.scored = Counter("moderation_comments_scored_total", "Comments scored", registry=self.registry)
        self.model = Gauge("moderation_model_loaded", "1 for the model version a worker scores with",
                           ["version"], registry=self.registry, multiprocess_mode="liveall")

    def model_swapped(self, old: str | None, new: str | None) -> None:
        """Point the model gauge at the new version."""
        if old is not None:
            self.model.labels(version=old).set(0)
        self.model.labels(version=new or "none").set(1)

    def exposition(self, queue_counts: dict[str, int]) -> bytes:
        """The text exposition: request metrics (all workers when multiprocess) and queue sizes."""
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            MultiProcessCollector(registry)
        else:
            registry.register(_Chain(self.registry))
        registry.register(_QueueCollector(queue_counts))
        return generate_latest(registry)


class _Chain:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        yield from self.registry.collect()


class _QueueCollector:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = {**dict.fromkeys(QUEUES, 0), **counts}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("moderation_queue_open_items", "Open items per review queue", labels=["queue"])
        for name, n in sorted(self.counts.items()):
            family.add_metric([name], n)
        yield family


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when the store answers and a model is loaded."""
    from moderation.app.resources import get_models, get_store

    checks: dict[str, Any] = {}
    try:
        checks["store"] = get_store().ping()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["store"] = False
        checks["store_error"] = type(exc).__name__
    try:
        checks["model"] = get_models().current().version
    except Exception as exc:  # noqa: BLE001
        checks["model"] = None
        checks["model_error"] = type(exc).__name__
    if checks["store"] is True and checks["model"]:
        return jsonify({"status": "ready", **checks}), 200
    response, status = error_response(503, "unavailable", "not ready: " + json.dumps(checks, default=str))
    return response, status


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition."""
    from moderation.app.resources import get_store

    body = current_app.extensions["moderation"]["metrics"].exposition(get_store().queue_counts())
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _before() -> None:
    g.started = time.perf_counter()
    g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]


def _after(response: Response) -> Response:
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule else "unmatched"
    m: Metrics = current_app.extensions["moderation"]["metrics"]
    m.requests.labels(request.method, route, str(response.status_code)).inc()
    m.latency.labels(route).observe(elapsed)
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if current_app.config["MODERATION"]["log_json"]:
        principal = g.get("principal")
        request_log.info(json.dumps({
            "ts": round(time.time(), 3), "request_id": g.get("request_id"), "method": request.method,
            "path": request.path, "route": route, "status": response.status_code,
            "ms": round(elapsed * 1000, 2), "bytes_in": request.content_length or 0,
            "caller": principal["actor"] if principal else None, "pid": os.getpid()}))
    return response


def _configure_logging() -> None:
    if not any(getattr(h, "_moderation", False) for h in request_log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._moderation = True  # type: ignore[attr-defined]
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False


def init_app(app: Flask) -> None:
    """Metrics, request hooks and the ops routes."""
    app.extensions["moderation"]["metrics"] = Metrics()
    app.before_request(_before)
    app.after_request(_after)
    if app.config["MODERATION"]["log_json"] and not app.testing:
        _configure_logging()
    app.register_blueprint(bp)
