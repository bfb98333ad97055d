"""Tests for the scraped comment page importer (moderation/importers/scraped.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from moderation.errors import InputError
from moderation.importers.scraped import looks_like_scraped_page, parse_scraped_page

SEED_NAME = "000_05dcfb2c2ffcd6e0.txt"
NEGATIVE = ("Negative - suggest brush up on history.\n\nTblisi never had control of them (the former of "
            "the two actually enjoyed autonomy as the Abkhaz Autonomous Soviet Socialist Republic).")
NO_VOTES = "p.txt:1: no comments found (no vote lines like '-8 ( +16 / -24 )')"
TARGET = "Japan should strengthen its ties with NATO"


def _seed_dir() -> Path:
    """shared/seeds beside the repository, or $MODERATION_SEEDS."""
    beside = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if (beside / SEED_NAME).exists():
        return beside
    env = os.environ.get("MODERATION_SEEDS")
    if env and (Path(env) / SEED_NAME).exists():
        return Path(env)
    pytest.fail(f"seed page {SEED_NAME} not found beside the repo nor in $MODERATION_SEEDS")


@pytest.fixture(scope="module")
def seed():
    """The seed thread, parsed."""
    text = (_seed_dir() / SEED_NAME).read_text(encoding="utf-8")
    return parse_scraped_page(text, source=SEED_NAME, thread_id="kn", target=TARGET)


def test_seed_thread_title_and_target(seed):
    (thread,) = seed.threads
    assert thread.id == "kn"
    assert thread.title == "Japan must strengthen NATO ties to safeguard global peace, PM says"
    assert thread.target == TARGET
    assert thread.url is None


def test_seed_comment_count_ids_and_order(seed):
    assert len(seed.comments) == 58
    assert [c.id for c in seed.comments] == [f"kn-{n:03d}" for n in range(1, 59)]
    assert all(c.thread_id == "kn" for c in seed.comments)


def test_seed_first_and_last_comment_text(seed):
    assert seed.comments[0].text == (
        "Chinese can sense cowardice in Japan leadership,they know they could use psychological coercion "
        "against Japanese leaders being straight up cowards,not manning up")
    assert seed.comments[-1].text == (
        "It would be best for Japan to not be associated with NATO since they are actively attacking Russia."
        "\n\n> Japan should remain neutral and maintain friendly ties with both sides."
        "\n\nWhich morning paper do you read?")


def test_seed_votes(seed):
    second = seed.comments[1]
    assert (second.score, second.votes_up, second.votes_down) == (-8, 16, 24)
    assert [(c.score, c.votes_up, c.votes_down) for c in seed.comments[26:27]] == [(0, 0, 0)]
    assert all(c.score == c.votes_up - c.votes_down for c in seed.comments)


def test_seed_quote_attributions(seed):
    by_id = {c.id: c for c in seed.comments}
    assert by_id["kn-008"].quote_attributions == [{"name": "JJE", "posted": "Today 07:29 am JST"}]
    assert by_id["kn-010"].quote_attributions == [{"name": "Yotomaya", "posted": "Today 07:52 am JST"}]
    assert by_id["kn-019"].quote_attributions == [{"name": "Ramsey's Kitchen"}]
    assert by_id["kn-024"].quote_attributions == [{"name": "badhairct"}]
    assert by_id["kn-024"].text.startswith("Just watch out for the threat in your own backyard.\n\n")
    # Two quote headers in one comment (no vote line between them on the page).
    assert by_id["kn-040"].quote_attributions == [
        {"name": "JJE", "posted": "Today 07:29 am JST"},
        {"name": "TheRegulator", "posted": "Today 10:32 am JST"},
    ]
    assert sum(bool(c.quote_attributions) for c in seed.comments) == 15


def test_seed_no_header_leaks_into_text_or_author(seed):
    header = re.compile(r"(Today|Yesterday) \d{1,2}:\d{2} [ap]m JST")
    for c in seed.comments:
        assert c.author is None and c.parent_id is None and c.created_at is None
        assert not header.search(c.text), c.id
        assert "Ramsey's Kitchen" not in c.text, c.id
        assert "@badhairct" not in c.text, c.id
        assert c.text == c.text.strip()


def test_seed_text_is_stored_as_posted(seed):
    by_id = {c.id: c.text for c in seed.comments}
    assert "\u2019" in by_id["kn-009"] and "\u201c" in by_id["kn-009"]  # curly, as written
    assert "\u2026" in by_id["kn-006"]  # an ellipsis is not folded into "..."
    assert "\u00a0" in by_id["kn-019"]  # the page's no-break space, as posted


def test_seed_no_page_furniture_in_comments(seed):
    texts = "\n".join(c.text for c in seed.comments)
    for furniture in ("Japan Today", "By Yukiko Toyoda", "has expired", "Copyright", "Comments have been",
                      "Articles, Offers", "A mix of what's trending"):
        assert furniture not in texts


def test_seed_double_post_is_two_comments(seed):
    doubles = [c for c in seed.comments if c.text == NEGATIVE]
    assert [c.id for c in doubles] == ["kn-022", "kn-023"]
    assert [(c.score, c.votes_up, c.votes_down) for c in doubles] == [(-6, 6, 12), (-6, 5, 11)]


def test_seed_ordinary_one_line_paragraphs_are_kept(seed):
    by_id = {c.id: c for c in seed.comments}
    assert by_id["kn-035"].text == "Damn keyboard, LOL.."
    assert by_id["kn-046"].text.startswith("Falling population.\n\n")
    # The headline quoted as a comment's first line is text, not a header.
    headline = "Japan must strengthen NATO ties to safeguard global peace, PM says"
    assert by_id["kn-032"].text.startswith(headline + "\n\n")


def test_seed_is_recognised_and_other_seeds_are_not():
    assert looks_like_scraped_page((_seed_dir() / SEED_NAME).read_text(encoding="utf-8"))
    for other in sorted(_seed_dir().glob("00[1-4]_*.txt")):
        assert not looks_like_scraped_page(other.read_text(encoding="utf-8")), other.name


def test_small_page_with_nbsp_and_footer():
    page = ("Site\n\nHeadline here\n\nBy A Writer\n\n"
            "First\u00a0comment.\n\n2 ( +3 / -1 )\n\n"
            "FredToday\u00a0\u00a011:05 pm JST\n\nFirst comment.\n\nReply.\n\n-1 ( +0 / -1 )\n\n"
            "Articles, Offers & Useful Resources\n\nanything\n")
    ds = parse_scraped_page(page, source="p.txt", thread_id="t", body="Body\u00a0text", url="https://x")
    assert ds.threads[0].title == "Headline here" and ds.threads[0].target == "Headline here"
    assert ds.threads[0].body == "Body\u00a0text"  # as given: normalised only to recognise the page
    assert [c.text for c in ds.comments] == ["First\u00a0comment.", "First comment.\n\nReply."]
    assert ds.comments[1].quote_attributions == [{"name": "Fred", "posted": "Today 11:05 pm JST"}]


@pytest.mark.parametrize(("page", "error"), [
    ("Headline\n\nJust text, no votes.\n", NO_VOTES),
    ("", NO_VOTES),
    ("Headline\n\nA comment.\n\n-8 ( +16 / -23 )\n",
     "p.txt:5: vote line '-8 ( +16 / -23 )' does not add up (score -8, 16 up - 23 down = -7)"),
    ("Headline\n\nA comment.\n\n1 ( +1 / -0 )\n\n0 ( +0 / -0 )\n",
     "p.txt:7: vote line with no comment text before it"),
    ("Headline\n\nA comment.\n\n1 ( +1 / -0 )\n\nA comment that lost its vote line.\n",
     "p.txt:7: text after the last vote line is not page furniture (a comment without its vote line?)"),
    ("Headline\n\nJJEToday 07:29 am JST\n\n1 ( +1 / -0 )\n",
     "p.txt:5: vote line with no comment text before it"),
    ("1 ( +1 / -0 )\n", "p.txt:1: no headline found"),
])
def test_bad_pages(page, error):
    with pytest.raises(InputError) as exc:
        parse_scraped_page(page, source="p.txt", thread_id="t")
    assert exc.value.message == error


def test_empty_thread_id_is_refused():
    with pytest.raises(InputError, match="the thread needs an id"):
        parse_scraped_page("H\n\nc\n\n1 ( +1 / -0 )\n", source="p.txt", thread_id=" ")


@pytest.mark.parametrize("line", [
    "Falling population.", "Humm!!! Agree.", "But One should ask???",
    "Japan must strengthen NATO ties to safeguard global peace,",
])
def test_one_line_paragraph_is_not_a_header(line):
    page = f"Headline\n\n{line}\n\nA second paragraph that ends in a quote\"\n\n1 ( +1 / -0 )\n"
    (comment,) = parse_scraped_page(page, source="p.txt", thread_id="t").comments
    assert comment.quote_attributions == []
    assert comment.text.startswith(line)


def test_bare_name_needs_a_quote_after_it():
    page = "Headline\n\nRamsey's Kitchen\n\nNo quote mark here.\n\n1 ( +1 / -0 )\n"
    (comment,) = parse_scraped_page(page, source="p.txt", thread_id="t").comments
    assert comment.quote_attributions == []
    assert comment.text.startswith("Ramsey's Kitchen\n\n")


def test_crlf_and_bom_keep_line_numbers():
    page = "\ufeffHeadline\r\n\r\nA comment.\r\n\r\n-8 ( +16 / -23 )\r\n"
    with pytest.raises(InputError, match=r"^p\.txt:5: vote line"):
        parse_scraped_page(page, source="p.txt", thread_id="t")


@pytest.mark.parametrize(("header", "expected"), [
    ("JJEToday\u00a0\u00a007:29 am JST", {"name": "JJE", "posted": "Today 07:29 am JST"}),
    ("Some One Yesterday 11:59 pm JST", {"name": "Some One", "posted": "Yesterday 11:59 pm JST"}),
])
def test_timed_headers(header, expected):
    page = f"Headline\n\n{header}\n\nQuoted.\n\nReply.\n\n1 ( +1 / -0 )\n"
    (comment,) = parse_scraped_page(page, source="p.txt", thread_id="t").comments
    assert comment.quote_attributions == [expected]
    assert comment.text == "Quoted.\n\nReply."
