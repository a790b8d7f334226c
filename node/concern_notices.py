"""Who is told at once that a safeguarding concern was raised, and what they are
told: the safeguarding lead and the coordinators; when the board has named no
lead, the board members too, so that a concern never waits unread.

The message says only that a concern was raised and on which day, with a link
to sign in and read it: an email is no place for what was seen or about whom.
"""

from uuid import UUID

from node.application import CoopNode
from node.auth import AccessToken
from node.incidents import Incident
from node.outbox import Notice
from toolkit.aggregates import events_with
from toolkit.web.i18n import N_

CONCERN_PAGE = "/staff/concerns/{id}"


def holders(app: CoopNode, role: str) -> set[UUID]:
    """The admitted members who hold a token of ``role`` that is still valid."""
    return {
        issued.member_id
        for issued in events_with(app, AccessToken.Issued.TOPIC)
        if isinstance(issued, AccessToken.Issued)
        and issued.role == role
        and app.token_still_valid(issued.originator_id)
    }


def told_of_concerns(app: CoopNode) -> list[UUID]:
    """Whom a new safeguarding concern is told to: the lead first."""
    lead = app.lead("safeguarding")
    others = holders(app, "coordinator")
    if lead is None:
        others |= holders(app, "board")
    if lead is None:
        return sorted(others, key=str)
    others.discard(lead)
    return [lead, *sorted(others, key=str)]


def concern_notice(
    app: CoopNode, raised: Incident.Raised, site_url: str
) -> tuple[list[UUID], Notice]:
    """The members to tell of a concern just raised, and the notice (nobody for
    an incident that is not a safeguarding concern: the coordinator's list has
    it). The raiser knows already."""
    if raised.kind != "safeguarding":
        return [], Notice("", [])
    recipients = [m for m in told_of_concerns(app) if m != raised.raised_by]
    texts = {"coop": " ".join(app.coop().name.split())}
    phrases: dict[str, str] = {}
    if site_url:
        path = CONCERN_PAGE.format(id=raised.originator_id)
        texts["link"] = f"{site_url.rstrip('/')}{path}"
        phrases["at"] = N_(" at %(link)s")
    else:
        texts["at"] = ""
    notice = Notice(
        N_("A safeguarding concern was raised"),
        [
            N_("A safeguarding concern was raised at %(coop)s on %(on)s."),
            N_("Sign in to read it and act on it%(at)s."),
        ],
        texts,
        phrases,
        days={"on": raised.raised_on},
    )
    return recipients, notice
