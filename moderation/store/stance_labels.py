"""A thread's stance labels as the per-thread adaptation reads them: a cheap version key, then the labels."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from moderation.store import schema
from moderation.store.core import StoreBase

_lab, _com = schema.labels, schema.comments
_IN_THREAD = (_com.c.thread_id == bindparam("thread_id")) & _lab.c.stance.is_not(None)
# Built once: the scoring path asks for the key of a thread on every request.
_KEY = select(func.count(), func.max(_lab.c.seq)).select_from(_lab.join(_com, _com.c.id == _lab.c.comment_id)
                                                                ).where(_IN_THREAD)
_ROWS = (select(_lab.c.comment_id, _lab.c.stance, _lab.c.is_gold).join(_com, _com.c.id == _lab.c.comment_id)
         .where(_IN_THREAD).order_by(_lab.c.seq))


def stance_label_key(store: StoreBase, thread_id: str) -> tuple[int, int]:
    """(how many stance labels the thread's comments have, the newest one's row id): changes with every label,
    undo included."""
    with store.read() as conn:
        count, last = conn.execute(_KEY, {"thread_id": thread_id}).one()
    return int(count), int(last or 0)


def thread_stances(store: StoreBase, thread_id: str) -> dict[str, str]:
    """Each labelled comment's stance: its gold label's when adjudicated, else its latest label's."""
    chosen: dict[str, tuple[bool, str]] = {}
    with store.read() as conn:
        for comment_id, stance, is_gold in conn.execute(_ROWS, {"thread_id": thread_id}):
            if is_gold or not chosen.get(comment_id, (False, ""))[0]:
                chosen[comment_id] = (bool(is_gold), str(stance))
    return {cid: stance for cid, (_gold, stance) in chosen.items()}
