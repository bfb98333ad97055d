"""The real server (gunicorn, 2 workers): a promoted model is picked up live; a SIGKILLed worker loses nothing."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from moderation.store import Store
from tests.test_app_support import make_app, register_fake_model, seed

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def fake_app() -> Any:
    """gunicorn's factory in the server process: the fake tagger, a fast model poll."""
    return make_app(os.environ["MODERATION_DATABASE_URL"], model_poll_seconds=0.5)


def busy_app() -> Any:
    """fake_app whose every request holds its worker 20 ms (so the workers, not the test's
    client threads, set the pace), and whose second worker takes a second longer to start, as a model load can."""
    try:
        os.close(os.open(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) / "first-worker", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        time.sleep(1.0)
    app = fake_app()
    app.before_request(lambda: time.sleep(0.02))
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, body: Any = None, key: str | None = None,
         conn: http.client.HTTPConnection | None = None) -> tuple[int, Any]:
    """One request on loopback; returns status and parsed JSON (text for non-JSON)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        ctype = response.getheader("Content-Type", "")
        return response.status, json.loads(data) if "json" in ctype else data.decode()
    finally:
        if own:
            conn.close()


@contextmanager
def gunicorn_process(module: str, name: str, port: int, env: dict[str, str], log: Path,
                     factory: str | None = None, workers: int = 2) -> Iterator[subprocess.Popen]:
    """`run_gunicorn` with ``workers`` on ``port`` serving ``factory`` (default: ``module.name``); stopped on exit."""
    code = (f"from moderation.serving import run_gunicorn; from {module} import {name}; "
            f"run_gunicorn(host='127.0.0.1', port={port}, workers={workers}, factory={factory or name})")
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=fh, stderr=fh)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running_server(store: Store, tmp_path: Path, factory: str = "fake_app", module: str = "tests.test_service_gunicorn",
                   workers: int = 2) -> Iterator[dict[str, Any]]:
    """gunicorn with ``workers`` (2) on a free loopback port, serving <module>.<factory>() on store."""
    seed(store)
    register_fake_model(store, tmp_path / "models", "v1")
    key = store.create_api_key("admin", "load")[0]
    port = _free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": store.url, "PYTHONPATH": str(ROOT),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    log = tmp_path / "server.log"
    with gunicorn_process(module, factory, port, env, log, workers=workers) as proc:
        deadline = time.monotonic() + 90  # a loaded machine can take a while to start two workers
        while True:
            try:
                if call(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        yield {"port": port, "key": key, "store": store, "proc": proc, "models": tmp_path / "models",
               "metrics": tmp_path / "metrics"}


@pytest.fixture
def server(store: Store, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """gunicorn with 2 workers on a free loopback port, on a seeded store with model v1."""
    with running_server(store, tmp_path) as running:
        yield running


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(c) for c in children]


def _loop(port: int, key: str, stop: threading.Event, out: list[tuple[int, Any]], path: str,
          body: Any, limit: float = 30.0) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start, i = time.monotonic(), 0
    while not stop.is_set() and time.monotonic() - start < limit:
        i += 1
        payload = body(i) if callable(body) else body
        try:
            out.append((*call(port, "POST", path, payload, key, conn), payload))
        except (OSError, http.client.HTTPException) as exc:
            out.append((0, repr(exc), payload))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.close()


def test_promoted_model_is_picked_up_without_failing_a_request(server: dict) -> None:
    stop, results = threading.Event(), []
    body = {"text": "I support closer ties.", "thread_id": "t1", "store": False}
    clients = [threading.Thread(target=_loop, args=(server["port"], server["key"], stop, results, "/v1/score",
                                                    body)) for _ in range(3)]
    for t in clients:
        t.start()
    time.sleep(1.0)
    register_fake_model(server["store"], server["models"], "v2")
    promoted = time.monotonic()
    seen_at = None
    while time.monotonic() - promoted < 10:
        metrics = call(server["port"], "GET", "/metrics")[1]
        live = [line for line in metrics.splitlines() if line.startswith('moderation_model_loaded{') and
                line.endswith(" 1.0")]
        if len(live) == 2 and all('version="v2"' in line for line in live):
            seen_at = time.monotonic()
            break
        time.sleep(0.2)
    time.sleep(0.5)
    stop.set()
    for t in clients:
        t.join()
    assert seen_at is not None and seen_at - promoted < 5, [m for m in metrics.splitlines() if "model_loaded" in m]
    assert results and all(status == 200 for status, *_ in results), [r for r in results if r[0] != 200][:3]
    versions = [r[1]["model_version"] for r in results]
    assert versions[0] == "v1" and versions[-1] == "v2"


def test_sigkill_of_a_worker_loses_nothing_stored(server: dict) -> None:
    stop, results = threading.Event(), []

    def body_for(n: int) -> Any:
        return lambda i: {"id": f"k{n}-{i}", "text": f"Comment {n}-{i} on Japan and NATO.", "thread_id": "t1"}

    clients = [threading.Thread(target=_loop, args=(server["port"], server["key"], stop, results, "/v1/comments",
                                                    body_for(n))) for n in range(4)]
    for t in clients:
        t.start()
    time.sleep(1.0)
    victim = _workers(server["proc"].pid)[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = len(results)
    time.sleep(2.5)
    stop.set()
    for t in clients:
        t.join()
    after = results[killed_at:]
    failures = [r for r in results if r[0] != 201]
    assert len(failures) <= 4, failures[:5]          # at most the requests in flight on the killed worker
    assert sum(r[0] == 201 for r in after) > 20       # the other worker kept answering
    store = server["store"]
    for status, _answer, payload in results:
        if status == 201:                             # every acknowledged comment is stored and queued
            assert store.get_comment(payload["id"]).text == payload["text"]
    acked, queued = sum(r[0] == 201 for r in results), sum(store.queue_counts().values())
    assert acked <= queued <= acked + len(failures)  # a request killed after its commit is stored, unanswered
    assert call(server["port"], "GET", "/healthz")[0] == 200
    assert victim not in _workers(server["proc"].pid)
