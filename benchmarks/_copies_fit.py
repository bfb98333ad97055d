"""The copy rule's constants chosen on the train probes of benchmarks/copies.py (`--choose`), never on test.

Every probe is read once, as the tagger reads it: within its thread, the evidence against every earlier text
it reproduces (copies.read's evidence); posted in another thread, the pair's evidence against its source's
folded text (what copies.judge measures on a duplicate-index candidate, assuming the index returns it). Each
rule of a small grid is then applied to those readings, so the grid costs no tagging. The chosen rule is the
one with the best copy recall among those with precision >= 0.995 and quote-replies kept >= 0.99 (the targets
0.99 / 0.98 with a margin), the most conservative on a tie (least own text allowed, most coverage asked). The
full tagger run on the train split (`--split train`) then confirms the rule's figures.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from moderation.dataset import Comment
from moderation.labelling import copies, duplicates
from moderation.labelling.quotes import QuoteIndex

MARGIN = {"precision": 0.995, "quotes_kept": 0.99}  # the targets 0.99 / 0.98 with a margin for the test split


@dataclass(frozen=True)
class Probe:
    """One probe read once: its kind, corpus, where it was posted and the evidence the copy rule reads."""

    kind: str
    corpus: str
    cross: bool
    source: str | None
    evidence: tuple[copies.Evidence, ...]  # within the thread: every source; across threads: the source's pair


def read_all(stored: dict, probes: list, copy_kinds: tuple, corpus_of) -> list[Probe]:
    """The readings of every probe (each thread's texts indexed once, in thread order)."""
    texts = {sid: x for ts in stored.values() for sid, x in ts}
    out = []
    for t, ts in stored.items():
        index = QuoteIndex.for_thread(t, "")
        for sid, x in ts:
            copies.add(index, Comment(id=sid, thread_id=t, text=x))
        for _, kind, text, source in (p for p in probes if p[0] == t):
            cross = source is not None and source not in index
            if cross:
                ev = (copies.pair_evidence(text, source, duplicates.dup_key(texts[source]), folded=True),)
            else:
                ev = tuple(copies.read(index, Comment(id="probe", thread_id=t, text=text)).evidence)
            out.append(Probe(kind, corpus_of(source or t), cross, source, ev))
    return out


def flagged(p: Probe, rule: copies.Rule) -> str | None:
    """The source the rule says the probe copies (read's choice: the most source words covered), or None."""
    hits = [e for e in p.evidence if e.is_copy(rule)]
    return max(hits, key=lambda e: (e.covered_words, e.coverage)).source if hits else None


def score(readings: list[Probe], rule: copies.Rule, copy_kinds: tuple) -> dict[str, float]:
    """Recall, precision and quotes kept (as far as the copy rule decides them) of one rule."""
    c = Counter()
    for p in readings:
        f = flagged(p, rule)
        is_copy = p.kind in copy_kinds
        c["copies"] += is_copy
        c["right"] += is_copy and f == p.source
        c["flagged"] += f is not None
        c["quotes"] += p.kind not in copy_kinds and p.kind != "paraphrase"
        c["lost"] += p.kind not in copy_kinds and p.kind != "paraphrase" and f is not None
    return {"recall": c["right"] / max(1, c["copies"]), "precision": c["right"] / max(1, c["flagged"]),
            "quotes_kept": 1 - c["lost"] / max(1, c["quotes"])}


def grid() -> list[copies.Rule]:
    """The rules tried: coverage floor, own share there, own share at full coverage (linear between), intro."""
    steps = [x / 100 for x in range(0, 101, 5)]
    out = []
    for cov, own, full, intro in itertools.product([s for s in steps if 0.5 <= s <= 0.95],
                                                   [s for s in steps if 0.1 <= s <= 0.4],
                                                   [s for s in steps if 0.1 <= s <= copies.MAX_OWN],
                                                   [0.0, 0.2, 0.3, 0.4, 0.5]):
        if full >= own:
            out.append(copies.Rule(cov, own, full, intro))
    return out


def breakdown(readings: list[Probe], rule: copies.Rule, copy_kinds: tuple) -> None:
    """Misses per copy kind and corpus (within / across threads), false alarms per probe kind and corpus."""
    miss, fa, n = Counter(), Counter(), Counter()
    for p in readings:
        f = flagged(p, rule)
        key = (p.kind, p.corpus, "across" if p.cross else "within")
        n[key] += 1
        if p.kind in copy_kinds and f != p.source:
            miss[key] += 1
        if f is not None and (p.kind not in copy_kinds or f != p.source):
            fa[key] += 1
    for title, counter in (("missed copies", miss), ("false alarms", fa)):
        print(f"{title} under {rule}:")
        for key, k in sorted(counter.items(), key=lambda kv: -kv[1]):
            print(f"  {'/'.join(key):<36}{k:>5} of {n[key]}")


def choose(stored: dict, probes: list, copy_kinds: tuple, corpus_of) -> copies.Rule:
    """Print the grid's best rules and the breakdown of the chosen one; return it."""
    readings = read_all(stored, probes, copy_kinds, corpus_of)
    print(f"{len(readings)} train probes read; current rule {copies.RULE}: {score(readings, copies.RULE, copy_kinds)}")
    breakdown(readings, copies.RULE, copy_kinds)
    rows = []
    for rule in grid():
        s = score(readings, rule, copy_kinds)
        ok = all(s[k] >= v for k, v in MARGIN.items())
        rows.append((ok, s["recall"], s["precision"], -rule.full_own, -rule.own_share, rule.coverage, -rule.intro, rule,
                     s))
    rows.sort(key=lambda r: r[:7], reverse=True)
    print("best rules (feasible first):")
    for r in rows[:12]:
        print(f"  feasible={r[0]!s:<5} {r[7]}  " + "  ".join(f"{k} {v:.3f}" for k, v in r[8].items()))
    best = rows[0][7]
    print(f"chosen on train: {best}")
    breakdown(readings, best, copy_kinds)
    return best
