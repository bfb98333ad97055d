"""Off-topic material from public multi-thread data: comments on their own thread and moved under another one.

Each set is threads, the documents a store of them would hold (for idf), each thread's own comments (the
discussions a store of them would hold: an off-topic comment is compared with the other threads' discussions,
itself left out) and cases: a comment, the thread it is
posted under, the earlier comments it is judged after, and whether it is off-topic there. Used by the default
model's rebuild (training/offtopic.py: FNC-1, SemEval and Perspectrum train splits) and by
benchmarks/off_topic.py (their test splits, SFU and the seed thread). The SFU comments (CC BY-NC-SA) are for
evaluation only: the rebuild never reads them.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from moderation.dataset import Comment, Thread, load_dataset

TRANSPLANT = 0.25  # comments moved in from other threads, per genuine comment of a thread
EARLY = 5  # an "early" case is judged after at most this many earlier comments


@dataclass
class Case:
    """One comment under one thread, after ``earlier`` (the thread's comments before it)."""

    thread: Thread
    earlier: list[Comment]
    comment: Comment
    off_topic: bool


@dataclass
class OffTopicSet:
    """A named set: its threads, the documents of a store holding them, and the cases (by thread, by context)."""

    name: str
    threads: list[Thread]
    docs: list[str]
    cases: list[Case] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)  # (thread id, text): each thread's own, in order


def _ordered(cases: list[Case]) -> list[Case]:
    """Thread by thread, fewest earlier comments first: each thread's state grows, never rebuilt."""
    order = {}
    for c in cases:
        order.setdefault(c.thread.id, len(order))
    return sorted(cases, key=lambda c: (order[c.thread.id], len(c.earlier)))


def transplant(name: str, threads: list[Thread], texts: dict[str, list[str]], *, seed: int, discussion: bool = True,
               early: float = 0.0, ratio: float = TRANSPLANT) -> OffTopicSet:
    """Each thread's own comments (on topic) and comments of other threads moved under it (off-topic).

    A comment is judged after the thread's own comments before its position (none without ``discussion``);
    a moved comment gets a random position. With ``early``, that share of cases sees at most EARLY comments.
    """
    rng = random.Random(seed)
    out = OffTopicSet(name, threads, [f"{t.title}\n{t.target}\n{t.body}" for t in threads]
                      + [x for t in threads for x in texts[t.id]])
    ids = [t.id for t in threads]
    out.comments = [(t.id, x) for t in threads for x in texts[t.id]]
    for t in threads:
        own = [Comment(id=f"{t.id}/{i}", thread_id=t.id, text=x) for i, x in enumerate(texts[t.id])]
        others = [i for i in ids if i != t.id and texts[i]]
        moved = []
        for j in range(max(1, round(ratio * len(own))) if others else 0):
            src = rng.choice(others)
            moved.append(Comment(id=f"{t.id}/moved-{j}", thread_id=t.id, text=rng.choice(texts[src])))
        for pos, c, off in [*((i, c, False) for i, c in enumerate(own)),
                            *((rng.randint(0, len(own)), c, True) for c in moved)]:
            k = pos if discussion else 0
            if early and rng.random() < early:
                k = min(k, rng.randint(0, EARLY)) if not off else rng.randint(0, min(EARLY, len(own)))
            out.cases.append(Case(t, own[:k], c, off))
    out.cases = _ordered(out.cases)
    return out


def fnc1(folder: Path, split: str, *, discussion: bool = False, seed: int = 0, early: float = 0.0) -> OffTopicSet:
    """FNC-1 pairs: each headline a comment under its body (an article with no title), unrelated = off-topic.

    With ``discussion`` a headline is judged after the body's related headlines before it (a random order;
    an unrelated one at a random position), as the comments of a thread; else with no earlier comments.
    """
    csv.field_size_limit(sys.maxsize)
    with open(folder / f"{split}_bodies.csv", encoding="utf-8") as fh:
        bodies = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(fh)}
    threads = {b: Thread(id=f"fnc-{b}", title="", body=text) for b, text in bodies.items()}
    out = OffTopicSet(f"FNC-1 {split}", list(threads.values()), [t.body for t in threads.values()])
    pairs: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    with open(folder / f"{split}_stances.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.docs.append(r["Headline"])
            pairs[r["Body ID"]].append((r["Headline"], r["Stance"] == "unrelated"))
    out.comments = [(threads[b].id, h) for b, rows in pairs.items() for h, off in rows if not off]
    rng = random.Random(seed)
    for b, rows in pairs.items():
        t = threads[b]
        comments = [(Comment(id=f"{t.id}/{n}", thread_id=t.id, text=h), off) for n, (h, off) in enumerate(rows)]
        related = [c for c, off in comments if not off]
        rng.shuffle(related)
        place = {c.id: i for i, c in enumerate(related)}
        for c, off in comments:
            k = (rng.randint(0, len(related)) if off else place[c.id]) if discussion else 0
            if early and rng.random() < early:
                k = min(k, rng.randint(0, EARLY))
            out.cases.append(Case(t, related[:k], c, off))
    out.cases = _ordered(out.cases)
    return out


def semeval(folder: Path, split: str, *, seed: int = 0, early: float = 0.0) -> OffTopicSet:
    """SemEval-2016 6A tweets under their target, and tweets of other targets moved under it."""
    texts: dict[str, list[str]] = defaultdict(list)
    with open(folder / f"taskA_{split}.tsv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            texts[r["Target"]].append(r["Tweet"].replace("#SemST", "").strip())
    threads = [Thread(id=t, title=t) for t in sorted(texts)]
    return transplant(f"SemEval {split}", threads, texts, seed=seed, early=early)


def perspectrum(folder: Path, split: str, *, seed: int = 0, early: float = 0.0) -> OffTopicSet:
    """Perspectrum perspectives under their claim, and perspectives of other claims moved under it."""
    claims = json.loads((folder / "perspectrum_with_answers_v1.0.json").read_text(encoding="utf-8"))
    pool = {p["pId"]: p["text"] for p in json.loads((folder / "perspective_pool_v1.0.json").read_text("utf-8"))}
    splits = json.loads((folder / "dataset_split_v1.0.json").read_text(encoding="utf-8"))
    threads, texts = [], {}
    for c in claims:
        if splits.get(str(c["cId"])) == split:
            t = Thread(id=f"claim-{c['cId']}", title=c["text"])
            threads.append(t)
            texts[t.id] = [pool[p] for cl in c["perspectives"] for p in cl["pids"] if p in pool]
    return transplant(f"Perspectrum {split}", threads, texts, seed=seed, early=early)


def sfu(folder: Path, *, discussion: bool, seed: int = 0) -> OffTopicSet:
    """SFU news comments under their article (title only) and moved under another article (evaluation only)."""
    with open(folder / "SFU_constructiveness_toxicity.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    titles: dict[str, Counter] = defaultdict(Counter)
    texts: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        titles[r["url"]][re.sub(r" - The Globe and Mail$", "", r["title"])] += 1
        texts[r["url"]].append(r["comment"])
    threads = [Thread(id=u.rsplit("/", 1)[-1], title=titles[u].most_common(1)[0][0]) for u in sorted(texts)]
    by_id = {u.rsplit("/", 1)[-1]: v for u, v in texts.items()}
    name = "SFU title + discussion" if discussion else "SFU title only"
    return transplant(name, threads, by_id, seed=seed, discussion=discussion)


def seed_teasers(seeds: Path) -> dict[str, str]:
    """Unrelated stories the seed pages carry: the Taipei Times' and Naija247news' teasers."""
    taipei = (seeds / "003_17b143a5567d5eb0.txt").read_text(encoding="utf-8").splitlines()[-4:]
    naija = (seeds / "002_90a1c7bb93c84664.txt").read_text(encoding="utf-8").split("\n\n")[-8:-1]
    return {"yakuza": taipei[0], "cargo plane crash": taipei[1], "Indonesia repatriation": taipei[2],
            "LDP": taipei[3], "NAFDAC bakery": "\n\n".join(naija[0:2]), "Boko Haram": "\n\n".join(naija[2:4]),
            "CBN forex": "\n\n".join(naija[4:6]), "Naira": naija[6]}


def seed(labels: Path, seeds: Path, *, article: bool) -> OffTopicSet:
    """The seed thread's labelled comments in order, then each unrelated teaser after all of them."""
    ds = load_dataset(labels)
    t = ds.threads[0] if article else Thread(id=ds.threads[0].id, title=ds.threads[0].title,
                                             target=ds.threads[0].target)
    out = OffTopicSet("seed " + ("with article" if article else "title only"), [t],
                      [f"{t.title}\n{t.target}\n{t.body}", *(c.text for c in ds.comments)])
    out.comments = [(t.id, c.text) for c in ds.comments]
    out.cases = [Case(t, ds.comments[:i], c, bool(c.off_topic)) for i, c in enumerate(ds.comments)]
    out.cases += [Case(t, ds.comments, Comment(id=f"teaser-{k}", thread_id=t.id, text=v), True)
                  for k, v in seed_teasers(seeds).items()]
    return out
