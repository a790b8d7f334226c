"""Transcodings both event stores (a node's, the consortium registry's) register."""

import datetime as dt

from eventsourcing.persistence import Transcoding


class DateAsISO(Transcoding):
    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)
