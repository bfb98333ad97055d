"""Small text-to-HTML helpers for the templates."""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """Escape the text and draw its `backticked` parts as <code> (settings' help is written that way)."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text))))


def age(value: str | dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago a time was, in words a moderator reads at a glance: '40 s', '12 min', '3 h', '2 days'."""
    if value is None or value == "":
        return ""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:  # SQLite hands back naive UTC times
        when = when.replace(tzinfo=dt.UTC)
    seconds = max(0, int(((now or dt.datetime.now(dt.UTC)) - when).total_seconds()))
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {'day' if unit == 'days' and n == 1 else unit}"
    return f"{seconds} s"
