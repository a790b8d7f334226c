"""Aggregate ids as our stores hold them."""

from typing import cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent


def originator_uuid(record: StoredEvent) -> UUID:
    """The id of the aggregate ``record`` belongs to.

    eventsourcing types it ``UUID | str`` because a store may be set up for text
    ids; ours keep the default (``originator_id_type`` "uuid"), so it is a UUID.
    """
    return cast(UUID, record.originator_id)
