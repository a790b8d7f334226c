"""Which fields of which stored events are personal data, and whose: one line per
event type. node.sealing encrypts exactly these with the person's key
(node.personal_keys), so erasing the person makes exactly these unreadable.

An event type not listed is stored as it is: what the node counts and shares
(classes, dates, minutes, scores, pseudonymised ids) never depends on a sealed
field, so projections, counts and the consortium's aggregates stay exact after an
erasure. The sharing policy copies named fields only, none of these
(tests/test_erasure.py checks both).

Topics are written out rather than imported from the aggregates' modules: this
table sits under every application (node.coop imports it), below the areas.

To declare a new event: ``"its.topic": Personal("personal" or "care", subject,
("field", ...))``, where ``subject`` is the field naming the person (a member id,
a service user's id, or a record of theirs such as a visit; ``"person|visit"``:
the first of these that names someone), or ``"originator_id"`` for the
aggregate itself. A record of someone (a visit, a
care plan: ``owns=True``, the default) passes its subject on: a later event of
it, which does not name the person, is sealed with the key of the person its
first event names (node.sealing reads that event). A field inside each item of a
list is ``"goals.*.goal"``. An event that holds no personal field but whose
aggregate's later events do is declared with no fields (a time account's
opening names its owner).
"""

from typing import NamedTuple

from node.personal_keys import Category

ORIGINATOR = "originator_id"


class Personal(NamedTuple):
    category: Category
    subject: str  # the field naming the person ("a|b": the first), or ORIGINATOR
    fields: tuple[str, ...]
    # Whether the aggregate is a record about the subject (a visit, a claim), so
    # that its later events are theirs too; not a thread a person writes in. Only
    # a first (created) event can own its aggregate.
    owns: bool = True
    # The field naming a second person the fields are about as much (a
    # transfer's other account): sealed with both keys, erased with either.
    shared_with: str = ""


PERSONAL_FIELDS: dict[str, Personal] = {
    # node.membership: the member is the aggregate.
    "commonweal.member.applied": Personal(
        "personal", ORIGINATOR, ("name", "email", "phone", "address")
    ),
    "commonweal.member.contact_details_corrected": Personal(
        "personal", ORIGINATOR, ("name", "email", "phone", "address")
    ),
    # node.care: care records, kept for their retention period.
    "commonweal.care_plan.opened": Personal("care", "service_user", ("goals.*.goal",)),
    "commonweal.care_plan.reviewed": Personal("care", ORIGINATOR, ("notes",)),
    "commonweal.care_plan.field_corrected": Personal("care", ORIGINATOR, ("value",)),
    "commonweal.care_plan.closed": Personal("care", ORIGINATOR, ("notes",)),
    # node.visits: the visit is the service user's record.
    "commonweal.visit.scheduled": Personal(
        "care", "service_user", ("address", "notes")
    ),
    "commonweal.visit.delivered": Personal("care", ORIGINATOR, ("notes",)),
    "commonweal.visit.field_corrected": Personal("care", ORIGINATOR, ("value",)),
    "commonweal.visit.missed": Personal("care", ORIGINATOR, ("notes",)),
    "commonweal.visit.cancelled": Personal("care", ORIGINATOR, ("notes",)),
    # node.incidents: about the member it names, else the service user of the
    # visit it names, else nobody's in particular (the incident's own key).
    "commonweal.incident.raised": Personal(
        "care", "person|visit", ("description", "someone")
    ),
    "commonweal.incident.referred": Personal("care", ORIGINATOR, ("reference",)),
    "commonweal.incident.field_corrected": Personal("care", ORIGINATOR, ("value",)),
    "commonweal.incident.closed": Personal("care", ORIGINATOR, ("outcome",)),
    # node.expenses: the claimant's.
    "commonweal.expense_claim.claimed": Personal(
        "personal", "claimant", ("description",)
    ),
    "commonweal.expense_claim.rejected": Personal("personal", ORIGINATOR, ("note",)),
    "commonweal.expense_claim.field_corrected": Personal(
        "personal", ORIGINATOR, ("value",)
    ),
    # node.timebank: an account is its owner's (the pool's is nobody's).
    "commonweal.time_account.opened": Personal("personal", "owner", ()),
    "commonweal.time_account.debited": Personal(
        "personal", ORIGINATOR, ("note",), shared_with="counterparty"
    ),
    "commonweal.time_account.credited": Personal(
        "personal", ORIGINATOR, ("note",), shared_with="counterparty"
    ),
    # node.timebank_board: what a member offers or asks for, in their words.
    "commonweal.timebank_listing.posted": Personal(
        "personal", "owner", ("description",)
    ),
    # node.circles: a circle's meeting notes, in the words of the member who
    # recorded them, in a thread the circle shares.
    "commonweal.circle.meeting_recorded": Personal(
        "personal", "recorded_by", ("notes",), owns=False
    ),
    # node.funding: who pays for the service user's care, and its reference.
    "commonweal.funding.arranged": Personal(
        "care", "service_user", ("funder_name", "reference")
    ),
    "commonweal.funding.rearranged": Personal(
        "care", ORIGINATOR, ("funder_name", "reference")
    ),
    # node.volunteers and node.compliance: a carer's own records.
    "commonweal.volunteer.enrolled": Personal("personal", "member", ()),
    "commonweal.volunteer.stood_down": Personal("personal", ORIGINATOR, ("reason",)),
    "commonweal.compliance.opened": Personal("personal", "member", ()),
    "commonweal.compliance.check_recorded": Personal(
        "personal", ORIGINATOR, ("certificate",)
    ),
    "commonweal.compliance.removed": Personal("personal", ORIGINATOR, ("reason",)),
    # node.care_circle: how the person gave their consent.
    "commonweal.care_consent.granted": Personal("care", "service_user", ("how_given",)),
    # node.motions and node.nominations: what a member wrote, in a shared thread.
    "commonweal.motion.comment_posted": Personal(
        "personal", "author", ("text",), owns=False
    ),
    "commonweal.election.nominated": Personal(
        "personal", "candidate", ("statement",), owns=False
    ),
    "commonweal.election.accepted": Personal(
        "personal", "candidate", ("statement",), owns=False
    ),
    # node.outbox: a message is its recipient's (the letters printed from it
    # too); its later events (sent, printed) hold nothing personal.
    "commonweal.message.queued": Personal(
        "personal",
        "recipient",
        ("address", "name", "subject", "body", "notice"),
        owns=False,
    ),
}
