"""Small builders shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_folder(folder: Path, threads: list, comments: list | str) -> Path:
    """A dataset folder from records (or raw text for comments.jsonl)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "threads.jsonl").write_text("".join(json.dumps(t) + "\n" for t in threads), encoding="utf-8")
    body = comments if isinstance(comments, str) else "".join(json.dumps(c) + "\n" for c in comments)
    (folder / "comments.jsonl").write_text(body, encoding="utf-8")
    return folder


THREAD = {"id": "t1", "title": "Japan must strengthen NATO ties", "body": "", "target": "Japan and NATO"}
