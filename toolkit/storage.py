"""Tables of our own beside eventsourcing's tracking table, on SQLite or PostgreSQL.

The node's replicator and the consortium's projections both need to write their own
rows *and* a tracking record in one transaction. eventsourcing's tracking recorders
own the tracking table and the connection; ``TrackedTables`` adds our tables to the
same database and hands out transactions in which both can be written.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Self

from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteFactory, SQLiteTrackingRecorder
from eventsourcing.utils import Environment


class Cursor:
    """A thin cursor that speaks one placeholder style (``?``) on both backends."""

    def __init__(self, raw: Any, placeholder: str) -> None:
        self._raw = raw
        self._placeholder = placeholder
        self._pipelined = False

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> "Cursor":
        """Run ``sql``; fetch its rows from the cursor returned."""
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        if self._pipelined and _returns_rows(sql):
            # In pipeline mode one cursor's results arrive in a queue, and a
            # fetch after many queued writes read a write's (at 1,000 co-ops):
            # a read gets a cursor of its own, so it fetches its own rows.
            reader = self._raw.connection.cursor()
            reader.execute(sql, params)
            return Cursor(reader, self._placeholder)
        self._raw.execute(sql, params)
        return self

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        self._raw.executemany(sql, rows)

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """On PostgreSQL, statements sent without waiting for each one's answer
        (psycopg's pipeline mode): a write costs no round trip of its own, a read
        waits for what went before it. On SQLite, in process, there is no trip."""
        if self._placeholder == "?":
            yield
            return
        with self._raw.connection.pipeline():
            self._pipelined = True
            try:
                yield
            finally:
                self._pipelined = False

    def days_since(self, column: str) -> str:
        """SQL for the whole days from the ISO date in ``column`` to the date given
        as the next parameter: the one thing the two dialects spell differently."""
        if self._placeholder == "?":
            return f"CAST(julianday(?) - julianday({column}) AS INTEGER)"
        return f"(CAST(? AS date) - CAST({column} AS date))"

    def table_exists(self, table: str) -> bool:
        if self._placeholder == "?":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            sql = (
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name = ?"
            )
        return self.execute(sql, (table,)).fetchone() is not None

    def fetchone(self) -> Any:
        return self._raw.fetchone()

    def fetchall(self) -> list[Any]:
        rows: list[Any] = self._raw.fetchall()
        return rows


def _returns_rows(sql: str) -> bool:
    statement = sql.lstrip().upper()
    return statement.startswith("SELECT") or " RETURNING " in statement


def group_rows(rows: list[Any], column: str = "coop_id") -> dict[str, list[Any]]:
    """Rows by the value of ``column`` (a co-op's id by default), in their order:
    reports read every co-op in one query and split the rows here."""
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row[column], []).append(row)
    return groups


Fill = str | Callable[[Cursor], None]


def run_fill(cursor: Cursor, statement: Fill) -> None:
    if isinstance(statement, str):
        cursor.execute(statement)
    else:
        statement(cursor)


class TrackedTables(TrackingRecorder):
    """Mixin for a tracking recorder that also owns the tables in ``TABLES``.

    Write DDL and queries in the SQL both backends accept (``?`` placeholders,
    ``INSERT ... ON CONFLICT``); rows are read by column name.
    """

    TABLES: ClassVar[tuple[str, ...]] = ()
    # (table, statement): run once, right after ``table`` is first created, to
    # fill it from the tables an older release already had. Only then: a reader
    # opening the store must never need the write lock. A statement is SQL, or a
    # function of the cursor where SQL cannot say it.
    FILLS: ClassVar[tuple[tuple[str, Fill], ...]] = ()
    # SQLite's page cache per connection, in KiB; None keeps SQLite's 2,000.
    SQLITE_CACHE_KIB: ClassVar[int | None] = None
    datastore: Any
    factory: InfrastructureFactory  # set by construct

    @property
    def is_postgres(self) -> bool:
        return isinstance(self, PostgresTrackingRecorder)

    def create_table(self) -> None:
        # The backend's recorder that construct puts after this mixin
        # has create_table; TrackingRecorder, all mypy sees, does not declare it.
        super().create_table()  # type: ignore[misc]
        with self.transaction() as cursor:
            new = {table for table, _ in self.FILLS if not cursor.table_exists(table)}
            for statement in self.TABLES:
                cursor.execute(statement)
            for table, fill in self.FILLS:
                if table in new:
                    run_fill(cursor, fill)

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=True) as raw:
            if self.is_postgres:
                raw.execute(f'SET LOCAL search_path TO "{self.datastore.schema}"')
                yield Cursor(raw, "%s")
            else:
                if self.SQLITE_CACHE_KIB is not None:
                    raw.execute(f"PRAGMA cache_size = -{self.SQLITE_CACHE_KIB}")
                yield Cursor(raw, "?")

    @property
    def tracking_table(self) -> str:
        """eventsourcing's tracking table (columns ``application_name``,
        ``notification_id``, one row per name)."""
        if isinstance(self, PostgresTrackingRecorder):
            return self.tracking_table_name
        return "tracking"  # eventsourcing 9.5's SQLite recorder: fixed, no attribute

    def insert_tracking_in(self, cursor: Cursor, tracking: Tracking) -> None:
        """Record ``tracking`` inside the transaction of ``cursor``.

        eventsourcing 9.5's public ``insert_tracking`` opens a transaction of its
        own, and the recorders have no public method that takes ours: so this is
        their single-row tracking statement, written against their table. Like
        theirs, it refuses to move a position backwards or to repeat it.
        """
        table = self.tracking_table
        row = cursor.execute(
            f"INSERT INTO {table} (application_name, notification_id) VALUES (?, ?) "
            "ON CONFLICT (application_name) DO UPDATE "
            "SET notification_id = excluded.notification_id "
            f"WHERE {table}.notification_id < excluded.notification_id "
            "RETURNING notification_id",
            (tracking.application_name, tracking.notification_id),
        ).fetchone()
        if row is None:
            raise IntegrityError(
                f"Failed to record tracking for {tracking.application_name} "
                f"{tracking.notification_id}"
            )

    def insert_trackings_in(self, cursor: Cursor, trackings: list[Tracking]) -> None:
        """``insert_tracking_in`` for many names in one statement (one round
        trip), with the same refusal if any position would not move forward."""
        if not trackings:
            return
        table = self.tracking_table
        rows = cursor.execute(
            f"INSERT INTO {table} (application_name, notification_id) VALUES "
            + ", ".join("(?, ?)" for _ in trackings)
            + " ON CONFLICT (application_name) DO UPDATE "
            "SET notification_id = excluded.notification_id "
            f"WHERE {table}.notification_id < excluded.notification_id "
            "RETURNING application_name",
            [v for t in trackings for v in (t.application_name, t.notification_id)],
        ).fetchall()
        if len(rows) != len(trackings):
            recorded = {row["application_name"] for row in rows}
            refused = [t for t in trackings if t.application_name not in recorded]
            raise IntegrityError(
                f"Failed to record tracking for {refused[0].application_name} "
                f"{refused[0].notification_id}"
            )

    def tracked_position(self, cursor: Cursor, application_name: str) -> int:
        """The tracked position of ``application_name`` (0 if none), read inside
        the transaction of ``cursor``."""
        row = cursor.execute(
            f"SELECT MAX(notification_id) AS position FROM {self.tracking_table} "
            "WHERE application_name = ?",
            (application_name,),
        ).fetchone()
        return int(row["position"] or 0)

    @classmethod
    def construct(cls, env: Mapping[str, str]) -> Self:
        """This mixin built on the backend ``env`` names (eventsourcing's
        PERSISTENCE_MODULE, SQLITE_DBNAME, POSTGRES_* keys), its tables created."""
        factory = InfrastructureFactory.construct(Environment(env=dict(env)))
        if isinstance(factory, SQLiteFactory):
            base: type[TrackingRecorder] = SQLiteTrackingRecorder
        else:
            base = PostgresTrackingRecorder
        joined: type[Self] = type(f"{cls.__name__}On{base.__name__}", (cls, base), {})
        # eventsourcing types the recorder by the factory's type parameter, not by
        # the class it is asked to build.
        recorder: Self = factory.tracking_recorder(joined)  # type: ignore[assignment]
        recorder.factory = factory  # keeps the datastore's pool open with it
        return recorder
