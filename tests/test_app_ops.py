"""Operations: health, readiness, Prometheus metrics, structured request logs."""

from __future__ import annotations

import json
import logging
from typing import Any

from moderation.app import create_app
from tests.conftest import track_app
from tests.test_app_support import auth, make_app, service_fixture  # noqa: F401 - the `service` fixture


def test_healthz_and_readyz(service: dict) -> None:
    client = service["client"]
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["model"] == "v1" and ready.get_json()["store"] is True


def test_readyz_without_a_model_is_503(db_url: str) -> None:
    r = make_app(db_url).test_client().get("/readyz")
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "unavailable"


def test_readyz_without_a_store_is_503() -> None:
    app = track_app(create_app({"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none", "testing": True}))
    r = app.test_client().get("/readyz")
    assert r.status_code == 503 and set(r.get_json()) == {"error"}


def test_metrics_count_requests_queues_and_model(service: dict) -> None:
    client, keys = service["client"], service["keys"]
    client.post("/v1/comments", json={"id": "m1", "text": "Yakuza again.", "thread_id": "t1"},
                headers=auth(keys["scorer"]))
    text = client.get("/metrics").get_data(as_text=True)
    assert 'moderation_requests_total{method="POST",route="/v1/comments",status="201"} 1.0' in text
    assert 'moderation_request_seconds_bucket{le="0.025",route="/v1/comments"}' in text
    assert 'moderation_queue_open_items{queue="off-topic"} 1.0' in text
    assert 'moderation_model_loaded{version="v1"} 1.0' in text


def test_one_json_log_line_per_request(db_url: str, caplog: Any) -> None:
    app = make_app(db_url, log_json=True)
    with caplog.at_level(logging.INFO, logger="moderation.requests"):
        r = app.test_client().get("/healthz", headers={"X-Request-Id": "abc123"})
    assert r.headers["X-Request-Id"] == "abc123"
    line = json.loads(caplog.records[-1].getMessage())
    assert {k: line[k] for k in ("request_id", "method", "path", "route", "status")} == {
        "request_id": "abc123", "method": "GET", "path": "/healthz", "route": "/healthz", "status": 200}
    assert line["ms"] >= 0
