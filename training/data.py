"""Training examples from datasets: records, labels, and the groups cross-validation keeps together."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from moderation.dataset import STANCES, Dataset
from moderation.errors import UnprocessableError

_KEY = re.compile(r"https?://\S+|@\w+|[^\w ]+")


@dataclass
class Examples:
    """Records with their stance / off-topic labels (None when unlabelled) and thread ids."""

    records: list[dict[str, str]] = field(default_factory=list)
    stance: list[str | None] = field(default_factory=list)
    off_topic: list[bool | None] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    duplicate_of: list[str | None] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # each comment's text as posted (records hold the own text)
    # The datasets and, for each, every comment's own text by id: what the off-topic trainer reads again.
    datasets: list[Dataset] = field(default_factory=list)
    own_texts: list[dict[str, str]] = field(default_factory=list)


def examples_from(datasets: list[Dataset], *, own_text: bool = True) -> Examples:
    """Every labelled comment as a record judged against its thread's target.

    With own_text (the default, and what the service does) the record's text is the comment's own text: quotes
    of the article and of earlier comments removed, as the tagger removes them before scoring.
    """
    from moderation.labelling.owntext import own_texts

    ex = Examples()
    for ds in datasets:
        threads = {t.id: t for t in ds.threads}
        own: dict[str, str] = {}
        if own_text:
            by_thread: dict[str, list] = {}
            for c in ds.comments:
                by_thread.setdefault(c.thread_id, []).append(c)
            own = own_texts([(threads[tid], comments) for tid, comments in by_thread.items()])
        ex.datasets.append(ds)
        ex.own_texts.append(own)
        for c in ds.comments:
            if c.stance is None and c.off_topic is None:
                continue
            if c.stance is not None and c.stance not in STANCES:
                raise UnprocessableError(f"comment {c.id}: unknown stance label {c.stance!r}")
            t = threads[c.thread_id]
            text = own.get(c.id) or c.text
            ex.records.append({"text": text, "target": t.target or t.title, "title": t.title, "body": t.body})
            ex.stance.append(c.stance)
            ex.off_topic.append(c.off_topic)
            ex.threads.append(c.thread_id)
            ex.ids.append(c.id)
            ex.duplicate_of.append(c.duplicate_of)
            ex.texts.append(c.text)
    return ex


def data_hash(ex: Examples) -> str:
    """sha256 over the records and labels, in order: the manifest's training data hash."""
    digest = hashlib.sha256()
    for rec, s, o in zip(ex.records, ex.stance, ex.off_topic, strict=True):
        digest.update(json.dumps([rec, s, o], sort_keys=True, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def record_key(record: dict[str, str]) -> str:
    """A short sha256 of one record (text, target, title, body): the same comment under another id."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def near_duplicate_groups(texts: list[str], links: list[tuple[int, int]] = (), threshold: float = 0.5) -> np.ndarray:
    """Group ids joining texts whose word-bigram Jaccard >= threshold, and the given (i, j) links.

    Identical keys are one text; the pairs to check are those sharing a bigram of their prefixes (each text's
    rarest ``|s| - ceil(t |s|) + 1`` bigrams: two sets with Jaccard >= t must share one), so common bigrams
    ("of the") do not make every pair a candidate. Exact: the same groups as comparing every pair.
    """
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import CountVectorizer

    keys = [_KEY.sub(" ", t.lower()) for t in texts]
    where: dict[str, int] = {}
    inverse = np.array([where.setdefault(k, len(where)) for k in keys], dtype=np.int64)
    n = len(where)
    pairs = [np.asarray([inverse[i] for i, _ in links], dtype=np.int64),
             np.asarray([inverse[j] for _, j in links], dtype=np.int64)]
    try:
        X = CountVectorizer(ngram_range=(2, 2), binary=True).fit_transform(list(where)).tocsr()
    except ValueError:  # no bigram anywhere: only the explicit links group
        X = None
    if X is not None:
        a, b = _similar_pairs(X, threshold)
        pairs = [np.concatenate([pairs[0], a]), np.concatenate([pairs[1], b])]
    graph = sp.coo_matrix((np.ones(len(pairs[0])), (pairs[0], pairs[1])), shape=(n, n))
    return connected_components(graph, directed=False)[1][inverse]


def _similar_pairs(X: sp.csr_matrix, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i < j) of a binary matrix whose Jaccard >= threshold, by prefix filtering."""
    df = np.asarray(X.sum(axis=0)).ravel()
    rank = np.empty(len(df), dtype=np.int64)
    rank[np.lexsort((np.arange(len(df)), df))] = np.arange(len(df))  # rarest first
    R = sp.csr_matrix((X.data, rank[X.indices], X.indptr), shape=X.shape)
    R.sort_indices()
    sizes = np.diff(R.indptr)
    prefix = sizes - np.ceil(threshold * sizes).astype(np.int64) + 1
    keep = np.arange(R.nnz) - np.repeat(R.indptr[:-1], sizes) < np.repeat(prefix, sizes)
    rows = np.repeat(np.arange(R.shape[0]), sizes)
    P = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], R.indices[keep])), shape=R.shape)
    cand = sp.triu(P @ P.T, k=1).tocoo()
    a, b = cand.row.astype(np.int64), cand.col.astype(np.int64)
    inter = np.zeros(len(a))
    for lo in range(0, len(a), 200_000):  # |s_a & s_b| of each candidate, a chunk at a time
        hi = lo + 200_000
        inter[lo:hi] = np.asarray(R[a[lo:hi]].multiply(R[b[lo:hi]]).sum(axis=1)).ravel()
    ok = inter / np.maximum(1.0, sizes[a] + sizes[b] - inter) >= threshold
    return a[ok], b[ok]


def thread_groups(threads: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """Group ids of rows by thread, threads that share a comment text (stripped) being one group.

    Across-thread folds must hold a thread out together with every other thread its texts appear under: else
    the held-out comment was in training under another thread (FNC-1: a body under 30 headlines, the related
    ones of its story; folds by headline gave stance F_avg 48 out of fold, folds by story 37).
    """
    from scipy.sparse.csgraph import connected_components

    t_ids = {t: k for k, t in enumerate(dict.fromkeys(threads))}
    x_ids = {x: k for k, x in enumerate(dict.fromkeys(x.strip() for x in texts))}
    a = np.fromiter((t_ids[t] for t in threads), dtype=np.int64, count=len(threads))
    b = np.fromiter((len(t_ids) + x_ids[x.strip()] for x in texts), dtype=np.int64, count=len(texts))
    n = len(t_ids) + len(x_ids)
    graph = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1][a]


def cv_groups(ex: Examples, rows: list[int], group_by: str, n_splits: int) -> tuple[np.ndarray, str]:
    """Groups for the rows: threads when asked and there are enough, else near-duplicate clusters."""
    if group_by == "thread" and len({ex.threads[i] for i in rows}) >= n_splits:
        return np.array([ex.threads[i] for i in rows]), "thread"
    where = {ex.ids[i]: k for k, i in enumerate(rows)}
    links = [(k, where[ex.duplicate_of[i]]) for k, i in enumerate(rows) if ex.duplicate_of[i] in where]
    return near_duplicate_groups([ex.records[i]["text"] for i in rows], links), "near_duplicate"


def check_labels(y: list[Any], what: str) -> None:
    """UnprocessableError when there is nothing to learn from (no rows, one class, a class of one)."""
    if not y:
        raise UnprocessableError(f"no comments labelled with {what} to train on")
    classes, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
    if len(classes) < 2:
        raise UnprocessableError(f"every {what} label is {str(classes[0])!r}: need at least two classes")
    if counts.min() < 2:
        raise UnprocessableError(f"{what} label {str(classes[counts.argmin()])!r} has a single example: need two")
