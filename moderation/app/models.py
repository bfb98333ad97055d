"""The worker's current model: polled from the registry, loaded fully, then swapped in one assignment."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.errors import ModelError, ModerationError, UnavailableError
from moderation.model import trust
from moderation.store import Store

log = logging.getLogger("moderation.app")

Loader = Callable[[str, str], Any]  # (real folder, the registry's sha256) -> model; must re-check the bytes it loads
TaggerFactory = Callable[[Store, Any], Any]


@dataclass(frozen=True)
class Engine:
    """What one request scores with: a model, its version and a tagger built around it (never mutated)."""

    version: str | None
    model: Any
    tagger: Any
    manifest: dict[str, Any] = field(default_factory=dict)


def default_loader(path: str, sha256: str) -> Any:
    """Load a registry model folder: the bytes unpickled must hash to the registry's sha256 (and pass model.json)."""
    from moderation.model import artifact

    return artifact.load_model(path, expected_sha256=sha256)


def default_tagger(store: Store, model: Any) -> Any:
    """The labelling module's tagger around a model (or none)."""
    try:
        from moderation.labelling.tagger import Tagger
    except ImportError as exc:
        raise UnavailableError("the labelling module is not installed") from exc
    return Tagger(store, model=model)


class ModelHolder:
    """Keeps the current Engine; a daemon thread per process polls the registry every poll_seconds.

    Only what the registry vouches for is loaded (``moderation.model.trust``): a folder inside model_dir whose
    model.joblib hashes to the registry row's sha256, checked before anything is unpickled. A refused model is
    logged and the previous engine (or none: /readyz 503) keeps serving.
    """

    def __init__(self, store: Store, *, poll_seconds: float, model_dir: str | Path,
                 loader: Loader = default_loader, make_tagger: TaggerFactory = default_tagger,
                 on_swap: Callable[[str | None, str | None], None] | None = None) -> None:
        self.store = store
        self.model_dir = model_dir
        self.poll_seconds = poll_seconds
        self.loader = loader
        self.make_tagger = make_tagger
        self.on_swap = on_swap
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._refused: str | None = None
        self._stop = threading.Event()
        self._poller_pid: int | None = None
        self._poller: threading.Thread | None = None

    def current(self) -> Engine:
        """The engine to score with; the first call in a process loads it and starts the poller."""
        engine = self._engine
        if engine is None:
            with self._lock:
                if self._engine is None:
                    self._swap(self._first_engine(self.store.current_model()))
                engine = self._engine
        if self._poller_pid != os.getpid():
            self._start_poller()
        assert engine is not None
        return engine

    def loaded_version(self) -> str | None:
        """The version this process scores with now (None before the first load or without a model)."""
        return self._engine.version if self._engine else None

    def refresh(self) -> bool:
        """Load the registry's current model when it changed; True when a new engine was swapped in."""
        wanted = self.store.current_model()
        version = wanted["version"] if wanted else None
        if self._engine is not None and version == self._engine.version:
            return False
        if version is not None and version == self._refused:
            return False
        try:
            engine = self._build(wanted)
        except ModerationError as exc:
            self._refused = version
            log.error("model %s refused, keeping %s: %s", version, self.loaded_version(), exc.message)
            return False
        with self._lock:
            self._swap(engine)
        return True

    def _first_engine(self, entry: dict[str, Any] | None) -> Engine:
        try:
            return self._build(entry)
        except ModelError as exc:
            assert entry is not None
            self._refused = entry["version"]
            log.error("model %s refused, serving without a model: %s", entry["version"], exc.message)
            return self._build(None)

    def _build(self, entry: dict[str, Any] | None) -> Engine:
        if entry is None:
            return Engine(None, None, self.make_tagger(self.store, None))
        folder, sha256 = trust.vouched_folder(entry, self.model_dir)  # bytes only: nothing unpickled yet
        model = self.loader(str(folder), sha256)
        return Engine(entry["version"], model, self.make_tagger(self.store, model), dict(entry["manifest"] or {}))

    def _swap(self, engine: Engine) -> None:
        old = self.loaded_version()
        self._engine = engine  # one reference assignment: a request sees the old engine or the new one
        if old != engine.version:
            log.info("model %s -> %s", old, engine.version)
            if self.on_swap:
                self.on_swap(old, engine.version)

    def _start_poller(self) -> None:
        with self._lock:
            if self._poller_pid == os.getpid():
                return
            self._poller_pid = os.getpid()
            self._poller = threading.Thread(target=self._poll, name="model-poller", daemon=True)
            self._poller.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception as exc:  # noqa: BLE001 - the poller must outlive a store hiccup
                # One line, no traceback: an unreachable store must not flood the log, and formatting a
                # Python 3.11 traceback off the main thread runs ast, which is not thread-safe (gh-106905).
                log.warning("model poll failed: %s: %s", type(exc).__name__, str(exc).splitlines()[0] if str(exc)
                            else "")

    def close(self, timeout: float = 10.0) -> None:
        """Stop the poller thread, waiting (up to ``timeout`` s) for a poll in progress to finish."""
        self._stop.set()
        poller = self._poller
        if poller is not None and poller is not threading.current_thread() and poller.ident is not None:
            poller.join(timeout)
