"""Failed sign-ins counted in the store (fixed windows), so every gunicorn worker sees the same counts."""

from __future__ import annotations

import time

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from moderation.store import Store, schema

T = schema.login_failures


def windows(store: Store, keys: list[str], window: float) -> dict[str, tuple[int, float]]:
    """Each key's failures within the current window and when that window ends (epoch seconds; 0 when none).

    A window's count only ever grows until the window ends (record_failure restarts only an ended one), and only
    clear() (a successful sign-in, which a throttled key cannot make) forgets it sooner."""
    cutoff = time.time() - window
    with store.read() as conn:
        rows = conn.execute(select(T.c.key, T.c.count, T.c.window_start)
                            .where(T.c.key.in_(keys), T.c.window_start >= cutoff))
        found = {key: (int(count), float(start) + window) for key, count, start in rows}
    return {key: found.get(key, (0, 0.0)) for key in keys}


def record_failure(store: Store, keys: list[str], window: float) -> None:
    """Count one failure against each key (a key whose window has passed starts again at 1)."""
    now = time.time()
    cutoff = now - window
    insert = (postgresql.insert if store.dialect == "postgresql" else sqlite.insert)(T)
    with store.write() as conn:
        # Expired rows go, so names an attacker makes up do not pile up in the table.
        conn.execute(delete(T).where(T.c.window_start < cutoff))
        for key in keys:
            stmt = insert.values(key=key, window_start=now, count=1)
            fresh = T.c.window_start < cutoff
            conn.execute(stmt.on_conflict_do_update(index_elements=[T.c.key], set_={
                "count": case((fresh, 1), else_=T.c.count + 1),
                "window_start": case((fresh, now), else_=T.c.window_start)}))


def clear(store: Store, key: str) -> None:
    """Forget a key's failures (after a successful sign-in)."""
    with store.write() as conn:
        conn.execute(delete(T).where(T.c.key == key))
