"""The tagger's per-thread state finds exactly what a full scan of the earlier comments finds."""

from __future__ import annotations

import random
import threading

import pytest

from moderation.dataset import Comment, Thread
from moderation.labelling import duplicates
from moderation.labelling.quotes import own_text
from moderation.labelling.thread_state import ThreadState, prefix_length
from moderation.labelling.workspace import Workspaces

WORDS = ["the", "a", "of", "to", "vote", "party", "election", "minister", "japan", "nato", "peace", "war", "treaty",
         "alliance", "army", "defence", "budget", "tax", "reform", "people", "country", "government", "opposition",
         "media", "report", "said", "would", "could", "never", "always"]
THREAD = Thread(id="t", title="Japan and NATO", body="The minister said Japan would deepen ties with NATO.",
                target="Japan should strengthen its ties with NATO")


def _scan(state: ThreadState, entry: dict, earlier: list[Comment], window: int) -> list[dict]:
    """The full scan the tagger did before the state existed."""
    out = []
    for n, c in enumerate(earlier[-window:]):
        e, _ = duplicates.make_entry(c.id, state.items[state.by_id[c.id]].own, thread_id=THREAD.id,
                                     author=c.author, with_bands=False)
        if e["text_hash"] == entry["text_hash"] or (
                min(e["n_words"], entry["n_words"]) >= duplicates.MIN_WORDS
                and duplicates.jaccard(duplicates.shingles(e["text"]),
                                       duplicates.shingles(entry["text"])) >= duplicates.THRESHOLD):
            out.append({**e, "id": -window - 1 + n})
    return out


def _thread(rng: random.Random, n: int) -> list[Comment]:
    comments: list[Comment] = []
    for i in range(n):
        roll = rng.random()
        if comments and roll < 0.15:
            text = rng.choice(comments).text  # an exact copy
        elif comments and roll < 0.45:
            words = rng.choice(comments).text.split()  # a near copy: one to three words changed
            for _ in range(rng.randint(1, 3)):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            text = " ".join(words)
        elif comments and roll < 0.55:
            text = f"> {rng.choice(comments).text}\n\nNo: {' '.join(rng.choices(WORDS, k=8))}"
        else:
            text = " ".join(rng.choices(WORDS, k=rng.randint(2, 40)))
        comments.append(Comment(id=f"c{i}", thread_id=THREAD.id, text=text, author=rng.choice([None, "a", "b"])))
    return comments


@pytest.mark.parametrize("seed", range(4))
def test_local_candidates_equal_a_full_scan(seed: int) -> None:
    rng = random.Random(seed)
    comments = _thread(rng, 160)
    state = ThreadState(THREAD)
    for i, c in enumerate(comments):
        earlier = comments[:i]
        assert state.begins(earlier)
        state.extend(earlier)  # grows one comment at a time, re-indexing as the thread doubles
        quotes = state.index.find(c.text)
        entry, _ = duplicates.make_entry(c.id, own_text(c.text, quotes) if quotes else c.text.strip(),
                                         thread_id=THREAD.id, author=c.author)
        for window in (2000, 7):
            assert state.local_candidates(entry, window) == _scan(state, entry, earlier, window)
    shuffled = comments[:100]
    rng.shuffle(shuffled)
    assert not state.begins(shuffled) and not state.begins(comments[:100])


def test_prefix_length_never_misses_a_pair_at_the_threshold() -> None:
    for size in range(1, 400):
        # A partner at Jaccard exactly THRESHOLD shares at least THRESHOLD * size shingles.
        assert size - prefix_length(size) + 1 <= max(1, int(duplicates.THRESHOLD * size + 1e-9))


def test_workspace_states_hold_exactly_the_earlier_comments_from_several_threads() -> None:
    comments = _thread(random.Random(9), 300)
    spaces = Workspaces()
    errors: list[BaseException] = []

    def grow(k: int) -> None:
        try:
            for i in range(k, len(comments), 7):
                with spaces.state(THREAD, comments[:i]) as state:
                    assert [c.id for c in state.comments] == [c.id for c in comments[:i]]
                    assert state.index.sources == ["article", *(c.id for c in comments[:i])]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=grow, args=(k,)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors


def test_workspaces_are_a_bounded_lru() -> None:
    spaces = Workspaces(size=2)
    for tid in ("a", "b", "a", "c"):
        with spaces.state(Thread(id=tid, title=tid), []):
            pass
    assert list(spaces._lru) == ["a", "c"]


class _Colliding(bytes):
    """A shingle whose hash collides with others (hash() of real bytes almost never does)."""

    def __hash__(self) -> int:
        return self[0] * 1000 + self[-1] % 3


@pytest.mark.parametrize("colliding", [False, True])
def test_prefix_of_is_the_first_shingles_of_the_full_order(colliding: bool) -> None:
    rng = random.Random(3)
    words = ["ramen", "station", "open", "nato", "summit", "prime", "minister", "kishida", "japan", "security"]
    state = ThreadState(Thread(id="t", title="t"))
    sizes = []
    for n in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 80)))
        shingles = duplicates.shingles(duplicates.dup_key(text))
        if colliding:
            shingles = frozenset(_Colliding(s) for s in shingles)
        state._common = frozenset(s for i, s in enumerate(sorted(shingles)) if i % 4 == 0) if n % 2 else frozenset()
        assert state._prefix_of(shingles) == state._ordered(shingles)[:prefix_length(len(shingles))]
        sizes.append(len(shingles))
    assert max(sizes) > 150  # sets large enough for the partial selection, not only the whole sort
