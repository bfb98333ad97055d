"""The real server (gunicorn, 2 workers): keep-alive clients spread over both workers, the sign-in throttle is
shared by them, gunicorn's own errors answer the JSON shape, bad text answers 400 and the work budget 413."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.serve_load import worker_requests
from moderation.pages import accounts
from moderation.store import Store
from tests.test_app_bad_input import BAD_BODIES
from tests.test_service_gunicorn import call, running_server, server  # noqa: F401 - the `server` fixture

pytestmark = pytest.mark.slow


@pytest.fixture
def busy_server(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The 2-worker server on busy_app (20 ms a request)."""
    with running_server(store, tmp_path, "busy_app") as running:
        yield running


def test_keep_alive_clients_spread_over_both_workers(busy_server: dict) -> None:
    """A pool of 50 keep-alive connections opened as soon as the first worker answers (the second is still
    starting): once both run, each worker serves at least 40% of the requests."""
    metrics = Path(busy_server["metrics"])
    body = {"text": "I support closer ties.", "thread_id": "t1", "store": False}
    statuses: list[int] = []
    end = time.monotonic() + 7.0

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", busy_server["port"], timeout=10)
        while time.monotonic() < end:
            statuses.append(call(busy_server["port"], "POST", "/v1/score", body, busy_server["key"], conn)[0])
        conn.close()
    threads = [threading.Thread(target=loop) for _ in range(50)]
    for t in threads:
        t.start()
    time.sleep(3.0)  # both workers are up, and every early connection has been recycled once
    before = worker_requests(metrics)
    for t in threads:
        t.join()
    after = worker_requests(metrics)
    assert statuses and set(statuses) == {200}
    served = {pid: after[pid] - before.get(pid, 0) for pid in after}
    total = sum(served.values())
    assert len(served) == 2 and all(n / total >= 0.4 for n in served.values()), served


def _login(port: int, name: str, password: str) -> int:
    """One sign-in on a fresh connection (so the two workers share the attempts)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html, cookie = page.read().decode(), page.getheader("Set-Cookie", "").split(";")[0]
    conn.close()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    form = f"name={name}&password={password}&csrf_token={token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/login", body=form, headers={"Cookie": cookie,
                                                       "Content-Type": "application/x-www-form-urlencoded"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_sign_in_throttle_is_shared_by_the_workers(server: dict) -> None:  # noqa: F811
    accounts.create_user(server["store"], "ann", "annotator", "correct-horse-1")
    assert [_login(server["port"], "ann", "wrong-password") for _ in range(10)] == [401] * 10
    assert _login(server["port"], "ann", "correct-horse-1") == 429


def _raw(port: int, data: bytes) -> tuple[int, str, Any]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    ctype = next((line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("content-type")), "")
    return int(lines[0].split()[1]), ctype, json.loads(body) if "json" in ctype else body


# (what, raw request, status, code): requests gunicorn refuses before Flask sees them
PROTOCOL_ERRORS = [
    ("request line too long", b"GET /v1/queues?x=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414,
     "uri_too_long"),
    ("too many headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120))
     + b"\r\n", 431, "headers_too_large"),
    ("malformed header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400, "bad_request"),
    ("malformed request line", b"NOT A REQUEST\r\n\r\n", 400, "bad_request"),
]


def test_gunicorns_own_errors_and_bad_bodies_answer_the_json_shape(server: dict) -> None:  # noqa: F811
    """One server for both tables (each case is also a parametrised test through Flask's client)."""
    for what, request_bytes, status, code in PROTOCOL_ERRORS:
        got, ctype, body = _raw(server["port"], request_bytes)
        assert (got, ctype) == (status, "application/json"), (what, body)
        assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], what
    for what, path, raw, status, field in BAD_BODIES:
        conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=30)
        conn.request("POST", path, body=raw, headers={"Content-Type": "application/json",
                                                      "Authorization": f"Bearer {server['key']}"})
        response = conn.getresponse()
        error = json.loads(response.read())["error"]
        conn.close()
        assert (response.status, error.get("field")) == (status, field), (what, error)
