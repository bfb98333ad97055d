"""One side of serve_compare.py's paired in-process row: a tree's own serve.py scores the seed thread in-process.

    python benchmarks/_inproc_pair.py TREE SECONDS READY_FILE GO_FILE

Run with PYTHONPATH=TREE. It prepares a SQLite store as the tree's serve.py does (seed thread, model trained from
labels/), writes READY_FILE, waits for GO_FILE, then measures with the tree's own ``_in_process`` (one comment at
a time, the seed texts) and prints {"in_process_per_s": rate}. serve_compare.py starts the two trees' sides
together and lets both go at once: each has one of the two cores, and both meet the same machine at the same
moment, which sequential runs on this shared machine do not (its rate drifts by a third within minutes).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Prepare, signal ready, wait for go, measure, print."""
    tree, seconds, ready, go = Path(argv[0]), float(argv[1]), Path(argv[2]), Path(argv[3])
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core each: the other side has the other one
    sys.path.insert(0, str(tree))
    import benchmarks.serve as serve  # the tree's own

    with tempfile.TemporaryDirectory(prefix="inproc-pair-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        _key, comments, _model = serve._prepare(url, Path(tmp))
        ready.write_text("ready")
        deadline = time.monotonic() + 600
        while not go.exists():
            if time.monotonic() > deadline:
                raise SystemExit("no go signal within 600 s")
            time.sleep(0.05)
        rate = serve._in_process(url, comments, seconds)
        try:
            from moderation.store import forget_stores  # an earlier tree keeps its stores open until told
        except ImportError:
            pass
        else:
            forget_stores()
    print(json.dumps({"in_process_per_s": rate}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
