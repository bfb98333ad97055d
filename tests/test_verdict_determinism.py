"""The same request gives the same verdict, however many times it is sent and on whichever worker (issue 10)."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from moderation.app import create_app
from moderation.dataset import load_dataset
from moderation.store import open_store
from tests.conftest import ROOT, track_app
from tests.test_service_gunicorn import _free_port, call, gunicorn_process

SEED = ROOT / "labels" / "kishida-nato"
# -029 once "quoted itself" (its own text shrank to "How odd."); -049 lost its quotes of the article and -048.
PICKED = ("kishida-nato-029", "kishida-nato-049", "kishida-nato-048", "kishida-nato-003", "kishida-nato-023")


def _batch() -> dict[str, Any]:
    by_id = {c.id: c for c in load_dataset(SEED).comments}
    return {"store": False, "comments": [{"id": i, "thread_id": "kishida-nato", "text": by_id[i].text}
                                         for i in PICKED]}


def _check(results: list[dict[str, Any]]) -> None:
    by_id = {r["id"]: r for r in results}
    assert by_id["kishida-nato-029"]["quotes"] == [] and by_id["kishida-nato-029"]["own_text"] != "How odd."
    assert {q["source"] for q in by_id["kishida-nato-049"]["quotes"]} >= {"article", "kishida-nato-048"}
    assert all(q["source"] != r["id"] for r in results for q in r["quotes"])


def _seeded(db_url: str) -> str:
    with open_store(db_url) as store:
        store.import_dataset(load_dataset(SEED))
        return store.create_api_key("scorer", "determinism")[0]


def test_the_same_batch_three_times_gives_the_same_verdicts(db_url: str) -> None:
    key = _seeded(db_url)
    client = track_app(create_app({"database_url": db_url, "testing": True, "log_json": False})).test_client()
    answers = []
    for _ in range(3):
        r = client.post("/v1/score/batch", json=_batch(), headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.get_json()
        answers.append(r.get_json()["results"])
    assert answers[0] == answers[1] == answers[2]
    _check(answers[0])


def real_app() -> Any:
    """gunicorn's factory in the server process: the real tagger on the test's store."""
    return create_app({"database_url": os.environ["MODERATION_DATABASE_URL"], "log_json": True})


@pytest.mark.slow
def test_two_gunicorn_workers_give_the_same_verdicts(db_url: str, tmp_path: Path) -> None:
    key = _seeded(db_url)
    port = _free_port()
    env = {**os.environ, "MODERATION_DATABASE_URL": db_url, "PYTHONPATH": str(ROOT),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    log = tmp_path / "server.log"
    with gunicorn_process("tests.test_verdict_determinism", "real_app", port, env, log) as proc:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        answers: dict[str, Any] = {}
        body = json.dumps(_batch())

        def send(n: int) -> None:
            for _ in range(3):
                rid = uuid.uuid4().hex[:16]
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("POST", "/v1/score/batch", body=body, headers={
                    "Content-Type": "application/json", "Authorization": f"Bearer {key}", "X-Request-Id": rid})
                response = conn.getresponse()
                assert response.status == 200
                answers[rid] = json.loads(response.read())["results"]
                conn.close()

        clients = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        time.sleep(0.5)
        pids = {}
        for line in log.read_text().splitlines():
            if line.startswith("{") and '"request_id"' in line:
                rec = json.loads(line)
                if rec["request_id"] in answers:
                    pids[rec["request_id"]] = rec["pid"]
        assert len(answers) == 12 and len(set(pids.values())) == 2, pids
        first = next(iter(answers.values()))
        assert all(a == first for a in answers.values())
        _check(first)


def test_workers_started_at_different_times_give_the_same_off_topic_verdict(db_url: str) -> None:
    """Relevance is fitted on the documents up to a cutoff the store records, and the other threads are the
    store's: a worker that started before another article arrived judges like one that started after it."""
    from moderation.dataset import Comment, Thread
    from moderation.labelling.tagger import Tagger

    _seeded(db_url)
    with open_store(db_url) as store, open_store(db_url) as other_worker:
        thread = store.get_thread("kishida-nato")
        earlier = store.thread_comments(thread.id)
        probe = Comment(id="probe", thread_id=thread.id,
                        text="The yen fell again today and the Bank of Japan did nothing about it.")
        first = Tagger(store)  # a worker that started now
        before = first.tag(probe, thread, earlier, remember=False).off_topic
        other = Thread(id="boj", title="Bank of Japan holds rates as the yen slides", target="the Bank of Japan",
                       body="The Bank of Japan left rates unchanged; the yen fell to a new low against the dollar.")
        store.save_scored(Comment(id="boj-1", thread_id="boj", text="The yen is collapsing and the BoJ does nothing."),
                          thread=other, queue=None)
        later = Tagger(other_worker)  # a worker (its own store) that started after the other article was stored
        after_first = first.tag(probe, thread, earlier, remember=False).off_topic
        after_later = later.tag(probe, thread, earlier, remember=False).off_topic
        assert after_first == after_later  # the same store, the same verdict, whenever the worker started
        assert after_first.probability > before.probability  # the new article is closer: both workers see it
        assert later.tag(probe, thread, earlier, remember=False).off_topic == after_later  # and again


def test_a_batch_reads_the_stores_threads_once_and_again_after_an_item_brings_a_thread(db_url: str) -> None:
    """The store's new threads are read before a batch's first item (not before each), and again after an item
    that stored an inline thread: the next item is judged as it would be alone, with that article among the others."""
    from moderation.app.resources import close_app, get_engine, get_store
    from moderation.app.service import adapter
    from moderation.app.validation import parse_item
    from moderation.queue import Options, make_policy, score_items

    _seeded(db_url)
    app = create_app({"database_url": db_url, "testing": True, "log_json": False})
    try:
        with app.app_context():
            engine, store = get_engine(), get_store()
            policy = make_policy(app.config["MODERATION"], engine.manifest)
            calls: list[int] = []
            real, real_news = store.threads_after, store.thread_news
            store.threads_after = lambda seq, limit=1000: calls.append(seq) or real(seq, limit)  # type: ignore
            # The threads read with a thread's new comments (one statement) count as a read of the threads too.
            store.thread_news = lambda tid, after, seq, limit=1000: (  # type: ignore
                calls.append(seq) or real_news(tid, after, seq, limit))
            probe = "The yen fell again today and the Bank of Japan did nothing about it."
            plain = [parse_item({"text": probe, "thread_id": "kishida-nato"}, 20_000) for _ in range(5)]
            alone = score_items(store, engine, policy, plain[:1], Options(store=False), adapt=adapter(engine))
            calls.clear()
            score_items(store, engine, policy, plain, Options(store=False), adapt=adapter(engine))
            assert len(calls) == 1
            boj = parse_item({"id": "boj-1", "text": "The yen is collapsing and the BoJ does nothing.",
                              "thread": {"id": "boj", "title": "Bank of Japan holds rates as the yen slides",
                                         "target": "the Bank of Japan",
                                         "body": "The Bank of Japan left rates unchanged; the yen fell to a new low."}},
                             20_000)
            calls.clear()
            mixed = score_items(store, engine, policy, [boj, plain[0]], Options(store=True), adapt=adapter(engine))
            assert len(calls) == 2  # before the first item, and after the one that stored its thread
            # plain[0] again, alone (now stored: judged against the same earlier comments, as its id says)
            after = score_items(store, engine, policy, plain[:1], Options(store=False), adapt=adapter(engine))
            assert mixed[1].verdict.off_topic == after[0].verdict.off_topic
            assert after[0].verdict.off_topic.probability > alone[0].verdict.off_topic.probability
    finally:
        close_app(app)


def test_a_threads_walked_verdicts_follow_a_new_article_like_a_fresh_worker(db_url: str) -> None:
    """The pages' verdicts of a thread (one walk, kept until the thread grows) are re-judged when another
    article arrives in the store: they are the ones a worker started after it gives, not the earlier ones."""
    from moderation.dataset import Comment, Thread
    from moderation.labelling.tagger import Tagger

    _seeded(db_url)
    with open_store(db_url) as store, open_store(db_url) as other_worker:
        thread = store.get_thread("kishida-nato")
        comments = store.thread_comments(thread.id)
        first = Tagger(store)
        before = [v.off_topic for v in first.thread_verdicts(thread, comments)]
        other = Thread(id="boj", title="Bank of Japan holds rates as the yen slides", target="the Bank of Japan",
                       body="The Bank of Japan left rates unchanged; the yen fell to a new low against the dollar.")
        store.save_scored(Comment(id="boj-1", thread_id="boj", text="The yen is collapsing and the BoJ does nothing."),
                          thread=other, queue=None)
        again = [v.off_topic for v in first.thread_verdicts(thread, comments)]
        fresh = [v.off_topic for v in Tagger(other_worker).thread_verdicts(thread, comments)]
        assert again == fresh
        assert again != before  # the new article is evidence: some probability moved
