"""Small text-to-HTML helpers for the templates."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """Escape the text and draw its `backticked` parts as <code> (settings' help is written that way)."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text))))
