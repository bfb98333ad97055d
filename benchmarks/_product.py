"""The product's own path for benchmarks: write interchange folders, run `moderation train` / `moderation tag`.

Training and tagging run as child processes of the installed `moderation` command, exactly as a site would run
them; the training time and the child's peak memory are measured around the call. The plain reference (TF-IDF
word 1-2 grams of comment + claim, logistic regression, C by grouped CV on the same training rows) is here too,
so every benchmark prints it beside the product's figure.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Row = dict[str, Any]  # {"thread": id, "target": claim, "title", "body", "id", "text", "stance", "off_topic"}


def moderation_command() -> list[str]:
    """The installed `moderation` entry point beside this interpreter (else `python -m moderation.cli`)."""
    exe = Path(sys.executable).with_name("moderation")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from moderation.cli import main; main()"]


def write_folder(folder: Path, rows: Iterable[Row]) -> int:
    """An interchange folder (threads.jsonl + comments.jsonl) of the rows; one thread per distinct thread id."""
    folder.mkdir(parents=True, exist_ok=True)
    threads: dict[str, dict[str, str]] = {}
    n = 0
    with open(folder / "comments.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            threads.setdefault(r["thread"], {"id": r["thread"], "title": r.get("title") or r["target"],
                                             "body": r.get("body") or "", "target": r["target"]})
            rec = {"id": r["id"], "thread_id": r["thread"], "text": r["text"]}
            for key in ("stance", "off_topic"):
                if r.get(key) is not None:
                    rec[key] = r[key]
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    with open(folder / "threads.jsonl", "w", encoding="utf-8") as fh:
        for t in threads.values():
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    return n


def _run(args: list[str], *, echo: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    if echo:
        print(result.stdout.rstrip())
    return result


def train(data: Sequence[Path], out: Path, *, echo: bool = False) -> dict[str, Any]:
    """`moderation train --data ... --out OUT`: seconds, peak child memory (MB), manifest and printed lines."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    args = [*moderation_command(), "train", *[a for d in data for a in ("--data", str(d))], "--out", str(out)]
    result = _run(args, echo=echo)
    seconds = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024.0
    manifest = json.loads((out / "model.json").read_text(encoding="utf-8"))
    skipped = [line for line in result.stderr.splitlines() if "skipped" in line or "WARNING" in line]
    cpu = next((line.split("(CPU ")[1].split("s")[0] for line in result.stderr.splitlines()
                if line.startswith("trained in ") and "(CPU " in line), None)
    return {"seconds": seconds, "cpu_seconds": float(cpu) if cpu else None, "peak_mb": peak, "manifest": manifest,
            "stdout": result.stdout, "notes": skipped}


def tag(data: Path, model: Path) -> dict[str, dict[str, Any]]:
    """`moderation tag --data DATA --model MODEL`: each comment's tags by id."""
    result = _run([*moderation_command(), "tag", "--data", str(data), "--model", str(model)], echo=False)
    tags = (json.loads(line) for line in result.stdout.splitlines() if line.strip())
    return {t["id"]: t for t in tags}


def stance_of(tags: dict[str, Any]) -> str:
    """The stance label `moderation tag` gave a comment."""
    return str(tags["stance"]["label"])


def reference(train_rows: Sequence[Row], test_rows: Sequence[Row], *, seed: int = 0,
              grid: Sequence[float] = (0.1, 1.0, 10.0)) -> tuple[list[str], float]:
    """Plain TF-IDF (word 1-2 grams of comment + claim) + logistic regression; C by CV grouped by thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _reference(train_rows, test_rows, seed, grid)


def _reference(train_rows: Sequence[Row], test_rows: Sequence[Row], seed: int,
               grid: Sequence[float]) -> tuple[list[str], float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from training.evaluate import f_avg

    def text(r: Row) -> str:
        return f"{r['text']} || {r['target']}"

    y = np.array([r["stance"] for r in train_rows])
    groups = np.array([r["thread"] for r in train_rows])
    docs = [text(r) for r in train_rows]
    k = min(5, len(set(groups)))
    best, best_score = grid[0], -1.0
    if k >= 2:
        for c in grid:
            pred = np.empty(len(y), dtype=object)
            for a, b in GroupKFold(k).split(docs, y, groups):
                vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
                Xa = vec.fit_transform([docs[i] for i in a])
                clf = LogisticRegression(C=c, max_iter=2000, random_state=seed).fit(Xa, y[a])
                pred[b] = clf.predict(vec.transform([docs[i] for i in b]))
            score = f_avg(y.tolist(), pred.tolist())
            if score > best_score:
                best, best_score = c, score
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    clf = LogisticRegression(C=best, max_iter=2000, random_state=seed).fit(vec.fit_transform(docs), y)
    return clf.predict(vec.transform([text(r) for r in test_rows])).tolist(), best


def distribution(labels: Sequence[str]) -> str:
    """'favor 12 / against 30 / none 5' of predicted labels."""
    return " / ".join(f"{c} {sum(1 for v in labels if v == c)}" for c in ("favor", "against", "none"))
