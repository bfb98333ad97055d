"""The command line: exit codes, one-line errors, and nothing stored on a bad import."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.store import Store
from tests.helpers import THREAD, write_folder

GOOD = [{"id": "c1", "thread_id": "t1", "text": "Closer ties with NATO.", "stance": "favor",
         "off_topic": False, "duplicate_of": None, "annotator": "a", "labelled_at": "2026-11-22T12:00:00Z"},
        {"id": "c2", "thread_id": "t1", "text": "Stay neutral.", "parent_id": "c1"}]


def run(*args: str) -> tuple[int, str, str]:
    """Invoke the CLI; returns exit code, stdout, stderr."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_import_export_import_round_trip(env_db: str, tmp_path: Path) -> None:
    src = write_folder(tmp_path / "src", [THREAD], GOOD)
    code, out, err = run("import", str(src))
    assert code == 0, err
    assert json.loads(out)["imported"] == {"threads": 1, "comments": 2, "labels": 1}
    assert "import: 2/2" in err
    code, out, _ = run("export", str(tmp_path / "out"))
    assert code == 0
    for name in ("threads.jsonl", "comments.jsonl"):
        assert (tmp_path / "out" / name).read_text() == (src / name).read_text()


def _bad_csv(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("id,thread_id,body\nc1,t1,hello\n")
    return path


BAD_INPUTS = [
    ("malformed JSON line",
     lambda p: write_folder(p / "d", [THREAD], '{"id": "c1", "thread_id": "t1", "text": "x"}\n{oops\n'),
     "Error: comments.jsonl:2: malformed JSON: Expecting property name enclosed in double quotes at column 2"),
    ("unknown label value", lambda p: write_folder(p / "d", [THREAD], [{**GOOD[0], "stance": "pro"}]),
     "Error: comments.jsonl:1: stance must be favor, against or none"),
    ("comment for an unknown thread", lambda p: write_folder(p / "d", [THREAD], [{**GOOD[0], "thread_id": "t2"}]),
     "Error: comments.jsonl:1: unknown thread 't2'"),
    ("duplicate ids", lambda p: write_folder(p / "d", [THREAD], [GOOD[0], GOOD[0]]),
     "Error: comments.jsonl:2: duplicate comment id 'c1'"),
    ("not UTF-8", lambda p: _not_utf8(p), "Error: comments.jsonl:1: not UTF-8 text"),
    ("empty file", lambda p: write_folder(p / "d", [], ""), "Error: {tmp}/d: the dataset is empty"),
    ("CSV missing a mapped column", lambda p: _bad_csv(p), "Error: bad.csv:1: missing column 'text'"),
]


def _not_utf8(p: Path) -> Path:
    folder = write_folder(p / "d", [THREAD], "")
    (folder / "comments.jsonl").write_bytes('{"id": "c1", "thread_id": "t1", "text": "caf\xe9"}\n'.encode("latin-1"))
    return folder


@pytest.mark.parametrize(("case", "make", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_one_line_exit_1_nothing_imported(
        store: Store, env_db: str, tmp_path: Path, case: str, make: Callable[[Path], Path], message: str) -> None:
    before = store.counts()
    path = make(tmp_path)
    code, out, err = run("import", str(path))
    assert code == 1
    assert err.strip() == message.replace("{tmp}", str(tmp_path))
    assert "Traceback" not in err and out == ""
    assert store.counts() == before


def test_csv_with_mapping(store: Store, env_db: str, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("cid,thread,body,stance,off_topic,thread_title\n"
                    "c1,t1,Closer ties,favor,no,Japan and NATO\nc2,t1,Neutral please,against,,\n",
                    encoding="utf-8")
    code, out, err = run("import", str(path), "--map", "id=cid", "--map", "thread_id=thread", "--map", "text=body")
    assert code == 0, err
    exported = store.export_dataset()
    assert [(c.id, c.stance, c.off_topic) for c in exported.comments] == [("c1", "favor", False),
                                                                         ("c2", "against", None)]
    assert exported.threads[0].target == "Japan and NATO"


def test_csv_mapping_to_absent_column(env_db: str, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,thread_id,text\nc1,t1,x\n")
    code, _, err = run("import", str(path), "--map", "author=writer")
    assert code == 1 and err.strip() == "Error: c.csv:1: missing column 'writer' (mapped to author)"


def test_bad_map_option(env_db: str, tmp_path: Path) -> None:
    code, _, err = run("import", str(tmp_path), "--map", "nonsense")
    assert code == 1 and err.strip() == "Error: --map 'nonsense': expected FIELD=COLUMN"


def test_missing_path(env_db: str, tmp_path: Path) -> None:
    code, _, err = run("import", str(tmp_path / "nowhere"))
    assert code == 1 and err.strip() == f"Error: {tmp_path / 'nowhere'}: no such file or folder"


def test_second_import_of_same_thread_conflicts(env_db: str, tmp_path: Path) -> None:
    src = write_folder(tmp_path / "src", [THREAD], GOOD)
    assert run("import", str(src))[0] == 0
    code, _, err = run("import", str(src))
    assert code == 1 and err.strip() == "Error: thread 't1' is already in the store"
