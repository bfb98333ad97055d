"""Copy or quote-reply benchmark (issue 11): copy variants of real comments and synthetic quote-replies.

Run: .venv/bin/python benchmarks/copies.py ../shared/data [--choose] [--smoke]

Threads of real texts (SemEval tweets by target, FNC-1 bodies cut into comment-sized pieces, Perspectrum claims
with one perspective per paraphrase cluster) are stored through the product's Tagger in a SQLite store; then
probes are tagged against them (remember=False): copy variants by another author (verbatim, a line appended or
prepended, one sentence replaced, paragraphs reversed, the last quarter cut; a quarter of them posted in another
thread), quote-replies (part of a source quoted and answered, marked or not; interleaved quote/answer; a whole
source quoted with `>` and answered) and Perspectrum paraphrases of a stored perspective (hard negatives).
A copy probe is caught when its duplicate is its source; precision counts every flagged probe. Beside it, in the
same run: raw MinHash (datasketch, 128 permutations, Jaccard estimate >= 0.8 on the raw text's shingles against
every stored text). Each corpus gives the same number of probes. `--choose` picks copies.RULE on the train
splits only (benchmarks/_copies_fit.py); the default run reports the test splits (SemEval test, FNC-1
competition bodies, Perspectrum test claims).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from datasketch import MinHash

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import _copies_fit  # noqa: E402
from benchmarks._common import load_average  # noqa: E402
from moderation.dataset import Comment, Thread  # noqa: E402
from moderation.labelling import duplicates  # noqa: E402
from moderation.labelling.quotes import NGRAM  # noqa: E402
from moderation.labelling.relevance import Relevance  # noqa: E402
from moderation.labelling.tagger import Tagger  # noqa: E402
from moderation.store import Store, open_store  # noqa: E402

TARGETS = {"recall": 0.95, "precision": 0.99, "quotes_kept": 0.98}
COPY_KINDS = ("verbatim", "appended", "prepended", "sentence", "reordered", "cut")
QUOTE_KINDS = ("quote", "interleaved", "whole_marked")
# A sentence ends at . ! or ?, or at a closing quote right after one ('... again.” It is').
_SENT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019]))\s+(?=[A-Z\"'\u201c])")
Source = tuple[str, str]  # (id, text)
CORPORA = ("semeval", "fnc1", "perspectrum")


def corpus_of(key: str) -> str:
    """The corpus of a thread key or a stored text's id."""
    return "semeval" if key.startswith("se-") else "fnc1" if key.startswith("fnc") else "perspectrum"


def semeval(data: Path, split: str) -> dict[str, list[str]]:
    """Tweets by target (#SemST stripped)."""
    out: dict[str, list[str]] = defaultdict(list)
    with open(data / "semeval2016-task6" / f"taskA_{split}.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out[row["Target"]].append(row["Tweet"].replace("#SemST", "").strip())
    return out


def fnc_pieces(data: Path, split: str) -> dict[str, list[str]]:
    """Each body cut into comment-sized pieces (paragraphs joined up to ~80 words)."""
    csv.field_size_limit(sys.maxsize)
    name = "train_bodies.csv" if split == "train" else "competition_test_bodies.csv"
    out: dict[str, list[str]] = {}
    with open(data / "fnc1" / name, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            paras = [p.strip() for p in row["articleBody"].split("\n") if len(p.split()) >= 5]
            pieces, cur = [], []
            for p in paras:
                cur.append(p)
                if sum(len(x.split()) for x in cur) >= 40:
                    pieces.append("\n\n".join(cur))
                    cur = []
            if len(pieces) >= 2:
                out[f"fnc{row['Body ID']}"] = pieces
    return out


def perspectrum(data: Path, split: str) -> tuple[dict[str, list[str]], list[tuple[str, int, str]]]:
    """Claims -> one perspective per cluster; and (claim, index of the stored sibling, paraphrase) pairs."""
    root = data / "perspectrum"
    splits = json.loads((root / "dataset_split_v1.0.json").read_text())
    pool = {p["pId"]: p["text"] for p in json.loads((root / "perspective_pool_v1.0.json").read_text())}
    threads, paraphrases = {}, []
    for claim in json.loads((root / "perspectrum_with_answers_v1.0.json").read_text()):
        if splits.get(str(claim["cId"])) not in ((split,) if split == "test" else ("train", "dev")):
            continue
        key = f"p{claim['cId']}"
        texts = []
        for cluster in claim["perspectives"]:
            ids = [p for p in cluster["pids"] if p in pool]
            if ids:
                texts.append(pool[ids[0]])
                paraphrases += [(key, len(texts) - 1, pool[p]) for p in ids[1:]]
        if len(texts) >= 2:
            threads[key] = texts
    return threads, paraphrases


def variant(kind: str, text: str, line: str) -> str | None:
    """A copy variant of the text by another author, or None when the text cannot carry that edit."""
    sents = _SENT.split(text)
    paras = text.split("\n\n")
    if kind == "verbatim":
        return text
    if kind == "appended":
        return f"{text}\n\n{line}"
    if kind == "prepended":
        return f"{line}\n\n{text}"
    if kind == "sentence":
        if len(sents) < 3:
            return None
        i = max(range(1, len(sents)), key=lambda j: -len(sents[j]))  # the shortest non-first sentence
        return " ".join(sents[:i] + [line] + sents[i + 1:])
    if kind == "reordered":
        parts = paras if len(paras) > 1 else sents
        return None if len(parts) < 2 else ("\n\n" if len(paras) > 1 else " ").join(parts[1:] + parts[:1])
    words = text.split(" ")
    return " ".join(words[:len(words) * 3 // 4])


def quote_reply(kind: str, text: str, answers: list[str], rng: random.Random) -> str | None:
    """A synthetic quote-reply to the text: quotes part of it (or all of it, marked) and answers."""
    sents = [s for p in text.split("\n\n") for s in _SENT.split(p) if len(s.split()) >= 6]  # a caption ends too
    if kind == "whole_marked":
        return "\n\n".join("> " + p for p in text.split("\n\n")) + f"\n\n{answers[0]}"
    if kind == "interleaved":
        if len(sents) < 2:
            return None
        return f"> {sents[0]}\n\n{answers[0]}\n\n> {sents[1]}\n\n{answers[1]}"
    if not sents:
        return None
    quote = rng.choice(sents)
    # A whole one-sentence text quoted unmarked and answered is a copy with a line appended, not a quote-reply.
    mark = rng.choice(["> {}", '"{}"', "{}"] if len(sents) > 1 else ["> {}", '"{}"'])
    return f"{mark.format(quote)}\n\n{answers[0]}"


def _grams(text: str) -> set[tuple[str, ...]]:
    words = duplicates.dup_key(text).split()
    return {tuple(words[i:i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


def build(threads: dict[str, list[str]], paraphrases: list, rng: random.Random, limit: int) -> tuple:
    """(threads as [(id, text)], probes [(thread, kind, text, expected source or None)])."""
    # Every fifth text is not stored: those give the answers and added lines, none of them a sentence of a stored
    # text (Perspectrum repeats perspectives across claims; FNC-1 repeats bodies under other ids: stored once).
    seen: set[str] = set()
    stored: dict[str, list[Source]] = {}
    for t, texts in threads.items():
        for i, x in enumerate(texts):
            key = duplicates.dup_key(x)
            if i % 5 and key not in seen:
                seen.add(key)
                stored.setdefault(t, []).append((f"{t}-{i}", x))
    keys = sorted(stored)
    # Nor does an answer reproduce any run of 4 words of a stored text (retweets and Perspectrum's near-repeats
    # would make an "answer" a copy of another stored text).
    taken = {g for t in keys for _, x in stored[t] for g in _grams(x)}
    lines = [s for t in keys for x in threads[t][::5] for s in _SENT.split(x.replace("\n", " "))
             if 5 <= len(s.split()) <= 14 and not _grams(s) & taken]
    # The same number of probes from each corpus (sorted keys would give them all to FNC-1's "fnc…" threads),
    # each corpus's texts taken in a shuffled order.
    probes: list = []
    for corpus in CORPORA:
        pool = [(n, t, sid, text) for n, t in enumerate(keys) if corpus_of(t) == corpus for sid, text in stored[t]
                if len(text.split()) >= 12]
        rng.shuffle(pool)
        mine: list = []
        for n, t, sid, text in pool:
            if len(mine) >= limit // len(CORPORA):
                break
            answers = [rng.choice(lines) for _ in range(2)]
            kind = rng.choice(COPY_KINDS)
            copy = variant(kind, text, answers[0])
            if copy is not None and copy != text or kind == "verbatim":
                where = keys[(n + 1) % len(keys)] if rng.random() < 0.25 else t
                mine.append((where, kind, copy, sid))
            qkind = rng.choice(QUOTE_KINDS)
            reply = quote_reply(qkind, text, answers, rng)
            if reply is not None:
                mine.append((t, qkind, reply, sid))
        probes += mine
    for t, _, text in paraphrases[:limit // 4]:
        if t in stored and duplicates.dup_key(text) not in seen:
            probes.append((t, "paraphrase", text, None))
    return stored, probes


def raw_minhash(stored: dict[str, list[Source]]) -> Callable[[str], str | None]:
    """The reference: a raw-text MinHash estimate >= 0.8 against every stored text; returns the best source."""
    sigs = []
    for texts in stored.values():
        for sid, text in texts:
            m = MinHash(num_perm=128, seed=1)
            m.update_batch(duplicates.shingles(" ".join(text.lower().split())))
            sigs.append((sid, m))

    def best(text: str) -> str | None:
        m = MinHash(num_perm=128, seed=1)
        m.update_batch(duplicates.shingles(" ".join(text.lower().split())))
        sim, sid = max(((m.jaccard(s), sid) for sid, s in sigs), default=(0.0, None))
        return sid if sim >= duplicates.THRESHOLD else None
    return best


def run(stored: dict[str, list[Source]], probes: list, workdir: str, verbose: bool = False) -> dict[str, Counter]:
    """Tag every probe through the Tagger against a SQLite store holding the threads; count per kind."""
    with open_store(f"sqlite:///{workdir}/copies.db") as store:
        return _run(store, stored, probes, verbose)


def _run(store: Store, stored: dict[str, list[Source]], probes: list, verbose: bool) -> dict[str, Counter]:
    corpus = [x for texts in stored.values() for _, x in texts]
    tagger = Tagger(store, relevance=Relevance.fit(corpus[:5000]))
    objs = {}
    for t, texts in stored.items():
        thread = Thread(id=t, title=t, body="", target=t)
        comments = [Comment(id=sid, thread_id=t, text=x, author=f"a-{sid}") for sid, x in texts]
        for i, c in enumerate(comments):
            tagger.tag(c, thread, comments[:i])
        objs[t] = (thread, comments)
    reference = raw_minhash(stored)
    counts: dict[str, Counter] = defaultdict(Counter)
    for n, (t, kind, text, source) in enumerate(probes):
        thread, comments = objs[t]
        tags = tagger.tag(Comment(id=f"probe{n}", thread_id=t, text=text, author="mallory"), thread, comments,
                          remember=False).to_json()
        if verbose and (tags["duplicate"] or {}).get("of") != (source if kind in COPY_KINDS else None):
            print(kind, source, repr(text[:300]), tags["duplicate"], [q["source"] for q in tags["quotes"]],
                  file=sys.stderr)
        for who, flagged in (("product", (tags["duplicate"] or {}).get("of")), ("minhash", reference(text))):
            for c in (counts[f"{who}:{kind}"], counts[f"{who}@{corpus_of(source or t)}:{kind}"]):
                c["n"] += 1
                c["flagged"] += flagged is not None
                c["right"] += flagged is not None and flagged == source and kind in COPY_KINDS
                if kind in QUOTE_KINDS:
                    quoted = who == "minhash" or any(q["source"] == source for q in tags["quotes"])
                    c["kept"] += flagged is None and quoted
    return counts


def figures(counts: dict[str, Counter], who: str) -> dict[str, float]:
    """Recall over copy kinds, precision over every flagged probe, share of quote-replies kept."""
    total = Counter()
    for key, c in counts.items():
        if key.startswith(who + ":"):
            kind = key.split(":")[1]
            total["copies"] += c["n"] if kind in COPY_KINDS else 0
            total["right"] += c["right"]
            total["flagged"] += c["flagged"]
            total["quotes"] += c["n"] if kind in QUOTE_KINDS else 0
            total["kept"] += c["kept"]
    return {"recall": total["right"] / max(1, total["copies"]), "precision": total["right"] / max(1, total["flagged"]),
            "quotes_kept": total["kept"] / max(1, total["quotes"])}


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, build the probes of one split, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--choose", action="store_true", help="choose the thresholds on the train splits")
    ap.add_argument("--smoke", action="store_true", help="a small run (CI)")
    ap.add_argument("--verbose", action="store_true", help="print every miss and false alarm to stderr")
    ap.add_argument("--split", choices=("train", "test"), default="test", help="train: for development")
    args = ap.parse_args(argv)
    split = "train" if args.choose else args.split
    rng = random.Random(11)
    threads: dict[str, list[str]] = {}
    for name, texts in semeval(args.data, split).items():
        threads[f"se-{name[:8]}"] = texts
    threads.update(fnc_pieces(args.data, split))
    persp, paraphrases = perspectrum(args.data, split)
    threads.update(persp)
    if args.smoke:
        keep = sorted(threads)[::max(1, len(threads) // 12)]
        threads = {k: threads[k][:40] for k in keep}
    limit = 150 if args.smoke else 2000
    stored, probes = build(threads, paraphrases, rng, limit)
    if args.choose:
        _copies_fit.choose(stored, probes, COPY_KINDS, corpus_of)
        return
    with tempfile.TemporaryDirectory() as tmp:
        counts = run(stored, probes, tmp, verbose=args.verbose)
    print(f"{len(probes)} probes on the {split} splits; {load_average()}")
    print(f"{'kind':<14}{'n':>6}{'caught/kept':>13}{'minhash':>9}")
    for kind in (*COPY_KINDS, *QUOTE_KINDS, "paraphrase"):
        p, m = counts.get(f"product:{kind}", Counter()), counts.get(f"minhash:{kind}", Counter())
        good = "right" if kind in COPY_KINDS else "kept" if kind in QUOTE_KINDS else "flagged"
        if p["n"]:
            print(f"{kind:<14}{p['n']:>6}{p[good] / p['n']:>13.3f}{m[good] / m['n']:>9.3f}")
    for corpus in CORPORA:
        ours, ref = figures(counts, f"product@{corpus}"), figures(counts, f"minhash@{corpus}")
        print(f"{corpus:<12} " + "  ".join(f"{k} {ours[k]:.3f} (MinHash {ref[k]:.3f})" for k in TARGETS))
    ours, ref = figures(counts, "product"), figures(counts, "minhash")
    for key, target in TARGETS.items():
        print(f"{key:<12} product {ours[key]:.3f}   raw MinHash {ref[key]:.3f}   target >= {target}")


if __name__ == "__main__":
    main()
