"""`moderation queues report`: how the policy's rules act on the stored comments (Snorkel's labeling analysis).

Each stored comment is judged as the service judges it (against the comments before it, with the current
model); then every rule is asked. Per rule: ``fires`` (it does not abstain: Snorkel's coverage), ``routes`` (it
is the first to fire, so it chose the queue), ``overlaps`` (another rule fires too) and ``conflicts`` (another
rule fires towards a different queue).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import click

from moderation.cli import _store, handle_errors
from moderation.queue.policy import FALLBACK, RULES, Policy, fired, make_policy
from moderation.verdict import Verdict


def analyse(verdicts: Iterable[Verdict], policy: Policy) -> dict[str, Any]:
    """Per rule: how many verdicts it fires on, routes, overlaps with another rule on, conflicts on."""
    names = [r.__name__ for r in RULES]
    stats = {n: {"rule": n, "fires": 0, "routes": 0, "overlaps": 0, "conflicts": 0} for n in names}
    queues: dict[str, set[str]] = {n: set() for n in names}
    total = fallback = 0
    for verdict in verdicts:
        total += 1
        found = fired(verdict, policy)
        if not found:
            fallback += 1
            continue
        stats[found[0].rule]["routes"] += 1
        for r in found:
            s = stats[r.rule]
            queues[r.rule].add(r.queue)
            s["fires"] += 1
            s["overlaps"] += len(found) > 1
            s["conflicts"] += any(o.queue != r.queue for o in found)
    rows = [{**stats[n], "queues": sorted(queues[n])} for n in names]
    return {"comments": total, "rules": rows, "fallback": {"rule": FALLBACK.__name__, "routes": fallback},
            "policy": {"off_topic": policy.off_topic, "duplicate_similarity": policy.duplicate_similarity,
                       "review_confidence": policy.review_confidence}}


def stored_report(store: Any) -> dict[str, Any]:
    """The analysis over every stored comment, with the registry's current model (none: no stance rules)."""
    from moderation import settings
    from moderation.labelling.tagger import Tagger
    from moderation.model.artifact import load_model

    entry = store.current_model()
    model = load_model(entry["path"]) if entry else None
    tagger = Tagger(store, model=model)

    def verdicts() -> Iterable[Verdict]:
        for thread in store.list_threads():
            yield from tagger.thread_verdicts(thread, store.thread_comments(thread.id))

    report = analyse(verdicts(), make_policy(settings.all_settings(), dict(entry["manifest"] or {}) if entry else {}))
    return {"model_version": entry["version"] if entry else None, **report}


@click.group("queues")
def queues() -> None:
    """The review queues' policy."""


@queues.command("report")
@handle_errors
def report() -> None:
    """Per policy rule, over the stored comments: how many it routes, overlaps and conflicts (JSON)."""
    click.echo(json.dumps(stored_report(_store()), indent=2))
