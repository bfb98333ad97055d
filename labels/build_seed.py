"""Build labels/kishida-nato/ from the seed page and the hand labels below (see labels/GUIDELINES.md).

Run: .venv/bin/python labels/build_seed.py [SEEDS_DIR]
SEEDS_DIR defaults to ../shared/seeds beside the repository, or $MODERATION_SEEDS.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

from moderation.dataset import Dataset, write_dataset
from moderation.importers.scraped import parse_scraped_page
from moderation.text import normalize

THREAD_ID = "kishida-nato"
TARGET = "Japan should strengthen its ties with NATO"
PAGE = "000_05dcfb2c2ffcd6e0.txt"
REUTERS = "003_17b143a5567d5eb0.txt"  # the Taipei Times copy of the Reuters story: the fullest one
REUTERS_LAST = "was blocked by France and criticized by China."
ANNOTATOR = "seed-team"
LABELLED_AT = "2026-11-22T12:00:00Z"
OUT = Path(__file__).resolve().parent / THREAD_ID

F, A, N = "favor", "against", "none"
# The hand labelling: comment number -> (stance, off_topic, duplicate_of number, opening words, why).
# The opening words are checked against the parsed page so that a parser change cannot shift the labels.
LABELS: dict[int, tuple[str, bool, int | None, str, str]] = {
    1: (N, False, None, "Chinese can sense cowardice", "Japan's leaders vs China; says nothing of NATO ties"),
    2: (A, False, None, "Kishida is being dishonest", "pro-Kremlin: 'NATO-orchestrated' war, 'coup'"),
    3: (A, False, None, "Japan, stay out of entanglements", "stay out of foreign entanglements"),
    4: (A, False, None, 'There is no "global peace"', "'global peace' = American hegemony"),
    5: (A, False, None, "Remember this headline", "the policy will bring missiles to Asia"),
    6: (N, False, None, "Russia has turned out to be a paper", "Russia's military weakness; no view on ties"),
    7: (F, False, None, "Kishida is being dishonest", "rebuts #2 line by line: 'Russian, not NATO'"),
    8: (F, False, None, "Kishida is being dishonest", "rebuts #2 (JJE)"),
    9: (F, False, None, "It's just code for American hegemony", "rebuts #4: happy with American hegemony"),
    10: (N, False, None, 'There is no "global peace"', "one-line quip at #4; no position on the ties"),
    11: (A, False, None, "RF has not annexed one square inch", "defends Russia's annexations"),
    12: (F, False, None, '""Russia\'s deepening military', "quotes the article: 'I AGREE' (read literally)"),
    13: (F, False, None, "It's obvious there's pro Russian", "calls out pro-Russian posters"),
    14: (A, False, None, '"There are worse places to live.', "rebuts #9: US order rests on exploitation"),
    15: (F, False, None, "RF has not annexed one square inch", "rebuts #11 (JJE)"),
    16: (F, False, None, '""Russia\'s deepening military', "'Agree' with the article, then asks why Russia"),
    17: (F, False, None, "RF has not annexed one square inch", "rebuts #11: Russia set up puppets"),
    18: (F, False, None, "But One should ask???", "answers #16: Russia's war of aggression"),
    19: (F, False, None, "There was no coup.\"", "own text: 'There was no seizure of government.'"),
    20: (A, False, None, 'RF did not "establish" any such thing', "defends Russia against #17"),
    21: (F, False, None, 'RF did not "establish" any such thing', "rebuts #20 (JJE): illegal invasion"),
    22: (A, False, None, "Negative - suggest brush up on", "rebuts #21 on Russia's side"),
    23: (A, False, 22, "Negative - suggest brush up on", "double post of #22"),
    24: (F, False, None, "Just watch out for the threat", "answers #3: Russia, China, NK threaten Japan"),
    25: (F, False, None, "There was no seizure of government.\"", "own text: denies the Maidan 'coup'"),
    26: (A, False, None, "Kishida has imperialist territorial", "Kishida the aggressor; Kurils are Russian"),
    27: (A, False, None, "North Atlantic not East Pacific", "Japan stay in your own region"),
    28: (F, False, None, "Kishida has imperialist territorial", "rebuts #26 (JJE): Kurils are occupied"),
    29: (A, False, None, "Notice when they say in the media", "Russia's side of the Kuril dispute"),
    30: (A, False, None, "Stop doing silly things", "NATO is a group of losers"),
    31: (F, False, None, "Stop doing silly things", "rebuts #30 (TokyoLiving): deterrence works"),
    32: (A, False, None, "Japan must strengthen NATO ties", "the headline is 'war propaganda'"),
    33: (F, False, None, "Notice when they say in the media", "rebuts #29 (JJE)"),
    34: (A, False, None, "Here is the UN's official map", "Russia's side of the Kuril dispute"),
    35: (N, True, None, "Damn keyboard, LOL..", "about the poster's keyboard"),
    36: (F, False, None, "The UN does not recognize", "rebuts #34: Kurils are Japanese, occupied"),
    37: (A, False, None, "Yes, it does. Look at the UN's", "Russia's side of the Kuril dispute"),
    38: (A, False, None, "Reading the comments above", "the thread is duped by anti-Russian propaganda"),
    39: (F, False, None, "Ukraine today could be East Asia", "agrees with Kishida; praises NATO cooperation"),
    40: (F, False, None, "Kishida is being dishonest", "rebuts #2 and #38: 'Kremlin propaganda'"),
    41: (F, False, None, "Here is the UN's official map", "rebuts #34 (JJE)"),
    42: (F, False, None, "Reading the comments above", "rebuts #38 (TheRegulator)"),
    43: (A, False, None, "No! It will only lead to trouble", "Japan should stay away from NATO"),
    44: (A, False, None, "It's obvious there's pro Russian", "turns #13 round: 'pro Neocon posters'"),
    45: (F, False, None, "Having grown up with a menacing USSR", "would seek defensive alliances"),
    46: (A, False, None, "Falling population.", "fix Japan first, not 'play the fiddle around the world'"),
    47: (F, False, None, "There is no room for trust in Russia", "'only natural that Japan would cooperate'"),
    48: (A, False, None, "Japan must strengthen NATO ties", "'so misguided'; NATO should have dissolved"),
    49: (F, False, None, "Japan must strengthen NATO ties", "rebuts #48 (Zaphod): Russia is a threat"),
    50: (A, False, None, "You make peace by talking to your", "talk to enemies, not ally with friends"),
    51: (F, False, None, "You make peace by talking to your", "rebuts #50 (dbsaiya): Japan in NATO"),
    52: (A, False, None, "Constrained by decades of pacifism", "no business in Europe; remain neutral"),
    53: (F, False, None, "It looks like it's time to choose", "choose NATO's side"),
    54: (F, False, None, "Japans leaders will do what", "cosy up to democracies; NATO worldwide"),
    55: (A, False, None, "Russia and China can make peace", "rebuts #51: not be associated with NATO"),
    56: (A, False, None, "I hope that in time NATO will", "rebuts #54: NATO's 'useless existence'"),
    57: (F, False, None, "It would be best for Japan to not", "rebuts #55: 'obvious lies'"),
    58: (F, False, None, "It would be best for Japan to not", "mocks #55: 'Which morning paper...?'"),
}


def seeds_dir(argv: list[str]) -> Path:
    """The seeds folder: the first argument, $MODERATION_SEEDS, or ../shared/seeds beside the repo."""
    if argv:
        return Path(argv[0])
    if os.environ.get("MODERATION_SEEDS"):
        return Path(os.environ["MODERATION_SEEDS"])
    return Path(__file__).resolve().parents[2] / "shared" / "seeds"


def reuters_body(text: str) -> str:
    """The Reuters story paragraphs of the Taipei Times copy: no photo caption, nothing after the story."""
    paras: list[str] = []
    for line in normalize(text).splitlines():
        if not line or line.startswith("Photo:"):
            continue
        paras.append(line)
        if line.endswith(REUTERS_LAST):
            return "\n\n".join(paras)
    raise SystemExit(f"{REUTERS}: the story's last sentence ({REUTERS_LAST!r}) was not found")


def build(seeds: Path) -> Dataset:
    """Parse the seed page, attach the Reuters body and target, and apply the hand labels."""
    page = (seeds / PAGE).read_text(encoding="utf-8")
    body = reuters_body((seeds / REUTERS).read_text(encoding="utf-8"))
    ds = parse_scraped_page(page, source=PAGE, thread_id=THREAD_ID, target=TARGET, body=body)
    if sorted(LABELS) != list(range(1, len(ds.comments) + 1)):
        raise SystemExit(f"the page has {len(ds.comments)} comments but the table labels {len(LABELS)}")
    for n, comment in enumerate(ds.comments, start=1):
        stance, off_topic, dup, opening, _why = LABELS[n]
        if not comment.text.startswith(opening):
            raise SystemExit(f"comment {n} does not start with {opening!r}: {comment.text[:60]!r}")
        comment.stance, comment.off_topic = stance, off_topic
        comment.duplicate_of = f"{THREAD_ID}-{dup:03d}" if dup else None
        comment.annotator, comment.labelled_at = ANNOTATOR, LABELLED_AT
    return ds


def main(argv: list[str]) -> None:
    """Write labels/kishida-nato/ and print the label counts."""
    ds = build(seeds_dir(argv))
    write_dataset(ds, OUT)
    stances = Counter(c.stance for c in ds.comments)
    print(f"wrote {OUT}: {len(ds.threads)} thread, {len(ds.comments)} comments", file=sys.stderr)
    off_topic = sum(bool(c.off_topic) for c in ds.comments)
    duplicates = sum(c.duplicate_of is not None for c in ds.comments)
    print(f"stance: {dict(sorted(stances.items()))}; off_topic: {off_topic}; duplicates: {duplicates}",
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
