"""The load generator of benchmarks/serve.py, run in its own process: keep-alive clients and a login flood."""

from __future__ import annotations

import http.client
import re
import threading
import time
from typing import Any

MAX_REQUESTS = 200_000
FLOOD_CLIENTS, FLOOD_RATE = 8, 5.0  # wrong sign-ins: 8 clients, 5 a second each (issue 14)
FLOOD_USER = ("flood-target", "correct-horse-1")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def _headers(key: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}


def _warm(port: int, key: str, bodies: list[bytes], path: str, n: int) -> http.client.HTTPConnection:
    """A keep-alive connection that has already made n (unmeasured) requests."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(n):
        conn.request("POST", path, body=bodies[i % len(bodies)], headers=_headers(key))
        conn.getresponse().read()
    return conn


def _client(port: int, key: str, bodies: list[bytes], path: str, seconds: float, rate: float | None,
            out: list[tuple[float, int]], start: float, offset: float,
            conn: http.client.HTTPConnection | None = None) -> None:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = _headers(key)
    i = 0
    while len(out) < MAX_REQUESTS:
        scheduled = start + offset + i / rate if rate else time.perf_counter()
        if scheduled - start > seconds:
            break
        if rate and scheduled > time.perf_counter():
            time.sleep(scheduled - time.perf_counter())
        try:
            conn.request("POST", path, body=bodies[i % len(bodies)], headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((time.perf_counter() - scheduled, status))
        i += 1
    conn.close()


def _flood(port: int, seconds: float, out: list[int]) -> None:
    """One client sending FLOOD_RATE wrong sign-ins a second (form GET for the CSRF token, then the POST)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/login")
            page = conn.getresponse()
            html, cookie = page.read().decode(), page.getheader("Set-Cookie", "").split(";")[0]
            token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
            conn.request("POST", "/login", body=f"name={FLOOD_USER[0]}&password=wrong-guess&csrf_token={token}",
                         headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            out.append(response.status)
            conn.close()
        except (OSError, http.client.HTTPException, AttributeError):
            out.append(0)
        time.sleep(max(0.0, 1 / FLOOD_RATE - (time.perf_counter() - started)))


def load(args: tuple) -> dict[str, Any]:
    """In the generator process: `clients` threads for `seconds`; closed loop, or paced to `rate` in total.

    With `warm` > 0 every client's connection is opened and makes `warm` unmeasured requests first (all of
    them before the measured phase starts), as the warm connections of a pool.
    """
    port, key, bodies, path, clients, seconds, rate, *rest = args
    warm = rest[0] if rest else 0
    flood = rest[1] if len(rest) > 1 else False
    conns: list[http.client.HTTPConnection | None] = [None] * clients
    if warm:
        conns = [_warm(port, key, bodies, path, warm) for _ in range(clients)]
    out: list[tuple[float, int]] = []
    start = time.perf_counter()
    per = rate / clients if rate else None
    threads = [threading.Thread(target=_client, args=(port, key, bodies, path, seconds, per, out, start,
                                                      (n / rate) if rate else 0.0, conns[n]))
               for n in range(clients)]
    logins: list[int] = []
    if flood:
        threads += [threading.Thread(target=_flood, args=(port, seconds, logins)) for _ in range(FLOOD_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ok = [lat for lat, status in out if status == 200]
    report = {"requests": len(out), "errors": len(out) - len(ok), "rps": len(ok) / elapsed,
              "p50_ms": _pct(ok, 0.5), "p99_ms": _pct(ok, 0.99)}
    if flood:
        report["logins"] = {str(status): logins.count(status) for status in sorted(set(logins))}
    return report
