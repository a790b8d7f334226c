"""Checks that every running total a consortium keeps at ingest equals what its
fill computes afresh from the rows it sums (``FILLS``: the statement that fills
a table when it is new beside an older store is the definition of its figures)."""

from typing import Any

from federation.ingest import ConsortiumViews
from toolkit.storage import run_fill


class _RolledBack(Exception):
    pass


# Filled for an older store with what it could know then (closures counted
# without their reasons), not with what ingest keeps: not a definition.
NOT_DEFINITIONS = {"care_closures"}


def _rows(cursor: Any, table: str) -> set[tuple[Any, ...]]:
    found = cursor.execute(f"SELECT * FROM {table}").fetchall()
    # sqlite3.Row iterates over its values, so the keys are asked for by name.
    rows = {tuple(row[k] for k in row.keys()) for row in found}  # noqa: SIM118
    # A sum that went back to zero (a claim paid, a month summarised again)
    # keeps its row; a fill never writes one.
    return {r for r in rows if any(v for v in r if isinstance(v, int))}


def assert_running_totals_hold(views: ConsortiumViews) -> None:
    """Each table of ``views.FILLS`` as kept at ingest equals the table filled
    afresh; the store is left as it was."""
    kept: dict[str, set[tuple[Any, ...]]] = {}
    fresh: dict[str, set[tuple[Any, ...]]] = {}
    try:
        with views.transaction() as cursor:
            for table, _ in views.FILLS:
                kept[table] = _rows(cursor, table)
            for table, statement in views.FILLS:
                if table in NOT_DEFINITIONS:
                    continue
                cursor.execute(f"DELETE FROM {table}")
                run_fill(cursor, statement)
                fresh[table] = _rows(cursor, table)
            raise _RolledBack
    except _RolledBack:
        pass
    assert any(kept.values()), "no running total holds anything: nothing is checked"
    for table in fresh:
        assert kept[table] == fresh[table], f"{table} differs from its rows"
