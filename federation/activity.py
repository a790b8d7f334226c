"""When each co-op's last envelope was applied, and which co-ops have gone quiet.

The consortium cannot know what a node believes it has published; it can know
how long each co-op has been silent. A co-op whose envelopes stop arriving (its
node down, its link cut, its messages dropped on the way) shows as seconds since
its last applied envelope on /metrics, and on the dashboard once that passes the
config's ``silent_after_seconds``. A registered co-op that has sent nothing is
silent since it was registered.
"""

import datetime as dt
from typing import NamedTuple

from toolkit.storage import Cursor

LAST_APPLIED_TABLE = (
    "CREATE TABLE IF NOT EXISTS last_applied ("
    "coop_id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
)


def record_applied(cursor: Cursor, coop_ids: list[str]) -> None:
    """Note, in the batch's transaction, that the chains of ``coop_ids`` moved
    now."""
    now = dt.datetime.now(dt.UTC).isoformat()
    cursor.executemany(
        "INSERT INTO last_applied (coop_id, applied_at) VALUES (?, ?) "
        "ON CONFLICT (coop_id) DO UPDATE SET applied_at = excluded.applied_at",
        [(coop_id, now) for coop_id in coop_ids],
    )


def last_applied(cursor: Cursor) -> dict[str, dt.datetime]:
    rows = cursor.execute("SELECT coop_id, applied_at FROM last_applied").fetchall()
    return {
        row["coop_id"]: dt.datetime.fromisoformat(row["applied_at"]) for row in rows
    }


class Silence(NamedTuple):
    coop_id: str
    name: str
    since: dt.datetime  # its last applied envelope, or its registration
    seconds: float
    heard_from: bool  # False: nothing applied since it was registered


def silences(
    registered: list[tuple[str, str, dt.date]],
    applied: dict[str, dt.datetime],
    silent_after: float,
    now: dt.datetime | None = None,
) -> list[Silence]:
    """The registered co-ops (id, name, registered on) silent for longer than
    ``silent_after`` seconds, the longest silent first."""
    now = now or dt.datetime.now(dt.UTC)
    found = []
    for coop_id, name, registered_on in registered:
        heard = coop_id in applied
        since = applied.get(coop_id) or dt.datetime.combine(
            registered_on, dt.time(), dt.UTC
        )
        seconds = (now - since).total_seconds()
        if seconds > silent_after:
            found.append(Silence(coop_id, name, since, seconds, heard))
    return sorted(found, key=lambda silence: silence.since)
