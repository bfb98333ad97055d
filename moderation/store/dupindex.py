"""The duplicate index in the store: entries and LSH band rows, looked up by band hash (issue 3).

The store only keeps and finds rows; moderation.labelling.duplicates decides what is a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, literal_column, select, text, union, union_all
from sqlalchemy.engine import Connection

from moderation.store import schema
from moderation.store.core import StoreBase, utcnow

MAX_CANDIDATES = 200  # a lookup reads at most this many entries, those sharing the most bands first
_LOCK_CLASS = 0x64757031  # "dup1": the first key of PostgreSQL's two-key advisory locks for the index
_ENTRY_COLUMNS = ("id", "comment_id", "thread_id", "author", "text_hash", "n_words", "text")
_CHUNK = 500
BANDS = 20  # band hashes per entry (moderation.labelling.duplicates.BANDS; a test checks they agree)


# One parameter per band, not an expanding IN: the statement is compiled once and never re-rendered per lookup
# (25-35 us a lookup). Unused places hold NULL, which matches no row.
_BAND_PARAMS = [bindparam(f"band{i}") for i in range(BANDS)]


def _band_params(bands: Sequence[int]) -> dict[str, int | None]:
    distinct = sorted(set(bands))
    if len(distinct) > BANDS:
        raise ValueError(f"a lookup takes at most {BANDS} band hashes, got {len(distinct)}")
    return {f"band{i}": h for i, h in enumerate([*distinct, *[None] * (BANDS - len(distinct))])}


def _candidates_query() -> Any:
    """One statement (one round trip): the entries sharing the most bands, plus those with the exact hash."""
    e, b = schema.dup_entries, schema.dup_bands
    by_bands = (select(b.c.entry_id).where(b.c.band_hash.in_(_BAND_PARAMS))
                .group_by(b.c.entry_id).order_by(func.count().desc(), b.c.entry_id)
                .limit(MAX_CANDIDATES).subquery())
    by_hash = (select(e.c.id).where(e.c.text_hash == bindparam("text_hash"))
               .order_by(e.c.id).limit(MAX_CANDIDATES).subquery())
    ids = union(select(by_bands.c.entry_id), select(by_hash.c.id))
    return select(*(e.c[name] for name in _ENTRY_COLUMNS)).where(e.c.id.in_(ids)).order_by(e.c.id)


# Built once: SQLAlchemy then reuses its compiled form instead of rebuilding the statement per lookup.
_CANDIDATES = _candidates_query()
_ALSO_MAX = 4  # extra exact hashes one lookup may carry (the tagger asks for two at most)


def _lookup_query(n_also: int) -> Any:
    """One statement: the candidates (as _CANDIDATES) and, for each of ``n_also`` more exact hashes, the entries
    ``dup_candidates(hash, [])`` gives (each subquery limited as a lookup of its own), flagged per part."""
    e, b = schema.dup_entries, schema.dup_bands
    by_bands = (select(b.c.entry_id.label("id")).where(b.c.band_hash.in_(_BAND_PARAMS))
                .group_by(b.c.entry_id).order_by(func.count().desc(), b.c.entry_id)
                .limit(MAX_CANDIDATES).subquery())

    def by_hash(name: str) -> Any:
        return (select(e.c.id).where(e.c.text_hash == bindparam(name)).order_by(e.c.id)
                .limit(MAX_CANDIDATES).subquery())

    def part(ids: Any, k: int) -> Any:  # k = 0: the candidates; k >= 1: the k-th extra hash
        return select(ids.c.id, *(literal_column(str(int(k == j))).label(f"p{j}") for j in range(n_also + 1)))

    parts = [part(by_bands, 0), part(by_hash("text_hash"), 0),
             *(part(by_hash(f"also{j}"), j) for j in range(1, n_also + 1))]
    u = union_all(*parts).subquery()
    flags = (select(u.c.id, *(func.max(u.c[f"p{j}"]).label(f"p{j}") for j in range(n_also + 1)))
             .group_by(u.c.id).subquery())
    return (select(*(e.c[name] for name in _ENTRY_COLUMNS), *(flags.c[f"p{j}"] for j in range(n_also + 1)))
            .join_from(e, flags, e.c.id == flags.c.id).order_by(e.c.id))


_LOOKUPS = {n: _lookup_query(n) for n in range(1, _ALSO_MAX + 1)}


_PG_BANDS_FROM_ARRAYS = text("INSERT INTO dup_bands (band_hash, entry_id) "
                             "SELECT * FROM unnest(CAST(:hashes AS bigint[]), CAST(:ids AS integer[]))")


def _entry_dict(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _ENTRY_COLUMNS}


class DupIndexMixin(StoreBase):
    """Add entries to the duplicate index and find the candidates that share a band or the exact hash."""

    def _dup_candidates(self, conn: Connection, text_hash: int, bands: Sequence[int],
                        exclude: str | None = None) -> list[dict[str, Any]]:
        rows = conn.execute(_CANDIDATES, {"text_hash": text_hash, **_band_params(bands)})
        return [_entry_dict(r) for r in rows if r.comment_id != exclude]

    def _dup_lookup(self, conn: Connection, text_hash: int, bands: Sequence[int], also: Sequence[int],
                    exclude: str | None = None) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
        """_dup_candidates, and for each hash of ``also`` what _dup_candidates(hash, []) gives, in one statement."""
        if not also:
            return self._dup_candidates(conn, text_hash, bands, exclude), []
        if len(also) > _ALSO_MAX:
            return (self._dup_candidates(conn, text_hash, bands, exclude),
                    [self._dup_candidates(conn, h, []) for h in also])
        params = {"text_hash": text_hash, **_band_params(bands),
                  **{f"also{j}": h for j, h in enumerate(also, start=1)}}
        main: list[dict[str, Any]] = []
        extra: list[list[dict[str, Any]]] = [[] for _ in also]
        for r in conn.execute(_LOOKUPS[len(also)], params):
            if r.p0 and r.comment_id != exclude:
                main.append(_entry_dict(r))
            for j, found in enumerate(extra, start=1):
                if r[len(_ENTRY_COLUMNS) + j]:
                    found.append(_entry_dict(r))
        return main, extra

    def dup_candidates(self, text_hash: int, bands: Sequence[int],
                       exclude: str | None = None) -> list[dict[str, Any]]:
        """Entries with this exact-text hash or sharing an LSH band, oldest first (read only)."""
        with self.read() as conn:
            return self._dup_candidates(conn, text_hash, bands, exclude)

    def dup_candidates_also(self, text_hash: int, bands: Sequence[int], also: Sequence[int]
                            ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
        """dup_candidates(text_hash, bands), and dup_candidates(h, []) for each h of ``also``: one round trip."""
        with self.read() as conn:
            return self._dup_lookup(conn, text_hash, bands, also)

    def _lock_keys(self, conn: Connection, keys: Sequence[int]) -> None:
        # Two writers of near-duplicates share a band: they take the same lock and run one after the other,
        # so the second always sees the first. SQLite needs nothing: its write transactions are serial.
        if self.dialect != "postgresql":
            return
        ordered = sorted({k % 2_147_483_647 for k in keys})
        conn.execute(text("SELECT count(pg_advisory_xact_lock(:c, k)) FROM "
                          "(SELECT k FROM unnest(CAST(:keys AS integer[])) AS k ORDER BY k) AS s"),
                     {"c": _LOCK_CLASS, "keys": ordered})

    def dup_find_and_add(self, entry: dict[str, Any], bands: Sequence[int]) -> list[dict[str, Any]]:
        """Atomically: the candidates stored before this entry, then the entry added (idempotent by comment id)."""
        return self.dup_find_and_add_also(entry, bands, ())[0]

    def dup_find_and_add_also(self, entry: dict[str, Any], bands: Sequence[int], also: Sequence[int]
                              ) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
        """dup_find_and_add, and in the same statement dup_candidates(h, []) for each h of ``also`` (read before
        the entry is added: the entry itself is among them only when it was indexed already)."""
        e = schema.dup_entries
        with self.write() as conn:
            self._lock_keys(conn, [entry["text_hash"], *bands])
            existing = conn.execute(select(e.c.id).where(e.c.comment_id == entry["comment_id"])).scalar()
            candidates, extra = self._dup_lookup(conn, entry["text_hash"], bands, also, exclude=entry["comment_id"])
            if existing is not None:
                return [c for c in candidates if c["id"] < existing], extra
            new_id = conn.execute(insert(e).values(**_entry_row(entry))).inserted_primary_key[0]
            if bands:
                conn.execute(insert(schema.dup_bands),
                             [{"band_hash": h, "entry_id": new_id} for h in sorted(set(bands))])
            return candidates, extra

    def dup_add_many(self, items: Sequence[tuple[dict[str, Any], Sequence[int]]]) -> int:
        """Bulk-add entries without looking anything up (building an index); returns how many were added."""
        with self.write() as conn:
            for i in range(0, len(items), _CHUNK):
                self._dup_add_rows(conn, items[i:i + _CHUNK])
        if self.dialect == "postgresql":
            self._analyze_if_grown(len(items))
        return len(items)

    def _dup_add_rows(self, conn: Connection, chunk: Sequence[tuple[dict[str, Any], Sequence[int]]]) -> None:
        """Insert entries and their band rows in the caller's transaction (no lookup)."""
        e = schema.dup_entries
        now = utcnow()
        rows = [{**_entry_row(entry), "created_at": now} for entry, _ in chunk]
        ids = conn.execute(insert(e).returning(e.c.id, sort_by_parameter_order=True), rows).scalars().all()
        band_rows = [{"band_hash": h, "entry_id": new_id}
                     for new_id, (_, bands) in zip(ids, chunk, strict=True) for h in sorted(set(bands))]
        if band_rows and self.dialect == "postgresql":
            # One statement per chunk: psycopg's executemany sends one INSERT per row (20 an entry),
            # which took half of dup_add_many's time.
            conn.execute(_PG_BANDS_FROM_ARRAYS, {"hashes": [r["band_hash"] for r in band_rows],
                                                 "ids": [r["entry_id"] for r in band_rows]})
        elif band_rows:
            conn.execute(insert(schema.dup_bands), band_rows)

    def _analyze_if_grown(self, added: int) -> None:
        # Without statistics (a bulk load before autovacuum gets to it, or a server with autovacuum off) the
        # planner guesses that 20 band hashes match a tenth of dup_bands and scans the whole table: 0.8 s
        # a lookup at 1M entries instead of 0.3 ms. So analyze as autovacuum would, after 10% growth.
        with self.write() as conn:
            reltuples = conn.execute(text("SELECT reltuples FROM pg_class "
                                          "WHERE oid = CAST('dup_entries' AS regclass)")).scalar_one()
            if reltuples < 0 or added > 0.1 * reltuples:
                conn.execute(text("ANALYZE dup_entries, dup_bands"))

    def dup_entries(self, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Every entry, oldest first (a brute-force scan, for benchmarks and checks)."""
        e = schema.dup_entries
        last = 0
        while True:
            with self.read() as conn:
                rows = conn.execute(select(*(e.c[name] for name in _ENTRY_COLUMNS)).where(e.c.id > last)
                                    .order_by(e.c.id).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield _entry_dict(r)
            last = rows[-1].id

    def dup_count(self) -> dict[str, int]:
        """Rows in the index tables."""
        with self.read() as conn:
            return {"entries": conn.execute(select(func.count()).select_from(schema.dup_entries)).scalar_one(),
                    "bands": conn.execute(select(func.count()).select_from(schema.dup_bands)).scalar_one()}


def _entry_row(entry: dict[str, Any]) -> dict[str, Any]:
    return {"comment_id": entry["comment_id"], "thread_id": entry.get("thread_id"),
            "author": entry.get("author"), "text_hash": entry["text_hash"], "n_words": entry["n_words"],
            "text": entry["text"], "created_at": entry.get("created_at") or utcnow()}
