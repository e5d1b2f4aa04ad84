"""Open a knowledge base: one Engine for SQLite or PostgreSQL, migrated, errors translated.

Every database error the store can meet (unreachable server, read-only file,
full disk) becomes a ``StoreError`` with a one-line reason, raised where it
happens; writes run in transactions, so a failed write leaves the store as it
was.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from itertools import islice
from typing import Iterable, Iterator

from sqlalchemy import (ARRAY, JSON, String, and_, any_, bindparam, column, create_engine, event, func, inspect, select,
                        true)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from linkwatch.errors import StoreError
from linkwatch.settings import get_settings, normalize_db_url
from linkwatch.store import schema

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)


def chunks(values: Iterable, size: int = 5000) -> Iterator[list]:
    """``values`` in lists of at most ``size`` (an ``IN (...)`` list a query, a batch a statement)."""
    it = iter(values)
    while batch := list(islice(it, size)):
        yield batch


def rows_in(conn: Connection, stmt, column, keys: Iterable[str] | None):
    """The rows of ``stmt`` whose ``column`` is among ``keys`` (a batch of keys a query); all of them
    when ``keys`` is None."""
    if keys is None:
        yield from conn.execute(stmt)
        return
    for batch in chunks(sorted(set(keys))):
        yield from conn.execute(stmt.where(among(conn, column, batch)))


def first_rows(conn: Connection, stmt, column, values: Iterable[str], limit: int) -> dict[str, list]:
    """Value → the first column of ``stmt``'s first ``limit`` rows whose ``column`` equals it, for each of
    ``values`` (a bounded read each, however many rows a value has): on PostgreSQL one statement (a lateral
    join over the values, each limited: one round trip); elsewhere a statement a value (SQLite has no round
    trips)."""
    values = sorted(set(values))
    if conn.dialect.name != "postgresql":
        return {value: list(conn.execute(stmt.where(column == value).limit(limit)).scalars()) for value in values}
    out: dict[str, list] = {value: [] for value in values}
    if not values:
        return out
    given = func.unnest(bindparam("values", values, type_=ARRAY(String))).table_valued("value").render_derived()
    block = stmt.where(column == given.c.value).limit(limit).lateral()
    for value, first in conn.execute(select(given.c.value, block.c[0]).join_from(given, block, true())):
        out[value].append(first)
    return out


def among(conn: Connection, column, values: Iterable):
    """``column IN values`` (a list) as one parameter: on PostgreSQL
    ``column = ANY(array)``, on SQLite ``column IN (SELECT value FROM json_each(?))``. The statement's text
    is the same whatever the number of values, so neither SQLAlchemy nor the driver renders and parses a
    parameter a value (most of a look-up's cost on the client for a few hundred keys), and the driver's
    cache of prepared statements holds one statement, not one a list length (it grew by megabytes over a
    long ingest)."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if conn.dialect.name == "sqlite":
        listed = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
        return column.in_(select(listed.c.value))
    return column.in_(values)


def rows_at(conn: Connection, columns: list, key: tuple, keys: Iterable[tuple], *, chunk: int = 250) -> Iterator:
    """The rows (``columns`` of one table) whose ``key`` columns hold one of ``keys`` (tuples), each found
    through an index on ``key``: on PostgreSQL the keys as unnested arrays joined to the table; elsewhere
    ``(a = ? AND b = ?) OR …`` in the driver's SQL, ``chunk`` keys a statement (SQLite reads the whole table
    for a row-value ``IN`` list, and building the same condition as SQLAlchemy expressions costs more than
    the look-ups)."""
    table = key[0].table
    for batch in chunks(sorted(set(keys)), chunk):
        if conn.dialect.name == "postgresql":
            at = _unnested(key, batch)
            yield from conn.execute(select(*columns).select_from(
                at.join(table, and_(*(c == at.c[c.name] for c in key)))))
            continue
        quote, mark = conn.dialect.identifier_preparer.quote, _mark(conn)
        term = "(" + " AND ".join(f"{quote(c.name)} = {mark}" for c in key) + ")"
        yield from conn.exec_driver_sql(
            f"SELECT {', '.join(quote(c.name) for c in columns)} FROM {quote(table.name)} WHERE "
            + " OR ".join([term] * len(batch)), tuple(v for k in batch for v in k))


def delete_at(conn: Connection, key: tuple, keys: Iterable[tuple], *, where: str = "") -> None:
    """Delete the rows whose ``key`` columns hold one of ``keys`` (tuples): one statement run for every key
    by the driver (an index look-up each); ``where``: a further condition, in SQL."""
    keys = sorted(set(keys))
    if not keys:
        return
    quote, mark = conn.dialect.identifier_preparer.quote, _mark(conn)
    conn.exec_driver_sql(f"DELETE FROM {quote(key[0].table.name)} WHERE "
                         + " AND ".join(f"{quote(c.name)} = {mark}" for c in key) + (f" AND {where}" if where else ""),
                         keys)


def _unnested(columns, keys: list[tuple]):
    """PostgreSQL: ``keys`` (tuples of ``columns``' values) as a table ``keys`` with the columns' names,
    one array parameter a column."""
    return func.unnest(*(bindparam(None, [k[i] for k in keys], type_=ARRAY(c.type)) for i, c in enumerate(columns))) \
        .table_valued(*(column(c.name, c.type) for c in columns)).render_derived(name="keys")


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def key_counts(conn: Connection, table, key: tuple[str, ...], values: Iterable[tuple], *,
               chunk: int = 500) -> Counter:
    """Key (a tuple of ``key`` columns' values) → how many rows of ``table`` hold it, for the keys ``values``,
    each counted through an index on ``key``. PostgreSQL: the keys as arrays, unnested, each counted in a
    lateral subquery (an index look-up a key whatever the table's statistics say); elsewhere each column
    IN its values (SQLite probes the index with every combination; those not asked for drop)."""
    counts: Counter = Counter()
    columns = [table.c[k] for k in key]
    for batch in chunks(sorted(set(values)), chunk):
        if conn.dialect.name == "postgresql":
            keys = _unnested(columns, batch)
            held = select(func.count().label("n")).where(*(c == keys.c[c.name] for c in columns)).lateral("held")
            stmt = select(*keys.c, held.c.n).select_from(keys.join(held, true()))
            counts.update({tuple(value): n for *value, n in conn.execute(stmt) if n})
            continue
        where = [among(conn, c, sorted({v[i] for v in batch})) for i, c in enumerate(columns)]
        wanted = set(batch)
        for *value, n in conn.execute(select(*columns, func.count()).where(*where).group_by(*columns)):
            if tuple(value) in wanted:
                counts[tuple(value)] = n
    return counts


def insert_tuples(conn: Connection, table, columns: tuple[str, ...], rows: Iterable[tuple], *,
                  chunk: int = 5000) -> int:
    """Insert tuples in ``columns`` order without per-row compilation (JSON columns serialised here);
    returns the row count. PostgreSQL: ``COPY … FROM STDIN`` in the connection's transaction (one round
    trip); elsewhere the driver's executemany (SQLite runs it in C)."""
    quote = conn.dialect.identifier_preparer.quote
    as_json = [isinstance(table.c[c].type, JSON) for c in columns]
    if any(as_json):
        rows = (tuple(json.dumps(v) if j and v is not None else v for v, j in zip(row, as_json)) for row in rows)
    names = ", ".join(quote(c) for c in columns)
    n = 0
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        finally:
            cursor.close()
        return n
    mark = _mark(conn)
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    for batch in chunks(rows, chunk):
        conn.exec_driver_sql(sql, batch)
        n += len(batch)
    return n


def plain_rows(conn: Connection, table, rows: list[dict]) -> int:
    """Rows (dicts, all with the first row's keys) as plain tuples through ``insert_tuples`` (SQLAlchemy's
    per-row parameter processing is most of the cost otherwise). On SQLite, not for DateTime columns,
    whose text form is SQLAlchemy's to choose."""
    if not rows:
        return 0
    columns = tuple(rows[0])
    return insert_tuples(conn, table, columns, (tuple(row[c] for c in columns) for row in rows))


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def reason(exc: BaseException) -> str:
    """The first line of a driver error, without SQLAlchemy's boilerplate."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return text


def connect(url: str | None = None, *, migrate: bool = True) -> Engine:
    """Open (and by default migrate) the knowledge base at ``url`` (default: settings.db_url)."""
    raw = normalize_db_url(url or get_settings().db_url)
    try:
        engine = create_engine(raw, future=True, pool_pre_ping=True)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise StoreError(f"bad database URL {safe_url(raw)}: {reason(exc)}") from exc
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout = 30000")
            # one fsync per checkpoint, not per document: still atomic per transaction, so a killed
            # ingest leaves the store consistent (a power cut may lose the last committed documents)
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.close()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (DBAPIError, SQLAlchemyError) as exc:
        engine.dispose()
        raise StoreError(f"cannot open database {safe_url(raw)}: {reason(exc)}") from exc
    if migrate:
        from linkwatch.store.migrate import migrate as run_migrations
        run_migrations(engine)
    return engine


def as_engine(db) -> Engine:
    """Accept an Engine, a URL or None (settings) wherever the library takes ``db``."""
    if isinstance(db, Engine):
        return db
    return connect(db)


@contextmanager
def writing(engine: Engine, what: str) -> Iterator[Connection]:
    """One transaction; a database error rolls it back and becomes a StoreError."""
    try:
        with engine.begin() as conn:
            yield conn
    except (DBAPIError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot {what}: {reason(exc)}") from exc


@contextmanager
def reading(engine: Engine, what: str) -> Iterator[Connection]:
    try:
        with engine.connect() as conn:
            yield conn
    except (DBAPIError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot {what}: {reason(exc)}") from exc


def has_tables(engine: Engine) -> bool:
    return inspect(engine).has_table(schema.migrations.name)


def applied_migrations(engine: Engine) -> list[str]:
    with reading(engine, "read migrations") as conn:
        return [r[0] for r in conn.execute(select(schema.migrations.c.name).order_by(schema.migrations.c.name))]
