"""Our rows and eventsourcing's tracking record, written in one transaction on
every store backend, in eventsourcing's own tracking table."""

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from toolkit.config import StoreConfig
from toolkit.storage import TrackedTables


class Notes(TrackedTables):
    TABLES = ("CREATE TABLE IF NOT EXISTS notes (note TEXT PRIMARY KEY)",)

    def write(self, note: str, position: int) -> None:
        with self.transaction() as cursor:
            cursor.execute("INSERT INTO notes (note) VALUES (?)", (note,))
            self.insert_tracking_in(cursor, Tracking("notes", position))

    def notes(self) -> list[str]:
        with self.transaction() as cursor:
            rows = cursor.execute("SELECT note FROM notes ORDER BY note").fetchall()
        return [row["note"] for row in rows]


@pytest.fixture
def notes(store: StoreConfig) -> Iterator[Notes]:
    recorder = Notes.construct(store.env())
    yield recorder
    recorder.factory.close()


def test_tracking_moves_forward_with_our_rows(notes: Notes) -> None:
    notes.write("a", 1)
    notes.write("b", 5)
    # eventsourcing reads what we wrote: the same table, the same columns.
    assert notes.max_tracking_id("notes") == 5
    assert notes.max_tracking_id("others") is None
    with notes.transaction() as cursor:
        assert notes.tracked_position(cursor, "notes") == 5
        assert notes.tracked_position(cursor, "others") == 0


@pytest.mark.parametrize("position", [5, 4])
def test_a_position_repeated_or_behind_undoes_the_whole_write(
    notes: Notes, position: int
) -> None:
    notes.write("a", 5)
    with pytest.raises(IntegrityError):
        notes.write("b", position)
    assert notes.notes() == ["a"]
    assert notes.max_tracking_id("notes") == 5
