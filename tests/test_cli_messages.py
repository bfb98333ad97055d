"""The operator's command line says exactly what went wrong, where, and what it skipped (issue 15)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.dataset import write_dataset
from moderation.pages.accounts import create_user
from moderation.pages.welcome import serve_banner
from moderation.store import Store
from tests.helpers import THREAD, write_folder
from tests.test_model_data import make_dataset


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the CLI; returns exit code, stdout, stderr."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


CSV_CASES = [
    ("unknown column", "id,thread_id,text,stanse\nc1,t1,hello,favor\n", "bad.csv:1: unknown column 'stanse'"),
    ("unknown thread", "id,thread_id,text\nc1,t0,hello\nc2,no-such-thread,hi\n",
     "bad.csv:3: unknown thread 'no-such-thread'"),
    ("duplicate id", "id,thread_id,text,thread_title\nc1,t1,hello,Claim\nc4,t1,a\nc4,t1,b\n",
     "bad.csv:4: duplicate comment id 'c4'"),
    ("a quoted field over two lines", 'id,thread_id,text,thread_title\nc1,t1,"two\nlines",Claim\nc2,t1,x,,\n',
     "bad.csv:4: more fields than the header has"),
    ("bad off_topic", "id,thread_id,text,off_topic,thread_title\nc1,t1,x,maybe,Claim\n",
     "bad.csv:2: off_topic must be true or false"),
]


@pytest.mark.parametrize(("case", "body", "message"), CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_csv_errors_name_the_csv_file_and_line(env_db: str, tmp_path: Path, case: str, body: str,
                                               message: str, store: Store) -> None:
    store.import_dataset(dataclasses.replace(make_dataset(3, targets=1), comments=[]))
    before = store.counts()
    (tmp_path / "bad.csv").write_text(body, encoding="utf-8")
    code, out, err = run("import", str(tmp_path / "bad.csv"))
    assert (code, out, err) == (1, "", f"Error: {message}\n")
    assert store.counts() == before


def test_malformed_json_message_is_complete(env_db: str, tmp_path: Path) -> None:
    good = json.dumps({"id": "c1", "thread_id": "t1", "text": "x"})
    folder = write_folder(tmp_path / "d", [THREAD], f'{good}\n{good}\n{{"id": "c3", "text": "cut\n')
    code, _, err = run("import", str(folder))
    assert (code, err) == (1, "Error: comments.jsonl:3: malformed JSON: Unterminated string starting at column 22\n")


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    """30 labelled comments over 3 threads, only 2 of them off-topic (too few for an off-topic model)."""
    ds = make_dataset(30, targets=3)
    for i, c in enumerate(ds.comments):
        c.off_topic = i < 2
    write_dataset(ds, tmp_path / "data")
    return tmp_path / "data"


def test_train_prints_progress_and_each_skipped_part(env_db: str, labelled: Path, tmp_path: Path) -> None:
    code, out, err = run("train", "--data", str(labelled), "--out", str(tmp_path / "m"))
    assert code == 0, err
    lines = err.splitlines()
    progress = [line for line in lines if line.startswith("stance: cross-validating 6 settings (across threads): ")]
    assert 2 <= len(progress) <= 11 and progress[-1] == "stance: cross-validating 6 settings (across threads): 18/18"
    assert "stance: fitting on every label: 1/1" in lines
    assert "off-topic model: skipped, only 2 off-topic and 28 on-topic labels (need 5 of each)" in lines
    assert "not promoted: the service keeps its current model (add --promote to register this one)" in lines
    assert out.startswith("stance: F_avg ")

    code, out, err = run("evaluate", "--model", str(tmp_path / "m"), "--data", str(labelled))
    assert code == 0
    assert ("warning: the model was trained on 30 of the 30 evaluated comments: these figures are not out "
            "of sample") in err.splitlines()


def test_evaluate_on_other_data_does_not_warn(env_db: str, labelled: Path, tmp_path: Path) -> None:
    run("train", "--data", str(labelled), "--out", str(tmp_path / "m"))
    other = make_dataset(30, seed=7, targets=3)
    for c in other.comments:
        c.id = "other-" + c.id
    write_dataset(other, tmp_path / "other")
    code, _, err = run("evaluate", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "other"))
    assert code == 0 and "warning" not in err


@pytest.mark.parametrize(("command", "make", "message"), [
    (["train", "--out", "{tmp}/m", "--data"], lambda p: p / "nowhere", "--data {path}: no such folder"),
    (["train", "--out", "{tmp}/m", "--data"], lambda p: _file(p), "--data {path}: is a file, not a dataset folder "
     "(a folder with threads.jsonl and comments.jsonl)"),
    (["train", "--out", "{tmp}/m", "--data"], lambda p: _empty_dir(p), "--data {path}: no threads.jsonl"),
    (["evaluate", "--model", "{tmp}/m", "--data"], lambda p: _file(p), "--data {path}: is a file, not a dataset "
     "folder (a folder with threads.jsonl and comments.jsonl)"),
    (["tag", "--data"], lambda p: _file(p), "--data {path}: is a file, not a dataset folder (a folder with "
     "threads.jsonl and comments.jsonl)"),
])
def test_bad_data_paths_are_refused_before_any_work(env_db: str, tmp_path: Path, command: list[str],
                                                    make: object, message: str) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    code, out, err = run(*[a.replace("{tmp}", str(tmp_path)) for a in command], str(path))
    assert (code, out, err) == (1, "", f"Error: {message.replace('{path}', str(path))}\n")
    assert not (tmp_path / "m").exists()


def _file(p: Path) -> Path:
    (p / "file.txt").write_text("not a folder\n")
    return p / "file.txt"


def _empty_dir(p: Path) -> Path:
    (p / "empty").mkdir()
    return p / "empty"


def _all_commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _all_commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("path", _all_commands(main), ids=lambda p: " ".join(p) or "moderation")
def test_help_summaries_are_not_cut(path: tuple[str, ...]) -> None:
    code, out, _ = run(*path, "--help")
    listing = out.partition("Commands:")[2]
    assert code == 0
    assert "..." not in listing and "…" not in listing


def test_serve_banner_says_what_to_do_first(store: Store, env_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODERATION_DATABASE_URL", raising=False)
    assert serve_banner(store, "127.0.0.1", 8123).splitlines() == [
        "moderation: listening on http://127.0.0.1:8123/ (pages: http://127.0.0.1:8123/login; API: "
        "http://127.0.0.1:8123/v1, described at http://127.0.0.1:8123/v1/openapi.json)",
        "admin: none yet. Create the first one (it asks for a password):",
        "  moderation users create NAME --role admin",
        "API keys: none yet. Create one for the site's backend (printed once):",
        "  moderation keys create --role scorer --name site",
    ]
    create_user(store, "alice", "admin", "a-long-password")
    store.create_api_key("scorer", "site")
    assert serve_banner(store, "127.0.0.1", 8123).splitlines()[1:] == [
        "admin: alice (sign in at http://127.0.0.1:8123/login)",
        "API keys: 1 active (an admin manages them at http://127.0.0.1:8123/admin/keys)",
    ]
    assert not re.search(r"\.\.\.|…", serve_banner(store, "h", 1))
