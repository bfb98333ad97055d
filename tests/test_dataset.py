"""The interchange format: reading, validating and writing dataset folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderation.dataset import Comment, Dataset, Thread, load_dataset, write_dataset
from moderation.errors import InputError
from tests.helpers import THREAD, write_folder


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    ds = Dataset(
        [Thread("t1", "Title", "Body text", "A claim", "https://example.org/a")],
        [Comment("c1", "t1", "First ünïcode", author="ann", created_at="2024-07-09T07:29:00Z", stance="favor",
                 off_topic=False, annotator="lead", labelled_at="2026-11-22T12:00:00Z", score=-8, votes_up=16,
                 votes_down=24, quote_attributions=[{"name": "JJE", "posted": "Today 07:29 am JST"}]),
         Comment("c2", "t1", "Second", parent_id="c1", duplicate_of="c1", off_topic=True)],
    )
    write_dataset(ds, tmp_path / "out")
    assert load_dataset(tmp_path / "out") == ds


def test_target_defaults_to_title() -> None:
    assert Thread("t", "The title").target == "The title"


@pytest.mark.parametrize(("comments", "message"), [
    ('{"id": "c1", "thread_id": "t1", "text": "x"}\n{"id": "c2", "thread_id"\n',
     "comments.jsonl:2: malformed JSON"),
    ([{"id": "c1", "thread_id": "t1", "text": "x", "stance": "pro"}],
     "comments.jsonl:1: stance must be favor, against or none"),
    ([{"id": "c1", "thread_id": "t9", "text": "x"}], "comments.jsonl:1: unknown thread 't9'"),
    ([{"id": "c1", "thread_id": "t1", "text": "x"}, {"id": "c1", "thread_id": "t1", "text": "y"}],
     "comments.jsonl:2: duplicate comment id 'c1'"),
    ([{"id": "c1", "thread_id": "t1", "text": "x", "off_topic": "yes"}],
     "comments.jsonl:1: off_topic must be true or false"),
    ([{"id": "c1", "thread_id": "t1", "text": "   "}], "comments.jsonl:1: text must not be empty"),
    ([{"id": "c1", "thread_id": "t1"}], "comments.jsonl:1: missing field 'text'"),
    ([{"id": "c1", "thread_id": "t1", "text": "x", "colour": "red"}], "comments.jsonl:1: unknown field 'colour'"),
    ([{"id": "c1", "thread_id": "t1", "text": "x", "duplicate_of": "c7"}],
     "comments.jsonl:1: duplicate_of names unknown comment 'c7'"),
    (["not an object"], "comments.jsonl:1: a comment must be a JSON object"),
])
def test_bad_comments_name_file_and_line(tmp_path: Path, comments: list | str, message: str) -> None:
    folder = write_folder(tmp_path / "ds", [THREAD], comments)
    with pytest.raises(InputError) as info:
        load_dataset(folder)
    assert str(info.value).startswith(message)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "ds", [THREAD], "")
    (folder / "comments.jsonl").write_bytes(b'{"id": "c1", "thread_id": "t1", "text": "ok"}\n{"text": "\xff"}\n')
    with pytest.raises(InputError, match=r"^comments.jsonl:2: not UTF-8 text$"):
        load_dataset(folder)


def test_empty_dataset_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "ds", [], "")
    with pytest.raises(InputError, match="the dataset is empty"):
        load_dataset(folder)


def test_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "threads.jsonl").write_text(json.dumps(THREAD) + "\n")
    with pytest.raises(InputError, match="no comments.jsonl"):
        load_dataset(tmp_path / "ds")


def test_known_ids_resolve_references(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "ds", [], [{"id": "c2", "thread_id": "t1", "text": "x", "parent_id": "c1"}])
    ds = load_dataset(folder, known_threads={"t1"}, known_comments={"c1"})
    assert ds.comments[0].parent_id == "c1"
