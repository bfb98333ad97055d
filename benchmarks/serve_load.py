"""The load generator of benchmarks/serve.py, run in its own process: keep-alive clients and a login flood."""

from __future__ import annotations

import http.client
import os
import re
import select
import socket
import threading
import time
import uuid
from pathlib import Path
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


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when the server has closed this idle keep-alive connection (its socket reads as ready: EOF)."""
    return conn.sock is not None and bool(select.select([conn.sock], [], [], 0)[0])


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
            if _dropped(conn):  # as a pool does (urllib3): the server closed the idle connection, open a new one
                conn.close()
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


def flood(port: int, seconds: float) -> dict[str, int]:
    """In a process of its own (the attacker is not the site's backend): FLOOD_CLIENTS wrong sign-in clients."""
    logins: list[int] = []
    threads = [threading.Thread(target=_flood, args=(port, seconds, logins)) for _ in range(FLOOD_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {str(status): logins.count(status) for status in sorted(set(logins))}


def load(args: tuple) -> dict[str, Any]:
    """In the generator process: `clients` threads for `seconds`; closed loop, or paced to `rate` in total.

    With `warm` > 0 every client's connection is opened and makes `warm` unmeasured requests first (all of
    them before the measured phase starts), as the warm connections of a pool.
    """
    port, key, bodies, path, clients, seconds, rate, *rest = args
    warm = rest[0] if rest else 0
    conns: list[http.client.HTTPConnection | None] = [None] * clients
    if warm:
        conns = [_warm(port, key, bodies, path, warm) for _ in range(clients)]
    out: list[tuple[float, int]] = []
    start = time.perf_counter()
    per = rate / clients if rate else None
    threads = [threading.Thread(target=_client, args=(port, key, bodies, path, seconds, per, out, start,
                                                      (n / rate) if rate else 0.0, conns[n]))
               for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ok = [lat for lat, status in out if status == 200]
    failed = [str(status) for _, status in out if status != 200]  # 0: the connection failed
    return {"requests": len(out), "errors": len(failed), "rps": len(ok) / elapsed,
            "p50_ms": _pct(ok, 0.5), "p99_ms": _pct(ok, 0.99),
            "error_statuses": {s: failed.count(s) for s in sorted(set(failed))}}


_WRK_SCRIPT = """
local bodies = {%s}
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "%s", headers, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-JSON {\\"requests\\": %%d, \\"seconds\\": %%f, \\"p50_us\\": %%f, \\"p99_us\\": %%f, "
    .. "\\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, \\"status\\": %%d, \\"timeout\\": %%d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _lua_string(body: bytes) -> str:
    text = body.decode()
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def wrk_load(wrk: str, port: int, key: str, bodies: list[bytes], path: str, clients: int, seconds: float,
             tmp: str) -> dict[str, Any]:
    """Closed-loop keep-alive clients driven by wrk (C, one thread): the generator takes little of the cores
    the workers need, so a 2-worker / 1-worker ratio measures the service, not the load generator."""
    import json
    import os
    import subprocess

    script = os.path.join(tmp, "score.lua")
    with open(script, "w") as fh:
        fh.write(_WRK_SCRIPT % (", ".join(_lua_string(b) for b in bodies), key, path))
    out = subprocess.run([wrk, "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                          "-s", script, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
                         timeout=seconds + 120).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK-JSON "))
    r = json.loads(line[len("WRK-JSON "):])
    # Connections the service closed after connection_seconds are re-opened by wrk; a read error on such a close
    # is not a failed request, so only non-2xx answers, timeouts, connect and write errors count as errors.
    errors = r["status"] + r["timeout"] + r["connect"] + r["write"]
    ok = r["requests"] - r["status"]
    return {"requests": r["requests"], "errors": errors, "rps": ok / r["seconds"], "p50_ms": r["p50_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "read_errors": r["read"], "generator": "wrk"}


def worker_requests(metrics: Path) -> dict[int, float]:
    """Requests each worker answered, from its own prometheus multiprocess file."""
    from prometheus_client.mmap_dict import MmapedDict

    counts = {}
    for path in metrics.glob("counter_*.db"):
        mapped = MmapedDict(str(path), read_mode=True)
        counts[int(path.stem.split("_")[1])] = sum(v for k, v, _ in mapped.read_all_values()
                                                   if "moderation_requests_total" in k)
        mapped.close()
    return counts


def median_pair(pairs: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The (2-worker, 1-worker) pair whose throughput ratio is the median of the pairs' (the lower middle one)."""
    ranked = sorted(pairs, key=lambda pair: pair[0]["rps"] / pair[1]["rps"])
    return ranked[(len(ranked) - 1) // 2]


PG_ADMIN = os.environ.get("MODERATION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    from sqlalchemy import create_engine, text

    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_ADMIN)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    sep = "&" if "?" in PG_ADMIN else "?"
    return f"{PG_ADMIN}{sep}options=-csearch_path%3D{schema}", drop
