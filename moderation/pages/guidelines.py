"""labels/GUIDELINES.md as HTML: the few Markdown forms it uses (headings, lists, bold, italics, code)."""

from __future__ import annotations

import functools
import re

from markupsafe import Markup, escape

from moderation.bootstrap import labels_dir

_INLINE = ((re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
           (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"\*([^*]+)\*"), r"<em>\1</em>"))


def _inline(text: str) -> str:
    out = str(escape(text))
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def to_html(markdown: str) -> Markup:
    """Headings, paragraphs, bullet lists (with continuation lines) and inline emphasis, escaped."""
    html: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            html.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            html.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        heading = re.match(r"(#{1,4})\s+(.*)", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1)) + 1
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped.startswith(("- ", "* ")):
            if para:
                flush()
            items.append(stripped[2:])
        elif items:
            items[-1] += " " + stripped
        else:
            para.append(stripped)
    flush()
    return Markup("\n".join(html))


@functools.lru_cache(maxsize=1)
def html() -> Markup:
    """The project's guidelines, rendered once per process."""
    path = labels_dir() / "GUIDELINES.md"
    if not path.is_file():
        return Markup("<p>No guidelines found (labels/GUIDELINES.md).</p>")
    return to_html(path.read_text(encoding="utf-8"))
