"""What an attestation checks beyond the report: each co-op's membership caps
and its general meetings.

Caps come with the co-op's rules (``coop.founded/2``, ``rules.amended/2``); a
node older than that shared none, and its caps stay unknown (NULL) until it
amends its rules, rather than being taken as "no cap". A general meeting is
shared once its first minutes are adopted (``meeting.held``): its day, how many
attended and whether that met the co-op's quorum; nobody's name.
"""

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

import msgspec

from federation.projection import Projection
from schemas import Envelope, Payload
from schemas import governance as g
from schemas import membership as m
from toolkit.storage import Cursor


class HeldMeeting(NamedTuple):
    held_on: dt.date
    quorate: bool


class RulesFactsProjection(Projection):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS gov_caps (coop_id TEXT PRIMARY KEY, caps TEXT)",
        "CREATE TABLE IF NOT EXISTS gov_meetings ("
        "coop_id TEXT NOT NULL, meeting TEXT NOT NULL, held_on TEXT NOT NULL, "
        "attending BIGINT NOT NULL, electorate BIGINT NOT NULL, "
        "quorate INTEGER NOT NULL, PRIMARY KEY (coop_id, meeting))",
    )

    def apply(self, cursor: Cursor, envelope: Envelope, payload: Payload) -> None:
        handler = self._handlers.get(type(payload))
        if handler is not None:
            handler(self, cursor, envelope.coop_id, payload)

    def _caps(self, c: Cursor, coop_id: str, p: m.CoopFounded | g.RulesAmended) -> None:
        caps = (
            None
            if p.membership_caps is None
            else msgspec.json.encode(dict(sorted(p.membership_caps.items()))).decode()
        )
        c.execute(
            "INSERT INTO gov_caps (coop_id, caps) VALUES (?, ?) "
            "ON CONFLICT (coop_id) DO UPDATE SET caps = excluded.caps",
            (coop_id, caps),
        )

    def _meeting(self, c: Cursor, coop_id: str, p: g.MeetingHeld) -> None:
        c.execute(
            "INSERT INTO gov_meetings (coop_id, meeting, held_on, attending, "
            "electorate, quorate) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (coop_id, meeting) DO NOTHING",
            (
                coop_id,
                p.meeting,
                p.held_on.isoformat(),
                p.attending,
                p.electorate,
                int(p.quorate),
            ),
        )

    _handlers: dict[type[Payload], Callable[..., None]] = {
        m.CoopFounded: _caps,
        g.RulesAmended: _caps,
        g.MeetingHeld: _meeting,
    }


def membership_caps(cursor: Cursor, coop_id: str) -> dict[str, str] | None:
    """The co-op's caps by class ({} none), or None if it never shared them."""
    row = cursor.execute(
        "SELECT caps FROM gov_caps WHERE coop_id = ?", (coop_id,)
    ).fetchone()
    if row is None or row["caps"] is None:
        return None
    return msgspec.json.decode(row["caps"], type=dict[str, str])


def held_meetings(cursor: Cursor, coop_id: str) -> list[HeldMeeting]:
    rows = cursor.execute(
        "SELECT held_on, quorate FROM gov_meetings WHERE coop_id = ? ORDER BY held_on",
        (coop_id,),
    ).fetchall()
    return [
        HeldMeeting(dt.date.fromisoformat(r["held_on"]), bool(r["quorate"]))
        for r in rows
    ]
