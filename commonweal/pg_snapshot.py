"""A consistent copy of a running store's PostgreSQL schema, and its restore.

Every table of the store's schema is copied (``COPY ... TO STDOUT``) inside one
REPEATABLE READ, read-only transaction: one snapshot of the database, whatever
the service commits meanwhile. Restoring lets this release create the tables
(the services build their own, with eventsourcing's functions), then copies the
rows back in one transaction and moves each sequence past the rows it numbered.
"""

from collections.abc import Callable
from pathlib import Path

import msgspec
import psycopg
from psycopg import sql

from commonweal.backup_secrets import BackupError
from toolkit.config import StoreConfig
from toolkit.private_files import private_file, write_private


class TableCopy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    table: str
    columns: list[str]
    file: str


def connect(store: StoreConfig) -> psycopg.Connection:
    return psycopg.connect(
        host=store.host,
        port=store.port,
        user=store.user,
        password=store.password,
        dbname=store.dbname,
        connect_timeout=5,
    )


def copy_postgres(store: StoreConfig, to: Path, prefix: str) -> tuple[list[str], int]:
    """Copy the schema's tables into ``to`` as ``<prefix>-<table>.copy`` files,
    listed in ``<prefix>.tables.json``; returns every file written and the highest
    notification id of its events tables."""
    listing: list[TableCopy] = []
    last = 0
    with connect(store) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            for table, columns in _tables(conn, store.schema).items():
                copy = TableCopy(table, columns, f"{prefix}-{table}.copy")
                _copy_out(conn, store.schema, copy, to / copy.file)
                listing.append(copy)
                if table.endswith("_events") and "notification_id" in columns:
                    last = max(last, _max(conn, store.schema, table, "notification_id"))
    names = f"{prefix}.tables.json"
    write_private(to / names, msgspec.json.encode(listing))
    return [names, *(c.file for c in listing)], last


def load_postgres(
    store: StoreConfig, source: Path, listing_file: str, create: Callable[[], None]
) -> None:
    """Put a copied schema's rows into ``store``'s schema, whose tables ``create``
    makes; refused if any of them holds rows already."""
    listing = msgspec.json.decode(
        (source / listing_file).read_bytes(), type=list[TableCopy]
    )
    with connect(store) as conn:
        present = _tables(conn, store.schema)
        used = [
            c.table for c in listing if c.table in present and _has_rows(conn, store, c)
        ]
    if used:
        raise BackupError(
            f"will not restore into schema {store.schema} of database {store.dbname}: "
            f"its tables {', '.join(used)} hold data already (give an empty schema)"
        )
    create()
    with connect(store) as conn, conn.transaction():
        present = _tables(conn, store.schema)
        unknown = [c.table for c in listing if c.table not in present]
        if unknown:
            raise BackupError(
                f"this release does not make the backup's tables {', '.join(unknown)}"
            )
        for copy in listing:
            # Empty before ``create``: whatever it wrote (a first tracking row)
            # gives way to the backup's rows.
            conn.execute(
                sql.SQL("DELETE FROM {}").format(
                    sql.Identifier(store.schema, copy.table)
                )
            )
            _copy_in(conn, store.schema, copy, source / copy.file)
            _move_sequences(conn, store.schema, copy)


def _tables(conn: psycopg.Connection, schema: str) -> dict[str, list[str]]:
    rows = conn.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
        "AND t.table_name = c.table_name "
        "WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position",
        (schema,),
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _copy_out(
    conn: psycopg.Connection, schema: str, copy: TableCopy, path: Path
) -> None:
    private_file(path)
    statement = sql.SQL("COPY {} ({}) TO STDOUT").format(
        sql.Identifier(schema, copy.table),
        sql.SQL(", ").join(map(sql.Identifier, copy.columns)),
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(statement) as rows,
        path.open("wb") as out,
    ):
        for block in rows:
            out.write(block)


def _copy_in(
    conn: psycopg.Connection, schema: str, copy: TableCopy, path: Path
) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(schema, copy.table),
        sql.SQL(", ").join(map(sql.Identifier, copy.columns)),
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(statement) as rows,
        path.open("rb") as data,
    ):
        for block in iter(lambda: data.read(1 << 20), b""):
            rows.write(block)


def _move_sequences(conn: psycopg.Connection, schema: str, copy: TableCopy) -> None:
    """A serial column's sequence follows its highest restored value, so the next
    row gets the next number."""
    qualified = f'"{schema}"."{copy.table}"'
    for column in copy.columns:
        row = conn.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", (qualified, column)
        ).fetchone()
        if row is None or row[0] is None:
            continue
        highest = _max(conn, schema, copy.table, column)
        if highest:
            conn.execute("SELECT setval(%s, %s)", (row[0], highest))


def _max(conn: psycopg.Connection, schema: str, table: str, column: str) -> int:
    statement = sql.SQL("SELECT MAX({}) FROM {}").format(
        sql.Identifier(column), sql.Identifier(schema, table)
    )
    row = conn.execute(statement).fetchone()
    return int(row[0] or 0) if row else 0


def _has_rows(conn: psycopg.Connection, store: StoreConfig, copy: TableCopy) -> bool:
    statement = sql.SQL("SELECT 1 FROM {} LIMIT 1").format(
        sql.Identifier(store.schema, copy.table)
    )
    return conn.execute(statement).fetchone() is not None
