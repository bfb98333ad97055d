"""Quote segmentation: inline cases, and every quote-reply of the seed thread with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.dataset import load_dataset
from moderation.labelling.quotes import ARTICLE, QuoteIndex, own_text

SEED = Path(__file__).resolve().parents[1] / "labels" / "kishida-nato"
EARLIER = "Japan should stay away from NATO, and instead improve its ties with Russia and China."

# Quote-replies of the seed thread -> the sources of their quoted spans, in order. A quote of a quote is
# attributed to where the words were first written (-016 quotes the article line that -012 quoted).
SEED_QUOTES = {
    7: [2, 2, 2, 2], 8: [2, 2, 2], 9: [4], 10: [4], 12: [ARTICLE], 15: [11, 11, 11], 16: [ARTICLE], 17: [11],
    18: [16, 16], 19: [7], 21: [20, 20], 24: [3], 25: [19], 28: [26, 26], 31: [30], 32: [ARTICLE], 33: [29],
    39: [ARTICLE, ARTICLE], 40: [2, 38], 41: [34, 34, 34], 42: [38], 44: [13], 48: [ARTICLE],
    49: [ARTICLE, 48, 48], 51: [50], 52: [ARTICLE], 55: [51], 56: [54], 57: [55], 58: [55, 55],
}


def _index(*earlier: str) -> QuoteIndex:
    index = QuoteIndex()
    index.add(ARTICLE, "Japan must strengthen NATO ties to safeguard global peace, PM says")
    for n, text in enumerate(earlier, start=1):
        index.add(f"c{n}", text)
    return index


@pytest.mark.parametrize("reply", [
    f"{EARLIER}\n\nNo, that would be a mistake.",
    f"> {EARLIER}\n\nNo, that would be a mistake.",
    "\u201cjapan SHOULD stay away from  NATO, and instead improve its ties with Russia\u201d\n\n"
    "No, that would be a mistake.",
    f"JJEToday  07:29 am JST\n\n{EARLIER}\n\nNo, that would be a mistake.",
    "instead improve its ties with Russia and China.\n\nNo, that would be a mistake.",
])
def test_quote_found_with_source_and_own_text(reply: str) -> None:
    quotes = _index(EARLIER).find(reply)
    assert [q.source for q in quotes] == ["c1"]
    assert own_text(reply, quotes) == "No, that would be a mistake."
    assert all(reply[q.start:q.end] == q.text for q in quotes)


def test_lightly_edited_long_quote_is_still_a_quote() -> None:
    reply = "Japan should stay away from NATO and improve its ties with Russia and China.\n\nWrong."
    assert [q.source for q in _index(EARLIER).find(reply)] == ["c1"]


def test_a_whole_copy_is_not_a_quote() -> None:
    assert _index(EARLIER).find(EARLIER) == []


def test_a_reworded_line_is_own_text() -> None:
    text = "It's obvious there's pro Russian or Russian posters on this site."
    reply = f"{text}\n\nIt's obvious there's pro Neocon posters on this site."
    quotes = _index(text).find(reply)
    assert [q.text for q in quotes] == [text]
    assert own_text(reply, quotes) == "It's obvious there's pro Neocon posters on this site."


def test_article_title_quoted() -> None:
    quotes = _index().find("Japan must strengthen NATO ties to safeguard global peace,\n\nMisguided.")
    assert [q.source for q in quotes] == [ARTICLE]


def test_seed_thread_quote_replies_and_sources() -> None:
    dataset = load_dataset(SEED)
    thread = dataset.threads[0]
    index = QuoteIndex()
    index.add(ARTICLE, f"{thread.title}\n\n{thread.body}")
    found = {}
    for n, comment in enumerate(dataset.comments, start=1):
        quotes = index.find(comment.text)
        if quotes:
            found[n] = [q.source for q in quotes]
        index.add(comment.id, comment.text, quotes)
    expected = {n: [s if s == ARTICLE else f"kishida-nato-{s:03d}" for s in sources]
                for n, sources in SEED_QUOTES.items()}
    assert found == expected


def test_own_texts_in_worker_processes_are_the_ones_read_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation.dataset import Thread
    from moderation.labelling import owntext

    dataset = load_dataset(SEED)
    thread = dataset.threads[0]
    # The seed thread, and copies of it under other ids (their quotes point at their own comments).
    jobs = [(thread, dataset.comments)]
    for k in range(3):
        other = Thread(id=f"copy{k}", title=thread.title, body=thread.body if k % 2 else "")
        jobs.append((other, [c.__class__(**{**c.__dict__, "thread_id": other.id}) for c in dataset.comments]))
    serial = owntext.own_texts(jobs)
    monkeypatch.setattr(owntext, "PARALLEL_FROM", 1)
    parallel = owntext.own_texts(jobs)
    assert parallel == serial and list(parallel) == list(serial)
    assert any(serial[c.id] != c.text for c in dataset.comments)  # some comments quote: there is work to share
