"""The duplicate index in the store (SQLite and PostgreSQL): exact, near, short, reposts, concurrent writers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from moderation.labelling import duplicates
from moderation.store import Store

TEXT = ("Japan should remain neutral and maintain friendly ties with both sides, "
        "instead of joining a military alliance on the other side of the world.")


def _add(store: Store, cid: str, text: str, author: str | None = None, thread: str = "t1") -> dict | None:
    entry, bands = duplicates.make_entry(cid, text, thread_id=thread, author=author)
    return duplicates.decide(entry, store.dup_find_and_add(entry, bands))


def test_exact_copy_across_threads(store: Store) -> None:
    assert _add(store, "a", TEXT, author="ann") is None
    dup = _add(store, "b", TEXT.upper().replace(" ", "  "), author="bob", thread="t2")
    assert dup is not None and (dup["of"], dup["kind"], dup["similarity"]) == ("a", "copy", 1.0)
    assert "in thread t1" in dup["reason"]


def test_near_copy_and_unrelated(store: Store) -> None:
    _add(store, "a", TEXT)
    dup = _add(store, "b", TEXT.replace("friendly", "friendley").replace("instead of", "instead"))
    assert dup is not None and dup["kind"] == "near_copy" and 0.8 <= dup["similarity"] < 1.0
    assert _add(store, "c", "NATO is a defensive alliance and Japan is right to work with it.") is None


def test_same_author_is_a_repost(store: Store) -> None:
    _add(store, "a", TEXT, author="ann")
    assert _add(store, "b", TEXT, author="ann")["kind"] == "repost"


def test_short_texts_only_flagged_for_the_same_author(store: Store) -> None:
    _add(store, "a", "Agree.", author="ann")
    assert _add(store, "b", "Agree.", author="bob") is None
    assert _add(store, "c", "agree", author="ann")["kind"] == "repost"


def test_adding_again_is_idempotent(store: Store) -> None:
    _add(store, "a", TEXT)
    _add(store, "a", TEXT)
    assert store.dup_count() == {"entries": 1, "bands": duplicates.BANDS}


def test_lookup_reads_only_candidates(store: Store) -> None:
    _add(store, "a", TEXT)
    _add(store, "b", "Something else entirely about the weather in Osaka this weekend, rain again.")
    entry, bands = duplicates.make_entry("q", TEXT + " Really.")
    assert [c["comment_id"] for c in store.dup_candidates(entry["text_hash"], bands)] == ["a"]


_WORKER = """
import json, random, sys, time
from pathlib import Path
from moderation.labelling import duplicates
from moderation.store import open_store
url, prefix, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = open_store(url)
find = store._dup_candidates


def slow_find(*args, **kwargs):
    # Widen the window between reading the candidates and committing the new entry.
    found = find(*args, **kwargs)
    time.sleep(0.02)
    return found


store._dup_candidates = slow_find
while not go.exists():
    time.sleep(0.005)
words = "japan nato russia china ties peace war alliance treaty navy army trade yen vote pact border".split()
for i in range(n):
    text = " ".join(random.Random(i).choices(words, k=30))
    entry, bands = duplicates.make_entry(f"{prefix}{i}", text, thread_id="t1", author=prefix)
    dup = duplicates.decide(entry, store.dup_find_and_add(entry, bands))
    print(json.dumps([f"{prefix}{i}", dup and dup["of"]]), flush=True)
"""


def test_two_processes_adding_at_once(store: Store, db_url: str, tmp_path: Path) -> None:
    """Both processes add the same texts at the same moment: each pair gets exactly one original."""
    n, go = 40, tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, db_url, p, str(n), str(go)],
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
             for p in ("a", "b")]
    time.sleep(1.0)
    go.touch()
    results = {}
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        results.update(dict(json.loads(line) for line in out.splitlines()))
    for i in range(n):
        pair = {results[f"a{i}"], results[f"b{i}"]}
        assert pair in ({None, f"a{i}"}, {None, f"b{i}"}), (i, pair)
    assert store.dup_count() == {"entries": 2 * n, "bands": 2 * n * duplicates.BANDS}


def test_bulk_add_then_lookup(store: Store) -> None:
    """dup_add_many (index builds) stores entries and bands that lookups find; PostgreSQL then has statistics."""
    texts = [TEXT, "Something else entirely about the weather in Osaka this weekend, rain again.", "Agree."]
    assert store.dup_add_many([duplicates.make_entry(f"c{i}", t) for i, t in enumerate(texts)]) == 3
    assert store.dup_count() == {"entries": 3, "bands": 2 * duplicates.BANDS}
    entry, bands = duplicates.make_entry("q", TEXT + " Really.")
    assert duplicates.decide(entry, store.dup_candidates(entry["text_hash"], bands))["of"] == "c0"
    if store.dialect == "postgresql":  # without them the planner scans every band row (see _analyze_if_grown)
        with store.read() as conn:
            analyzed = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid IN "
                                            "('dup_entries'::regclass, 'dup_bands'::regclass)").scalars().all()
        assert sorted(analyzed) == [3, 2 * duplicates.BANDS]


def test_signature_equals_datasketchs_minhash() -> None:
    from datasketch import MinHash

    texts = ["short", "a comment that is long enough to have many five character shingles in it",
             "Tokyo's ramen shop near the station " * 20, "x" * 5, "日本の首相は北大西洋条約機構の会議に出席した"]
    for text in texts:
        shingles = duplicates.shingles(duplicates.dup_key(text))
        reference = MinHash(num_perm=duplicates.NUM_PERM, seed=duplicates.SEED, scheme="affine32")
        reference.update_batch(sorted(shingles))
        got = duplicates.signature(shingles)
        assert got.dtype == reference.hashvalues.dtype
        assert got.tolist() == reference.hashvalues.tolist(), text


def test_the_store_takes_as_many_bands_as_an_entry_has() -> None:
    from moderation.store import dupindex

    assert dupindex.BANDS == duplicates.BANDS
    with pytest.raises(ValueError, match="at most 20 band hashes"):
        dupindex._band_params(list(range(21)))
