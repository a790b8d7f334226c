"""Corrections of what a record says about a person: a care plan's goals in the
person's words, its review and closing notes, an expense claim's description,
a visit's address and notes, an incident's description.

Each correctable record has its own ``FieldCorrected`` event (so its topic names
the record), built on ``Corrected``: which field (``goals.1`` for the second goal),
the new text, and who corrected it; the event's time is when. The record then
reads the corrected text everywhere, pages, copies and messages alike, and the
old text stays in the log, as the law on correction expects (the record shows
that it was corrected, and by whom). A member's name and contact details are
corrected on their own record (node.membership).
"""

from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from node.coop import CoopBase
from node.errors import InvalidCorrection, UnknownRecord

# The longest text a correction may write.
MAX_TEXT = 2000


class Corrected:
    """The fields of every ``FieldCorrected`` event, and how it changes its record."""

    field: str  # an attribute, or "attribute.index" for one text of a list
    value: str
    by: UUID | None  # the member who corrected it; None for the admin

    def apply(self, aggregate: Any) -> None:
        name, index = split_field(self.field)
        if index is None:
            setattr(aggregate, name, self.value)
        else:
            getattr(aggregate, name)[index] = self.value


class Correctable:
    """A record whose texts in ``CORRECTABLE`` (attributes holding a text or a
    list of texts) may be corrected; it declares its own ``FieldCorrected``
    event, subclassing ``Aggregate.Event`` and ``Corrected``."""

    CORRECTABLE: ClassVar[frozenset[str]]
    FieldCorrected: ClassVar[type[Any]]

    def correct(self, field: str, value: str, by: UUID | None) -> bool:
        """Record ``value`` as the text of ``field``; False if it already is."""
        name, index = split_field(field)
        if name not in self.CORRECTABLE:
            fields = ", ".join(sorted(self.CORRECTABLE))
            raise InvalidCorrection(
                f"{field!r} cannot be corrected on this record; fields: {fields}"
            )
        current = getattr(self, name)
        if isinstance(current, list) != (index is not None):
            raise InvalidCorrection(
                f"{name!r} is {'a list: give' if index is None else 'one text: drop'}"
                " the position, as in goals.0"
            )
        if index is not None and not 0 <= index < len(current):
            raise InvalidCorrection(f"{name!r} has no position {index}")
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise InvalidCorrection(f"a correction is a text of {MAX_TEXT} at most")
        if (current[index] if index is not None else current) == value:
            return False
        record = cast(Aggregate, self)
        record.trigger_event(self.FieldCorrected, field=field, value=value, by=by)
        return True


def split_field(field: str) -> tuple[str, int | None]:
    name, _, position = field.partition(".")
    if not position:
        return name, None
    if not position.isdigit():
        raise InvalidCorrection(f"{field!r}: the position must be a number")
    return name, int(position)


class CorrectionCommands(CoopBase):
    def correct_record(
        self, record_id: UUID, field: str, value: str, by: UUID | None = None
    ) -> bool:
        """Correct ``field`` of the record at ``record_id``; False if it already
        said ``value`` (nothing is recorded)."""
        record = self._correctable(record_id)
        changed = record.correct(field, value, by)
        if changed:
            self.save(cast(Aggregate, record))
        return changed

    def _correctable(self, record_id: UUID) -> Correctable:
        try:
            record: object = self.repository.get(record_id)
        except AggregateNotFoundError:
            raise UnknownRecord(f"no record {record_id} here") from None
        if not isinstance(record, Correctable):
            raise UnknownRecord(f"record {record_id} has nothing to correct")
        return record
