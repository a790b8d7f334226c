"""What a compliance reminder says, and to whom (node.notifications composes
it): the carer hears that their own check or training expires soon; each
coordinator hears whose, so that the renewal can be booked. Nobody else does.
"""

from collections.abc import Iterator
from uuid import UUID

from node.application import CoopNode
from node.auth import AccessToken
from node.compliance import ComplianceRecord
from node.labels import LABELS
from node.outbox import Notice
from toolkit.aggregates import events_with, get
from toolkit.web.i18n import N_


def coordinators(app: CoopNode) -> list[UUID]:
    """The members who hold a coordinator's token they can use now."""
    found = [
        issued.member_id
        for issued in events_with(app, AccessToken.Issued.TOPIC)
        if isinstance(issued, AccessToken.Issued)
        and issued.role == "coordinator"
        and app.token_still_valid(issued.originator_id)
    ]
    return list(dict.fromkeys(found))


def reminder_drafts(
    app: CoopNode, event: ComplianceRecord.ReminderSent
) -> Iterator[tuple[UUID, str, Notice]]:
    """(recipient, kind, notice) of each message the reminder makes."""
    record = get(app, event.originator_id, ComplianceRecord)
    if record is None:
        return
    what = {"what": LABELS[event.item].get(event.kind, event.kind)}
    days = {"on": event.expires_on}
    own = Notice(
        N_("Renew your %(what)s"),
        [
            N_("Your %(what)s expires on %(on)s."),
            N_("Please arrange to renew it with the co-op's coordinator."),
        ],
        phrases=what,
        days=days,
    )
    yield record.member, "compliance_expiring", own
    name = app.member(record.member).name
    theirs = Notice(
        N_("%(name)s: %(what)s expiring"),
        [N_("%(name)s's %(what)s expires on %(on)s.")],
        texts={"name": " ".join(name.split())},
        phrases=what,
        days=days,
    )
    for coordinator in coordinators(app):
        if coordinator != record.member:
            yield coordinator, "compliance_expiring", theirs
