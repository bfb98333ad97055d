"""The tagger: one comment in its thread -> its Verdict (quotes, own text, duplicate, off-topic, stance, reasons).

A comment is judged only against the comments before it (``earlier``), never itself or later ones: the
per-thread state comes from the engine's workspaces (moderation.labelling.workspace), and the store's duplicate
index is read up to the comment's own entry when it is already indexed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moderation.dataset import Comment, Thread
from moderation.labelling import copies, duplicates
from moderation.labelling.offtopic import site_model
from moderation.labelling.relevance import Relevance
from moderation.labelling.thread_state import ThreadState
from moderation.labelling.workspace import Workspaces
from moderation.verdict import RELEVANCE, Duplicate, OffTopic, Quote, Stance, Verdict, trained_source

LOCAL_SCAN = 2000  # earlier comments of the thread also compared directly (they may not be indexed yet)


@dataclass(frozen=True)
class _Local:
    """What the thread state says of a comment before the store's index is asked."""

    quotes: tuple[Quote, ...]
    own: str
    reading: copies.Reading
    source: dict[str, Any] | None  # the index entry of the comment it copies, when it is a copy
    entry: dict[str, Any]
    bands: list[int]
    local: list[dict[str, Any]]
    previous: tuple[str, str] | None
    relevance: dict[str, Any]


def stance_of(raw: Any) -> tuple[Stance | None, float | None]:
    """The model's answer as a Stance, and its off-topic probability when the model has an off-topic part."""
    if not raw:
        return None, None
    off = raw.get("off_topic")
    return Stance.from_json(raw), (float(off) if off is not None else None)


class Tagger:
    """Tags comments against a store's duplicate index; `model` (optional) scores stance on the own text.

    `model` is the stance scorer (moderation.model.scorer): an object with `score(record) -> dict`, or a
    callable taking the record {"text", "target", "title", "body"}.
    """

    def __init__(self, store: Any, model: Any = None, relevance: Relevance | None = None) -> None:
        self.store = store
        self.model = model
        self._relevance = relevance
        self._own_relevance = relevance is None  # the store's own: fitted here, synced before every comment
        self.workspaces = Workspaces(lambda thread: self.relevance.topic(thread),
                                     feed=(lambda: self.relevance) if self._own_relevance else None)

    @property
    def version(self) -> str | None:
        """The loaded model's version (None without a model)."""
        return getattr(self.model, "version", None) if self.model is not None else None

    @property
    def relevance(self) -> Relevance:
        """The relevance model, fitted on the store's articles and comments on first use."""
        if self._relevance is None:
            self._relevance = Relevance.from_store(self.store, self.version)
        return self._relevance

    def _sync(self) -> None:
        # The store's threads since the last request join the atlas before this one is judged (one query), so
        # every worker compares a comment with the same other threads. A relevance given by the caller (the CLI,
        # the benchmarks) holds its threads already.
        if self._own_relevance:
            self.relevance.sync(self.store)

    def _local(self, comment: Comment, state: ThreadState) -> _Local:
        reading = state.read(comment)
        quotes, own = tuple(reading.quotes), reading.own
        entry, bands = duplicates.make_entry(comment.id, own, thread_id=state.thread_id, author=comment.author)
        local = state.local_candidates(entry, LOCAL_SCAN)
        previous = (state.comments[-1].id, state.comments[-1].text) if state.comments else None
        assert state.topic is not None  # the workspaces give every state its topic
        site = site_model(self.model)  # the site's own off-topic model, when its labels trained one
        rel = self.relevance.score_topic(state.topic, own, [q.source for q in quotes], model=site,
                                         source=trained_source(self.version) if site else RELEVANCE)
        return _Local(quotes, own, reading, _source_entry(reading, state), entry, bands, local, previous, rel)

    def _indexed(self, comment: Comment, part: _Local, remember: bool) -> list[dict[str, Any]]:
        """The store's index entries stored before this comment's own (all of them when it has none), and those of
        its edited keys (one statement for both)."""
        also = _edited_hashes(part)
        if remember:
            (found, extra), own = self.store.dup_find_and_add_also(part.entry, part.bands, also), None
        else:
            every, extra = self.store.dup_candidates_also(part.entry["text_hash"], part.bands, also)
            own = next((c["id"] for c in every if c["comment_id"] == comment.id), None)
            found = [c for c in every if c["comment_id"] != comment.id and (own is None or c["id"] < own)]
        return found + _edited(comment, found, own, extra)

    def _verdict(self, comment: Comment, thread: Thread, part: _Local, remember: bool) -> Verdict:
        found = self._indexed(comment, part, remember)
        stored = {c["comment_id"] for c in found}
        local = [c for c in part.local if c["comment_id"] not in stored]
        dup = copies.judge(part.reading, part.entry, [*local, *found], source=part.source, raw_text=comment.text,
                           previous=part.previous)
        duplicate = Duplicate.from_json(dup) if dup else None
        stance, p_model = None, None
        if self.model is not None:
            record = {"text": part.own, "target": thread.target, "title": thread.title, "body": thread.body}
            stance, p_model = stance_of(self.model.score(record) if hasattr(self.model, "score")
                                        else self.model(record))
        if p_model is not None and site_model(self.model) is None:
            off_topic = OffTopic(round(p_model, 4), f"the trained off-topic model {self.version} says "
                                 f"{p_model:.2f}", trained_source(self.version))
        else:
            off_topic = OffTopic.from_json(part.relevance)
        reasons = []
        if part.quotes:
            sources = ", ".join(dict.fromkeys(q.source for q in part.quotes))
            reasons.append(f"quotes {len(part.quotes)} span(s) from {sources}; judged on its own text")
        if duplicate:
            reasons.append(duplicate.reason)
        reasons.append(f"off-topic probability {off_topic.probability:.2f} ({off_topic.source}): {off_topic.reason}")
        if stance is not None and stance.reason:
            reasons.append(stance.reason)
        return Verdict(comment.id, comment.thread_id, part.own, off_topic, part.quotes, stance, duplicate,
                       tuple(reasons), self.version)

    def tag(self, comment: Comment, thread: Thread, earlier: Sequence[Comment], *, remember: bool = True,
            sync: bool = True) -> Verdict:
        """The verdict of one comment after ``earlier``; with remember=True its own text joins the index.

        ``sync=False``: the caller synced the store's threads already for this comment (a batch syncs once, and
        again after an item that stored a thread of its own)."""
        if sync:
            self._sync()
        with self.workspaces.state(thread, earlier) as state:
            part = self._local(comment, state)
        return self._verdict(comment, thread, part, remember)

    def thread_verdicts(self, thread: Thread, comments: Sequence[Comment]) -> list[Verdict]:
        """The verdict of each of a thread's comments against those before it (read only; kept per thread)."""
        self._sync()
        return self.workspaces.walk(thread, comments,
                                    lambda c, state: self._verdict(c, thread, self._local(c, state), False))


def _edited_hashes(part: _Local) -> list[int]:
    """The exact hashes of the own text less its first or last paragraph (a line added before or after; across
    threads the bands of a short text with a line added may miss its source, its exact hash does not)."""
    if part.reading.copy is not None:
        return []
    return [duplicates.text_hash(key) for key in copies.edited_keys(part.own)]


def _edited(comment: Comment, found: list[dict[str, Any]], own: int | None, extra: list[list[dict[str, Any]]]
            ) -> list[dict[str, Any]]:
    """The entries of the edited keys (``extra``, one list per key) not found already, stored before this one."""
    have = {c["id"] for c in found}
    return [c for entries in extra for c in entries
            if c["id"] not in have and c["comment_id"] != comment.id and (own is None or c["id"] < own)]


def _source_entry(reading: copies.Reading, state: ThreadState) -> dict[str, Any] | None:
    """The index entry of the earlier comment the reading says this one copies (its whole text)."""
    pos = state.by_id.get(reading.copy.source) if reading.copy is not None else None
    if pos is None:
        return None
    src = state.comments[pos]
    entry, _ = duplicates.make_entry(src.id, src.text, thread_id=src.thread_id, author=src.author, with_bands=False)
    return {**entry, "id": -1}
