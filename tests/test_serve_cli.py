"""`moderation serve` starts on its embedded default: SQLite file, the seed thread imported."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from moderation.store import open_store


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 120.0) -> bytes:
    """GET url until it answers 200 (the first start imports and trains)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serve_starts_on_sqlite_default_with_seed_imported(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    with subprocess.Popen([sys.executable, "-m", "moderation.cli", "serve", "--port", str(port), "--workers", "1"],
                          cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            health = json.loads(wait_for(f"http://127.0.0.1:{port}/healthz"))
            assert health["status"] == "ok"
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
    assert "imported kishida-nato: 58 comments" in err
    assert f"moderation: listening on http://127.0.0.1:{port}/" in err
    assert "  moderation users create NAME --role admin\n" in err
    assert (tmp_path / "moderation.db").exists()
    with open_store(f"sqlite:///{tmp_path / 'moderation.db'}") as store:
        assert store.counts()["comments"] == 58
        assert store.get_thread("kishida-nato").target == "Japan should strengthen its ties with NATO"
