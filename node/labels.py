"""What pages call the things the node knows by an id: member classes, service
types, profiles, statuses, reasons. Pages show ``{{ id|label("class") }}``
(toolkit.web.formats), which finds the label here and translates it; an id never
reaches a page as it is. A co-op's own class or service in its own profile has no
label here and reads as its id in words ("meals shopping")."""

from toolkit.web.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "class": {
        "service_user": N_("Service user"),
        "worker": N_("Worker"),
        "volunteer": N_("Volunteer"),
        "supporter": N_("Supporter"),
        "financer": N_("Financing member"),
        "investor": N_("Investor member"),
        "user": N_("User member"),
    },
    "service": {
        "personal_care": N_("Personal care"),
        "cleaning": N_("Cleaning"),
        "gardening_maintenance": N_("Gardening and home repairs"),
        "transport": N_("Transport"),
        "advocacy_welfare_advice": N_("Advocacy and welfare advice"),
        "meals_shopping": N_("Meals and shopping"),
        "befriending": N_("Befriending"),
    },
    "profile": {
        "uk_multi_stakeholder": N_("UK multi-stakeholder co-operative"),
        "italy_type_a": N_("Italian social co-operative, type A"),
        "italy_type_b": N_("Italian social co-operative, type B"),
        "somerset_weighted": N_("Somerset Rules co-operative"),
        "quebec_solidarity": N_("Québec solidarity co-operative"),
    },
    "scope": {
        "plan_and_visits": N_("the care plan and the visits"),
        "visits": N_("the visits only"),
    },
    "check": {
        "dbs_enhanced": N_("enhanced DBS check"),
        "dbs_basic": N_("basic DBS check"),
        "right_to_work": N_("right to work check"),
    },
    "training": {
        "moving_and_handling": N_("moving and handling training"),
        "medication": N_("medication training"),
        "first_aid": N_("first aid training"),
        "safeguarding": N_("safeguarding training"),
        "food_hygiene": N_("food hygiene training"),
        "dementia_awareness": N_("dementia awareness training"),
    },
    "compliance": {
        "valid": N_("valid"),
        "expiring": N_("expires within 30 days"),
        "expired": N_("expired"),
        "not_yet": N_("not yet done"),
    },
    "referral": {
        "local_authority": N_("the local authority's safeguarding team"),
        "police": N_("the police"),
        "cqc": N_("the Care Quality Commission"),
        "other": N_("another body"),
    },
    "concern": {
        "open": N_("raised, waiting to be acknowledged"),
        "acknowledged": N_("acknowledged"),
        "referred": N_("referred"),
        "closed": N_("closed"),
    },
    "concern_kind": {
        "safeguarding": N_("Safeguarding concern"),
        "incident": N_("Incident"),
    },
    "duty": {
        "safeguarding": N_("Safeguarding lead"),
        "data_protection": N_("Data protection lead"),
    },
    "election": {
        "nominating": N_("nominations period"),
        "voting": N_("voting open"),
        "closed": N_("closed"),
        "cancelled": N_("cancelled"),
    },
    "nominee": {
        "proposed": N_("nominated, not yet accepted"),
        "standing": N_("standing"),
        "withdrawn": N_("withdrawn by the board"),
    },
    "status": {
        # Members
        "applied": N_("applied"),
        "admitted": N_("admitted"),
        "withdrawn": N_("withdrawn"),
        # Ballots
        "open": N_("open"),
        "closed": N_("closed"),
        "cancelled": N_("cancelled"),
        # Visits
        "scheduled": N_("scheduled"),
        "delivered": N_("delivered"),
        "missed": N_("missed"),
        # Expense claims
        "claimed": N_("claimed"),
        "approved": N_("approved"),
        "rejected": N_("rejected"),
        "paid": N_("paid"),
        # Time-bank offers and requests
        "taken": N_("taken"),
    },
    "reason": {
        # A visit missed
        "service_user_unwell": N_("the service user was unwell"),
        "in_hospital": N_("in hospital"),
        "no_access": N_("could not get in"),
        "declined": N_("declined"),
        "staff_unavailable": N_("no worker available"),
        "weather": N_("weather"),
        # A claim rejected
        "not_eligible": N_("not eligible"),
        "no_receipt": N_("no receipt"),
        "duplicate": N_("claimed twice"),
        "late": N_("claimed too late"),
        "other": N_("other"),
    },
    "category": {
        "travel": N_("travel"),
        "childcare": N_("childcare"),
        "meals": N_("meals"),
        "uniform": N_("uniform"),
    },
    "purpose": {
        "volunteering": N_("volunteering"),
        "respite": N_("respite"),
        "family_care": N_("family care"),
        "gift": N_("gift"),
        "adjustment": N_("adjustment"),
    },
    "listing": {"offer": N_("offer"), "request": N_("request")},
    "side": {
        "helper": N_("the helper"),
        "receiver": N_("the receiver"),
        "coordinator": N_("the coordinator"),
    },
    "funder": {
        "council_commission": N_("council commission"),
        "direct_payment": N_("direct payment"),
        "independent_service_fund": N_("Independent Service Fund"),
        "self_funded": N_("self-funded"),
    },
    "ballot": {"proposal": N_("Proposal"), "election": N_("Election")},
    "channel": {"postal": N_("by post"), "assisted": N_("with help, in person")},
    "choice": {"for": N_("for"), "against": N_("against"), "abstain": N_("abstain")},
    "threshold": {
        "ordinary": N_("simple majority"),
        "two_thirds": N_("two thirds"),
        "three_quarters": N_("three quarters"),
    },
    "motion": {
        "ordinary": N_("ordinary resolution"),
        "special_resolution": N_("special resolution"),
        "rules_amendment": N_("amendment of the rules"),
        "spinoff_approval": N_("approval of a new co-op (spin-off)"),
        "board_election": N_("board election"),
    },
    "erasure": {
        "requested": N_("the person asked for it"),
        "consent_withdrawn": N_("the person withdrew their consent"),
        "no_longer_needed": N_("the co-op no longer needs it"),
    },
    "data": {
        "personal": N_("name, contact details and what they wrote"),
        "care": N_("care records"),
    },
    "leave": {
        "annual_leave": N_("annual leave"),
        "sick": N_("sick leave"),
        "training": N_("training"),
        "other": N_("other leave"),
    },
    # Days of the week as the rota numbers them (0 is Monday).
    "weekday": {
        "0": N_("Monday"),
        "1": N_("Tuesday"),
        "2": N_("Wednesday"),
        "3": N_("Thursday"),
        "4": N_("Friday"),
        "5": N_("Saturday"),
        "6": N_("Sunday"),
    },
    # What was read, in the access log (node.access_audit).
    "record": {
        "care_plan": N_("care plan"),
        "visit": N_("visit"),
        "visit_notes": N_("visit notes"),
        "incident": N_("incident or safeguarding concern"),
        "contact_details": N_("contact details"),
        "member_record": N_("member record"),
        "subject_access_export": N_("everything the co-op holds (subject access)"),
        "timebank_statement": N_("time-bank statement"),
        "expenses": N_("expense claims"),
        "access_log": N_("who read their records"),
        "funding": N_("who pays for their care"),
        "care_circle": N_("who they let see their care"),
        "compliance": N_("checks and training"),
    },
    # What a consortium receives from the co-op (node.consortia).
    "stream": {
        "membership": N_("membership"),
        "governance": N_("votes and meetings"),
        "care": N_("care"),
        "timebank": N_("time bank"),
        "lineage": N_("co-ops founded from ours"),
    },
    "role": {
        "admin": N_("administrator"),
        "board": N_("board member"),
        "coordinator": N_("coordinator"),
        "member": N_("member"),
    },
}


# Where ``_(id|label)`` (no kind named) looks first: the kinds whose ids other
# kinds reuse ("withdrawn" is a member's status and a nominee's).
FIRST_KINDS = ("class", "service", "profile", "status", "reason", "category", "role")


def plain_label(value: str) -> str:
    """The English label of ``value`` under whichever kind names it, the common
    kinds first (for ``_(id|label)``); an id no kind names reads as words."""
    kinds = [*FIRST_KINDS, *(k for k in LABELS if k not in FIRST_KINDS)]
    for kind in kinds:
        if value in LABELS[kind]:
            return LABELS[kind][value]
    return value.replace("_", " ")
