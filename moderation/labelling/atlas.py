"""The store's threads side by side: is a comment closer to another thread than to its own?

An :class:`Atlas` keeps one row per known thread (title, target and article): its tf-idf vector over content
stems (a sparse matrix, rebuilt only after threads were added) and its static sentence vector. A lookup is one
sparse product over the comment's own stems and one dense product with the thread vectors; the comment's own
thread, and every thread with the same text (one article filed twice), are left out. Each kept thread also has
its discussion (moderation.labelling.discussions): :meth:`Atlas.add_comment` grows it, and a lookup gives the
best cosines to the other threads' discussions too.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from moderation.dataset import Thread
from moderation.labelling.discussions import Discussions
from moderation.labelling.topic import Vocabulary, analyse, meaning, weights

MAX_THREADS = 5_000  # threads kept (the first ones added); later threads are compared but not kept


def _key(thread: Thread) -> str:
    return hashlib.sha256(f"{thread.title}\n{thread.target}\n{thread.body}".encode()).hexdigest()


class Atlas:
    """Every known thread's content-stem vector and sentence vector."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.ids: list[str] = []
        self.titles: list[str] = []
        self._rows: dict[str, int] = {}
        self._by_key: dict[str, list[int]] = {}
        self._lex: list[dict[str, float]] = []
        self._sem = np.zeros((0, 0))
        self._sem_rows: list[np.ndarray] = []
        self._columns: dict[str, int] = {}
        self._matrix: sp.csc_matrix | None = None
        self.discussions = Discussions(vocab, len(meaning("")))

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, thread: Thread) -> None:
        """Keep a thread (once; threads beyond MAX_THREADS are not kept)."""
        if thread.id in self._rows or len(self.ids) >= MAX_THREADS:
            return
        text = f"{thread.title}\n{thread.target}\n{thread.body}"
        vec = weights(analyse(text)[0], self.vocab.idf, self.vocab.unseen)
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        row = len(self.ids)
        self._rows[thread.id] = row
        self._by_key.setdefault(_key(thread), []).append(row)
        self.ids.append(thread.id)
        self.titles.append(thread.title)
        self._lex.append({t: w / norm for t, w in vec.items()})
        self._sem_rows.append(meaning(text))
        self._matrix = None

    def knows(self, thread_id: str) -> bool:
        """Whether the thread was given to the atlas (kept, or not kept because the atlas is full)."""
        return thread_id in self._rows or len(self.ids) >= MAX_THREADS

    def add_comment(self, thread_id: str, text: str) -> bool:
        """Add a comment's text to its thread's discussion (False: the thread is not kept, or its discussion is
        complete)."""
        row = self._rows.get(thread_id)
        return row is not None and self.discussions.add(row, text)

    def _build(self) -> None:
        for vec in self._lex:
            for t in vec:
                self._columns.setdefault(t, len(self._columns))
        rows, cols, vals = [], [], []
        for r, vec in enumerate(self._lex):
            for t, w in vec.items():
                rows.append(r)
                cols.append(self._columns[t])
                vals.append(w)
        self._matrix = sp.csc_matrix((vals, (rows, cols)), shape=(len(self._lex), max(1, len(self._columns))))
        self._sem = np.vstack(self._sem_rows) if self._sem_rows else np.zeros((0, 0))

    def others(self, thread: Thread, own: Mapping[str, float], own_norm: float,
               vector: np.ndarray, text: str = "") -> dict[str, object]:
        """The best cosines of a text (stem vector and norm, sentence vector, the text) to threads other than its
        own, and to their discussions."""
        if self._matrix is None:
            self._build()
        skip = set(self._by_key.get(_key(thread), ()))
        if thread.id in self._rows:
            skip.add(self._rows[thread.id])
        n_other = len(self.ids) - len(skip)
        if n_other <= 0:
            return {"has_other": False, "other_lex": 0.0, "other_sem": 0.0, "other_thread": None, **_NO_DISCUSSION}
        cols = [(self._columns[t], w) for t, w in own.items() if t in self._columns]
        lex = np.zeros(len(self.ids))
        if cols and own_norm:
            idx, w = zip(*cols, strict=True)
            lex = self._matrix[:, list(idx)] @ (np.asarray(w) / own_norm)  # type: ignore[index]
        sem = self._sem @ vector
        for r in skip:
            lex[r] = sem[r] = -np.inf
        best = int(np.argmax(sem))
        d_lex, d_sem, d_row = self.discussions.best(own, own_norm, vector, text, skip)
        discussion = _NO_DISCUSSION if d_row < 0 else {"has_disc": True, "disc_lex": d_lex, "disc_sem": d_sem,
                                                       "disc_thread": self.titles[d_row] or self.ids[d_row]}
        return {"has_other": True, "other_lex": float(np.max(lex)), "other_sem": float(sem[best]),
                "other_thread": self.titles[best] or self.ids[best], **discussion}


_NO_DISCUSSION = {"has_disc": False, "disc_lex": 0.0, "disc_sem": 0.0, "disc_thread": None}
