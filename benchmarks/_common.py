"""Shared benchmark helpers: peak memory, throughput timing, fastText's process traps, stable names."""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

FASTTEXT_ENV = "MALLOC_PERTURB_"


def reexec_for_fasttext() -> None:
    """Restart this process once with MALLOC_PERTURB_=255 set (fastText's NaN trap must be set at start)."""
    if os.environ.get(FASTTEXT_ENV) != "255":
        os.environ[FASTTEXT_ENV] = "255"
        os.execv(sys.executable, [sys.executable, *sys.argv])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def per_second(fn: Callable[[Any], Any], items: Sequence[Any], min_seconds: float = 1.0) -> float:
    """Calls per second of fn over items, one at a time (repeating the items for at least min_seconds)."""
    done, start = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def batch_per_second(fn: Callable[[Sequence[Any]], Any], items: Sequence[Any], min_seconds: float = 1.0) -> float:
    """Items per second when fn is called on the whole sequence at once."""
    done, start = 0, time.perf_counter()
    while True:
        fn(items)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def load_average() -> str:
    """The 1-minute load average and core count: timings on a shared machine need it beside them."""
    try:
        return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "load unknown"


class FastTextModel:
    """fastText supervised, trained from (text, label) pairs; predicts through the NumPy-2-safe binding."""

    def __init__(self, **params: Any) -> None:
        self.params = {"verbose": 0, "thread": 1, "seed": 0, **params}

    @staticmethod
    def clean(text: str) -> str:
        """One line of lower-cased text (fastText splits on whitespace; a newline ends an example)."""
        return " ".join(text.lower().split())

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> FastTextModel:
        """Train on a temporary file of `__label__X text` lines."""
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
            for text, label in zip(texts, labels, strict=True):
                fh.write(f"__label__{label} {self.clean(text)}\n")
            path = fh.name
        try:
            self.model = fasttext.train_supervised(path, **self.params)
        finally:
            os.unlink(path)
        return self

    def predict_one(self, text: str) -> str:
        """The most likely label of one text."""
        return self.model.f.predict(self.clean(text) + "\n", 1, 0.0, "strict")[0][1][len("__label__"):]
