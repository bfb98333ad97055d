"""Duplicates of a comment's own text: exact copies by normalised-text hash, near copies by MinHash LSH.

Texts are compared as sets of 5-character shingles of the folded text (lower case, words only, one space
between words), so case, spacing and punctuation never matter. A near copy has Jaccard >= 0.8; the index
finds candidates through 20 bands of 6 MinHash values (datasketch), and every candidate is verified with the
exact Jaccard of the two shingle sets, so the reported similarity is exact, never an estimate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash

from moderation.labelling.quotes import token_tuple

SHINGLE = 5
THRESHOLD = 0.8
BANDS, ROWS = 20, 6
NUM_PERM = BANDS * ROWS
SEED = 1
MIN_WORDS = 5  # shorter texts ("Agree.", "+1") are flagged only as reposts, never across authors
_SCHEME = "affine32"
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME).permutations
_A, _B = (np.asarray(p, dtype=np.uint32) for p in _PERMUTATIONS)
_EMPTY_VALUE = int(MinHash(num_perm=1, seed=SEED, scheme=_SCHEME).hashvalues[0])  # an empty MinHash's value


def dup_key(text: str) -> str:
    """The folded text an exact copy shares: lower-cased words, one space between them, no punctuation."""
    return " ".join(t for t, _, _ in token_tuple(text))


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def text_hash(key: str) -> int:
    """A signed 64-bit hash of a folded text (fits a BIGINT column)."""
    return _hash64(key.encode("utf-8"))


@lru_cache(maxsize=4096)
def shingles(key: str) -> frozenset[bytes]:
    """The 5-character shingles of a folded text (the text itself when shorter)."""
    data = key.encode("utf-8")
    if len(key) <= SHINGLE:
        return frozenset([data])
    return frozenset(key[i:i + SHINGLE].encode("utf-8") for i in range(len(key) - SHINGLE + 1))


def jaccard(a: frozenset[bytes], b: frozenset[bytes]) -> float:
    """Exact Jaccard similarity of two shingle sets."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)  # |a | b| without building the union


def _sha1_32(data: bytes) -> int:
    # datasketch's default hash (sha1_hash32): the first 4 bytes of SHA-1, little-endian.
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def _hashes(shingle_set: Iterable[bytes]) -> list[int]:
    """datasketch's 32-bit hash of each shingle; shingles recur across comments, so they are memoised."""
    memo = _SHA1_MEMO
    if len(memo) > _SHA1_MEMO_SIZE:
        memo.clear()  # clear(), not a new dict: other threads may be reading it
    out = []
    for s in shingle_set:
        h = memo.get(s)
        if h is None:
            h = memo[s] = _sha1_32(s)
        out.append(h)
    return out


_SHA1_MEMO: dict[bytes, int] = {}
_SHA1_MEMO_SIZE = 200_000


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, as datasketch's affine32 scheme applies it before its permutations."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature(shingle_set: Iterable[bytes]) -> np.ndarray:
    """The MinHash signature (NUM_PERM values) of a shingle set: datasketch's affine32 arithmetic (``min over
    shingles of a * fmix(h) + b``, wrapping at 2^32), one (NUM_PERM x shingles) product without a MinHash object
    (tests: equal to datasketch's values)."""
    hashes = _hashes(shingle_set)
    if not hashes:
        return np.full(NUM_PERM, _EMPTY_VALUE, dtype=np.uint32)
    hv = _fmix32(np.fromiter(hashes, dtype=np.uint32, count=len(hashes)))
    values = np.multiply.outer(_A, hv)
    values += _B[:, None]
    return values.min(axis=1)


def band_hashes(sig: np.ndarray) -> list[int]:
    """One signed 64-bit hash per LSH band (band number, then its ROWS values)."""
    values = np.asarray(sig, dtype=np.uint64)
    return [_hash64(bytes([b]) + values[b * ROWS:(b + 1) * ROWS].tobytes()) for b in range(BANDS)]


def make_entry(comment_id: str, text: str, *, thread_id: str | None = None, author: str | None = None,
               with_bands: bool = True) -> tuple[dict[str, Any], list[int]]:
    """An index entry for a comment's own text, and its band hashes (none for a short text)."""
    key = dup_key(text)
    n_words = len(key.split())
    entry = {"comment_id": comment_id, "thread_id": thread_id, "author": author,
             "text_hash": text_hash(key), "n_words": n_words, "text": key}
    bands = band_hashes(signature(shingles(key))) if with_bands and n_words >= MIN_WORDS else []
    return entry, bands


def _same_author(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a == b


def decide(entry: dict[str, Any], candidates: Sequence[dict[str, Any]], *, raw_text: str = "",
           previous: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """The duplicate tag for an entry among its candidates (oldest wins a tie), or None.

    `previous` is (id, raw text) of the comment just before this one in its thread: with no authors known,
    a byte-identical text posted right after its original is taken to be the same writer's double post.
    """
    best: tuple[float, int, dict[str, Any]] | None = None
    own = shingles(entry["text"])
    for c in candidates:
        if c["comment_id"] == entry["comment_id"]:
            continue
        exact = c["text_hash"] == entry["text_hash"] and c["text"] == entry["text"]
        if not exact and (entry["n_words"] < MIN_WORDS or c["n_words"] < MIN_WORDS):
            continue
        sim = 1.0 if exact else jaccard(own, shingles(c["text"]))
        if sim >= THRESHOLD and (best is None or sim > best[0] or (sim == best[0] and c["id"] < best[1])):
            best = (sim, c["id"], c)
    if best is None:
        return None
    return tag(entry, best[2], best[0], raw_text=raw_text, previous=previous)


def tag(entry: dict[str, Any], c: dict[str, Any], sim: float, *, raw_text: str = "",
        previous: tuple[str, str] | None = None, why: str | None = None,
        evidence: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The duplicate tag of an entry that matches candidate c with similarity sim: repost, copy or near copy.

    `evidence` (moderation.labelling.copies) is set when the copy was decided on what the comment reproduces
    of c rather than on the shingle similarity alone; it is kept in the tag.
    """
    original = c["comment_id"]
    if _same_author(entry.get("author"), c["author"]):
        kind, why = "repost", f"reposted by the same author ({entry['author']})"
    elif (entry.get("author") is None and c["author"] is None and previous is not None
          and previous[0] == original and previous[1] == raw_text and c["thread_id"] == entry.get("thread_id")):
        kind, why = "repost", "byte-identical to the comment just before it in the thread (authors unknown)"
    elif entry["n_words"] < MIN_WORDS:
        return None
    elif sim == 1.0:
        kind, why = "copy", "the same text after folding case, spacing and punctuation"
    else:
        kind = "near_copy"
        why = why or f"{sim:.0%} of 5-character shingles shared (Jaccard >= {THRESHOLD})"
    where = "" if c["thread_id"] == entry.get("thread_id") else f" in thread {c['thread_id']}"
    out = {"of": original, "kind": kind, "similarity": round(sim, 4), "reason": f"{kind} of {original}{where}: {why}"}
    if evidence is not None:
        out["evidence"] = evidence
    return out
