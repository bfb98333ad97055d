"""A comment's text cut into what the pages draw: quoted spans (with their source) and own text with the
words that drove the model's score marked."""

from __future__ import annotations

import re
from typing import Any

from moderation.verdict import Quote, Stance

_WORD = re.compile(r"\w+(?:['\u2019]\w+)*", re.UNICODE)
MIN_STEM = 4


def reason_words(stance: Stance | None) -> list[str]:
    """The words behind the stance model's label, lower-cased, strongest first (none without a stance)."""
    if stance is None:
        return []
    return list(dict.fromkeys(w.strip().lower() for w in stance.reasons if w.strip()))


def _marks(text: str, words: list[str]) -> list[dict[str, Any]]:
    """Own text as runs of plain and marked characters."""
    terms = set()
    for w in words:
        terms.update(w.split())
    out: list[dict[str, Any]] = []
    last = 0
    for m in _WORD.finditer(text):
        tok = m.group().lower()
        hit = tok in terms or any(len(t) >= MIN_STEM and tok.startswith(t) for t in terms)
        if hit:
            if m.start() > last:
                out.append({"text": text[last:m.start()], "mark": False})
            out.append({"text": m.group(), "mark": True})
            last = m.end()
    if last < len(text):
        out.append({"text": text[last:], "mark": False})
    return out


def segments(text: str, quotes: tuple[Quote, ...], words: list[str] = ()) -> list[dict[str, Any]]:
    """The text as [{kind: quote, text, source} | {kind: own, runs: [{text, mark}]}] in order."""
    out: list[dict[str, Any]] = []
    last = 0
    for q in sorted(quotes, key=lambda q: q.start):
        start, end = max(q.start, last), q.end
        if end <= start:
            continue
        if text[last:start].strip():
            out.append({"kind": "own", "runs": _marks(text[last:start].strip("\n"), list(words))})
        out.append({"kind": "quote", "text": text[start:end].strip(), "source": q.source})
        last = end
    if text[last:].strip():
        out.append({"kind": "own", "runs": _marks(text[last:].strip("\n"), list(words))})
    return out
