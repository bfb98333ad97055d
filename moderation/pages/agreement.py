"""Agreement between annotators (nltk.metrics.agreement): Cohen's kappa per pair, Krippendorff's alpha per
field; the disagreements a lead adjudicates into gold labels."""

from __future__ import annotations

import itertools
from typing import Any

from nltk.metrics.agreement import AnnotationTask

from moderation.dataset import STANCES
from moderation.errors import InputError
from moderation.pages.labelling import HUMAN_SOURCES
from moderation.store import Store

FIELDS = ("stance", "off_topic", "duplicate_of")
ADJUDICATION = "adjudication"


def value(label: dict[str, Any], name: str) -> str:
    """A label field as the category nltk compares ('-' for no duplicate)."""
    v = label.get(name)
    if name == "off_topic":
        return "yes" if v else "no"
    return v or "-"


def latest(store: Store, thread_id: str | None = None) -> tuple[dict[str, dict[str, dict]], set[str]]:
    """{comment_id: {annotator: latest human label}} and the comments that have a gold label."""
    rows = store.thread_labels(thread_id) if thread_id else store.all_labels()
    coded: dict[str, dict[str, dict]] = {}
    gold: set[str] = set()
    for row in rows:
        if row["is_gold"]:
            gold.add(row["comment_id"])
        elif row["source"] in HUMAN_SOURCES and row["annotator"]:
            coded.setdefault(row["comment_id"], {})[row["annotator"]] = row
    return coded, gold


def _triples(coded: dict[str, dict[str, dict]], name: str, coders: set[str] | None = None) -> list[tuple]:
    return [(a, item, value(label, name)) for item, by in coded.items() for a, label in by.items()
            if coders is None or a in coders]


def _safe(compute: Any) -> float | None:
    try:
        return round(float(compute()), 4)
    except (ZeroDivisionError, ValueError):
        return None


def report(coded: dict[str, dict[str, dict]]) -> dict[str, Any]:
    """Krippendorff's alpha per field over comments with 2+ annotators; Cohen's kappa per pair and field."""
    shared = {item: by for item, by in coded.items() if len(by) >= 2}
    alpha = {name: _safe(AnnotationTask(data=_triples(shared, name)).alpha) if shared else None for name in FIELDS}
    coders = sorted({a for by in shared.values() for a in by})
    pairs = []
    for a, b in itertools.combinations(coders, 2):
        both = {item: {k: by[k] for k in (a, b)} for item, by in shared.items() if a in by and b in by}
        if not both:
            continue
        kappa = {name: _safe(AnnotationTask(data=_triples(both, name)).kappa) for name in FIELDS}
        agree = sum(all(value(by[a], n) == value(by[b], n) for n in FIELDS) for by in both.values())
        pairs.append({"a": a, "b": b, "items": len(both), "agree": agree, "kappa": kappa})
    return {"alpha": alpha, "pairs": pairs, "items": len(shared), "coders": coders}


def disagreements(coded: dict[str, dict[str, dict]], gold: set[str]) -> list[dict[str, Any]]:
    """Comments whose annotators differ on any field and that have no gold label yet."""
    out = []
    for item, by in coded.items():
        if item in gold or len(by) < 2:
            continue
        differs = [n for n in FIELDS if len({value(label, n) for label in by.values()}) > 1]
        if differs:
            out.append({"comment_id": item, "labels": by, "fields": differs})
    return out


def adjudicate(store: Store, comment_id: str, lead: str, form: dict[str, str]) -> int:
    """Record the lead's gold label (stance, off_topic, duplicate_of) with a note; returns its row id."""
    stance = form.get("stance", "")
    if stance not in STANCES:
        raise InputError(f"stance must be one of {', '.join(STANCES)}", field="stance")
    off_topic = form.get("off_topic", "") in ("1", "true", "yes", "on")
    return store.add_label(comment_id, stance=stance, off_topic=off_topic,
                           duplicate_of=form.get("duplicate_of") or None, annotator=lead, source=ADJUDICATION,
                           is_gold=True, note=(form.get("note") or "").strip() or None)


def annotator_counts(coded: dict[str, dict[str, dict]]) -> list[tuple[str, dict[str, int]]]:
    """How many comments each annotator labelled, by stance (and off-topic), most first: the agreement chart."""
    counts: dict[str, dict[str, int]] = {}
    for by in coded.values():
        for who, label in by.items():
            row = counts.setdefault(who, dict.fromkeys((*STANCES, "off-topic"), 0))
            if label.get("off_topic"):
                row["off-topic"] += 1
            elif label.get("stance") in STANCES:
                row[label["stance"]] += 1
    return sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))


def describe(form: dict[str, str]) -> str:
    """A gold label as words: 'against, on-topic, not a duplicate'."""
    off = form.get("off_topic", "") in ("1", "true", "yes", "on")
    dup = form.get("duplicate_of") or ""
    return (f"{form.get('stance', '')}, {'off-topic' if off else 'on-topic'}, "
            f"{f'duplicate of {dup}' if dup else 'not a duplicate'}")
