"""Names people read for the ids the member's pages show (service types, claim
categories, reasons, statuses), marked for translation; an id missing here is
shown tidied ("home_help" as "Home help"), never raw. Registered as the
templates' ``label`` filter, to be shown as ``{{ _(key|label) }}``."""

from toolkit.web.i18n import N_

LABELS = {
    # service types
    "personal_care": N_("Personal care"),
    "cleaning": N_("Cleaning"),
    "gardening_maintenance": N_("Gardening and maintenance"),
    "transport": N_("Transport"),
    "advocacy_welfare_advice": N_("Advocacy and welfare advice"),
    "meals_shopping": N_("Meals and shopping"),
    "befriending": N_("Befriending"),
    # expense categories
    "travel": N_("Travel"),
    "childcare": N_("Childcare"),
    "meals": N_("Meals"),
    "uniform": N_("Uniform"),
    # why a claim was rejected
    "not_eligible": N_("Not something the co-op pays for"),
    "no_receipt": N_("No receipt"),
    "duplicate": N_("Already claimed"),
    "late": N_("Claimed too late"),
    # why a visit did not happen
    "service_user_unwell": N_("You were unwell"),
    "in_hospital": N_("You were in hospital"),
    "no_access": N_("No one could get in"),
    "declined": N_("You said no to the visit"),
    "staff_unavailable": N_("No worker was free"),
    "weather": N_("The weather"),
    "other": N_("Another reason"),
    # where a claim is
    "claimed": N_("Waiting for a decision"),
    "approved": N_("Approved, to be paid"),
    "rejected": N_("Rejected"),
    "paid": N_("Paid"),
    # where a visit is
    "scheduled": N_("Booked"),
    "delivered": N_("Done"),
    "missed": N_("Missed"),
    "cancelled": N_("Cancelled"),
    # what hours were for
    "volunteering": N_("Volunteering"),
    "respite": N_("Respite"),
    "family_care": N_("Family care"),
    "gift": N_("A gift"),
    "adjustment": N_("A correction by the office"),
    # member classes
    "service_user": N_("Service user"),
    "worker": N_("Worker"),
    "volunteer": N_("Volunteer"),
    "supporter": N_("Supporter"),
    "financer": N_("Financing member"),
    "investor": N_("Investor"),
    "user": N_("User member"),
    # where a membership is
    "applied": N_("Applying"),
    "admitted": N_("Admitted"),
    "withdrawn": N_("Left the co-op"),
    # roles
    "member": N_("Member"),
    "board": N_("Board"),
    "coordinator": N_("Coordinator"),
}

# The currency a co-op keeps its accounts in, by its rules profile's prefix
# (as federation.labels, which the node may not import).
CURRENCIES = {"uk_": "£", "somerset_": "£", "italy_": "€", "quebec_": "CA$"}


def label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def currency(profile: str) -> str:
    """The currency symbol of a co-op of ``profile``; "" where not known."""
    for prefix, symbol in CURRENCIES.items():
        if profile.startswith(prefix):
            return symbol
    return ""


def money(minor_units: int, symbol: str) -> str:
    """12.50 from 1250, after the currency's symbol."""
    sign = "-" if minor_units < 0 else ""
    whole, cents = divmod(abs(minor_units), 100)
    return f"{sign}{symbol}{whole}.{cents:02d}"
