"""Import a scraped comment page (a news site's thread saved as text, like seeds/000_*.txt).

The page is: furniture (site name, headline, byline, "article has expired", copyright lines, "Comments have
been disabled..."), then the comments, each ended by its vote line `-8 ( +16 / -24 )` (score, up, down), then
more furniture ("Articles, Offers & Useful Resources", "A mix of what's trending...").

The page shows no authors. What it does show are quote headers, kept as `quote_attributions` and removed
from the text. Recognised, and nothing else (an ordinary one-line paragraph is never taken for a header):

- a timed header: a name run into "Today"/"Yesterday" and a time, alone on its line:
  `JJEToday  07:29 am JST` -> {"name": "JJE", "posted": "Today 07:29 am JST"};
- a bare name line: a short line (at most 4 words, 40 characters, no closing punctuation) followed by a
  paragraph that ends in an unmatched `"` (the pasted quote's closing mark): `Ramsey's Kitchen` /
  `There was no coup."` -> {"name": "Ramsey's Kitchen"};
- an inline handle opening a paragraph: `@badhairct: Just watch out...` -> {"name": "badhairct"}, and the
  `@badhairct:` is removed from the text.

Quoted text itself stays in the comment (matching quotes to the thread is the labelling module's job), and so
does a `> ` quote marker. The stored text is the text as posted (curly quotes, apostrophes, no-break spaces kept,
each line trimmed): the page is normalised (NFKC, straight quotes, one space) only to recognise its structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.dataset import Comment, Dataset, Thread
from moderation.errors import InputError
from moderation.text import normalize

_VOTE = re.compile(r"^(?P<score>[-+]?\d+)\s*\(\s*\+(?P<up>\d+)\s*/\s*-(?P<down>\d+)\s*\)$")
_TIMED_HEADER = re.compile(
    r"^(?P<name>\S.*?)\s*(?P<posted>(?:Today|Yesterday) \d{1,2}:\d{2} [ap]m(?: [A-Z]{2,5})?)$"
)
_HANDLE = re.compile(r"^@(?P<name>[\w.\-]+):\s*")
_NAME_END = re.compile(r"[.,;:!?\"')\]]$")

SITE_NAMES = ("Japan Today",)
_BYLINE = re.compile(r"^By [A-Z]")
_HEAD_FURNITURE = (
    re.compile(r"^The requested article has expired"),
    re.compile(r"^(?:©|\(c\)|Copyright\b)", re.IGNORECASE),
    re.compile(r"^Comments have been disabled"),
    re.compile(r"^You can no longer respond"),
)
_FOOT_FURNITURE = (
    re.compile(r"^Articles, Offers & Useful Resources$"),
    re.compile(r"^A mix of what's trending"),
)


@dataclass
class _Para:
    """One paragraph of a comment: its text and the page line it starts on."""

    text: str  # as posted
    norm: str  # normalised, for recognising headers
    line: int


def looks_like_scraped_page(text: str) -> bool:
    """True when the text has at least one comment vote line like `-8 ( +16 / -24 )`."""
    return any(_VOTE.match(normalize(line)) for line in text.splitlines())


def _raw_lines(text: str) -> list[str]:
    """The page's lines as posted (trimmed), so that line numbers stay those of the file."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.strip() for line in text.split("\n")]


def _vote_lines(lines: list[str], source: str) -> list[tuple[int, int, int, int]]:
    """(index, score, up, down) of every vote line; the score must equal up minus down."""
    votes = []
    for i, line in enumerate(lines):
        m = _VOTE.match(line)
        if not m:
            continue
        score, up, down = int(m["score"]), int(m["up"]), int(m["down"])
        if score != up - down:
            raise InputError(f"{source}:{i + 1}: vote line {line!r} does not add up (score {score}, "
                             f"{up} up - {down} down = {up - down})")
        votes.append((i, score, up, down))
    if not votes:
        raise InputError(f"{source}:1: no comments found (no vote lines like '-8 ( +16 / -24 )')")
    return votes


def _header(lines: list[str], first_vote: int, source: str) -> tuple[int, int]:
    """The headline's line index and the index of the first line after the page's leading furniture."""
    filled = [i for i, line in enumerate(lines[:first_vote]) if line]
    # A byline sits right under the headline (and the site name); further down "By ..." is a comment.
    bylines = [i for i in filled[:3] if _BYLINE.match(lines[i])]
    if bylines:
        before = [i for i in filled if i < bylines[0]]
        if not before:
            raise InputError(f"{source}:{bylines[0] + 1}: no headline before the byline")
        headline = before[-1]
    else:
        named = [i for i in filled if lines[i] not in SITE_NAMES]
        if not named:
            raise InputError(f"{source}:1: no headline found")
        headline = named[0]
    last = max([headline, *bylines, *(i for i in filled if any(p.match(lines[i]) for p in _HEAD_FURNITURE))])
    return headline, last + 1


def _paragraphs(lines: list[str], raw: list[str], start: int, end: int) -> list[_Para]:
    """Blank-line separated paragraphs of lines[start:end] (a line blank once normalised is blank)."""
    paras: list[_Para] = []
    run: list[int] = []
    for i in range(start, end + 1):
        if i < end and lines[i]:
            run.append(i)
        elif run:
            paras.append(_Para("\n".join(raw[j] for j in run), "\n".join(lines[j] for j in run), run[0] + 1))
            run = []
    return paras


def _is_bare_name(para: str, following: str | None) -> bool:
    """A short name-like line followed by a quote that ends in an unmatched double quote."""
    if following is None or "\n" in para or len(para) > 40 or len(para.split()) > 4 or _NAME_END.search(para):
        return False
    return following.endswith('"') and following.count('"') % 2 == 1


def _split_headers(paras: list[_Para]) -> tuple[list[str], list[dict[str, str]]]:
    """Remove the quote headers from a comment's paragraphs; return the text paragraphs and attributions."""
    kept: list[str] = []
    quotes: list[dict[str, str]] = []
    for n, para in enumerate(paras):
        following = paras[n + 1].norm if n + 1 < len(paras) else None
        timed = _TIMED_HEADER.match(para.norm)
        if timed and "\n" not in para.norm:
            quotes.append({"name": timed["name"], "posted": timed["posted"]})
            continue
        if _is_bare_name(para.norm, following):
            quotes.append({"name": para.norm})
            continue
        handle = _HANDLE.match(para.text)
        if handle:
            quotes.append({"name": handle["name"]})
            rest = para.text[handle.end():].strip()
            if rest:
                kept.append(rest)
            continue
        kept.append(para.text)
    return kept, quotes


def _check_footer(lines: list[str], start: int, source: str) -> None:
    """Only furniture (or nothing) may follow the last vote line: else a comment lost its vote line."""
    for i in range(start, len(lines)):
        if any(p.match(lines[i]) for p in _FOOT_FURNITURE):
            return
        if lines[i]:
            raise InputError(f"{source}:{i + 1}: text after the last vote line is not page furniture "
                             "(a comment without its vote line?)")


def parse_scraped_page(text: str, *, source: str, thread_id: str, target: str = "", body: str = "",
                       url: str | None = None) -> Dataset:
    """Parse a scraped comment page into one thread and its comments, in page order."""
    if not thread_id.strip():
        raise InputError(f"{source}: the thread needs an id")
    raw = _raw_lines(text)
    lines = [normalize(line) for line in raw]
    votes = _vote_lines(lines, source)
    headline, start = _header(lines, votes[0][0], source)
    title = raw[headline]
    if start > votes[0][0]:
        raise InputError(f"{source}:{votes[0][0] + 1}: vote line before the first comment")
    _check_footer(lines, votes[-1][0] + 1, source)
    thread = Thread(id=thread_id, title=title, body=_as_given(body), target=_as_given(target), url=url)
    comments: list[Comment] = []
    for n, (end, score, up, down) in enumerate(votes, start=1):
        paras, quotes = _split_headers(_paragraphs(lines, raw, start, end))
        if not paras:
            raise InputError(f"{source}:{end + 1}: vote line with no comment text before it")
        comments.append(Comment(
            id=f"{thread_id}-{n:03d}", thread_id=thread_id, text="\n\n".join(paras).strip(),
            score=score, votes_up=up, votes_down=down, quote_attributions=quotes,
        ))
        start = end + 1
    return Dataset(threads=[thread], comments=comments)


def _as_given(text: str) -> str:
    """A caller's text as given: only line endings unified and the ends trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
