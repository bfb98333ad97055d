"""The store survives the importing process being killed mid-import (one transaction)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from moderation.dataset import load_dataset
from moderation.store import open_store
from tests.helpers import THREAD, write_folder


def big_dataset(folder: Path, n: int) -> Path:
    """A dataset of n comments on one thread (large enough to take a while to import)."""
    comments = "".join(json.dumps({"id": f"big-{i}", "thread_id": "big", "text": f"comment number {i} " * 8}) + "\n"
                       for i in range(n))
    return write_folder(folder, [{**THREAD, "id": "big"}], comments)


def test_kill_mid_import_leaves_store_as_it_was(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:  # closed: the importing process is the only one connected when killed
        store.import_dataset(load_dataset(
            write_folder(tmp_path / "small", [THREAD], [{"id": "c1", "thread_id": "t1", "text": "kept"}])))
        before = store.counts()
    src = big_dataset(tmp_path / "big", 200_000)
    env = {**os.environ, "MODERATION_DATABASE_URL": db_url}
    with subprocess.Popen([sys.executable, "-m", "moderation.cli", "import", str(src)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, text=True) as proc:
        assert proc.stderr is not None
        deadline = time.monotonic() + 120
        seen = ""
        while time.monotonic() < deadline:  # wait until rows are being written inside the transaction
            line = proc.stderr.readline()
            seen += line
            if line.startswith("import: ") and int(line.split()[1].split("/")[0]) >= 20_000:
                break
            assert line or proc.poll() is None, f"import ended early: {seen}"
        else:
            raise AssertionError("import never reported progress")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with open_store(db_url) as after:
        assert after.counts() == before
        assert after.get_comment("c1").text == "kept"
        # The store still takes writes (no stale lock left behind).
        after.add_label("c1", stance="none", annotator="ann")
        assert after.counts()["labels"] == before["labels"] + 1
