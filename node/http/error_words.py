"""A refused command in words for a page: one plain sentence per stable code,
translated where it is shown. The API keeps the domain error's own message (it
names ids, for scripts and logs); a page never shows an id."""

from node.errors import DomainError
from toolkit.web.i18n import N_

PLAIN_ERRORS: dict[str, str] = {
    "unknown_motion": N_("There is no such motion."),
    "invalid_motion": N_(
        "That motion cannot be drafted as asked: give it a title and a kind, "
        "proposed by an admitted member."
    ),
    "motion_locked": N_(
        "The vote on this motion has opened: it can no longer be changed."
    ),
    "motion_not_carried": N_(
        "That needs a motion of the right kind that the members' vote carried, "
        "and that has not been acted on already."
    ),
    "invalid_closing_time": N_("The closing time must be later than now."),
    "discussion_closed": N_(
        "The vote on this motion has closed, and its discussion with it."
    ),
    "unknown_comment": N_("There is no such comment."),
    "paper_refused": N_(
        "That file cannot be kept as a paper: it must be a PDF, a plain text file "
        "or a PNG or JPEG image, of 5 MB at most."
    ),
    "rota_clash": N_("The rota does not allow that worker or volunteer then."),
    "double_booked": N_(
        "That worker or volunteer is already going to another visit at that time."
    ),
    "outside_availability": N_(
        "That worker or volunteer does not work at that time of the week."
    ),
    "on_leave": N_("That worker or volunteer is on leave that day."),
    "unknown_pattern": N_("There are no such weekly visits."),
    "invalid_pattern": N_(
        "Weekly visits need at least one day of the week, a last day on or after "
        "the first, and at most 26 weeks at a time."
    ),
    "invalid_availability": N_(
        "Each day's hours must start before they end, and leave must end on or "
        "after the day it starts."
    ),
    "unknown_leave": N_("There is no such leave."),
    "domain_error": N_("That could not be done."),
    "visit_already_started": N_("This visit has already been started."),
    "visit_not_started": N_("This visit has not been started yet: start it first."),
    "visit_over": N_(
        "This visit is already recorded as delivered, missed or cancelled."
    ),
    "not_your_visit": N_("This visit is not one of yours."),
    "conflict": N_("Someone changed this at the same moment. Please try again."),
    "coop_not_founded": N_("This co-op has not been founded yet."),
    "coop_already_founded": N_("This co-op has already been founded."),
    "unknown_member_class": N_("That is not one of this co-op's member classes."),
    "unknown_member": N_("There is no such member."),
    "invalid_transition": N_("That cannot be done now, in the state things are in."),
    "insufficient_shares": N_("The member does not hold that many shares."),
    "invalid_amount": N_("The amount must be a whole number above zero."),
    "unknown_spinoff": N_("There is no such new co-op."),
    "spinoff_not_ready": N_("The new co-op is not ready for that yet."),
    "runner_not_member": N_("Whoever runs a new co-op must be a member of this one."),
    "membership_cap_reached": N_(
        "The co-op's rules allow no more members in that class for now."
    ),
    "rules_amendment_refused": N_("That change to the rules was refused."),
    "unknown_ballot": N_("There is no such ballot."),
    "ballot_closed": N_("That ballot is closed."),
    "invalid_ballot": N_("That ballot cannot be opened as asked."),
    "no_electorate": N_("Nobody could vote in that ballot: there are no members yet."),
    "invalid_closing_day": N_("The closing day cannot be before the ballot opens."),
    "invalid_choice": N_("That is not one of the choices."),
    "not_in_electorate": N_("You are not among those who may vote in this ballot."),
    "already_voted": N_("You have already voted in this ballot."),
    "proxy_refused": N_("That proxy vote is not allowed."),
    "invalid_receipt": N_("That receipt does not match a vote in this ballot."),
    "board_rules_broken": N_("That would give a board the co-op's rules do not allow."),
    "unknown_token": N_("There is no such access token."),
    "invalid_score": N_("A score is outside the range allowed."),
    "unknown_care_plan": N_("There is no such care plan."),
    "plan_closed": N_("That care plan is closed."),
    "unknown_visit": N_("There is no such visit."),
    "unknown_service_type": N_("That is not one of the services this co-op offers."),
    "invalid_duration": N_("The length of time is not one that can be recorded."),
    "not_a_member": N_("That person is not an admitted member of this co-op."),
    "unknown_record": N_("There is no such record."),
    "invalid_correction": N_("That part of the record cannot be corrected that way."),
    "not_a_carer": N_("That person is neither a worker nor a volunteer of this co-op."),
    "unknown_volunteer": N_("There is no such volunteer."),
    "compliance_gap": N_(
        "That person lacks a check or training this visit's services need on its "
        "day: their record on the compliance page says which."
    ),
    "unknown_compliance_item": N_(
        "That is not one of the co-op's checks or trainings, or it is not on "
        "this person's record."
    ),
    "unknown_reason": N_("That is not one of the reasons listed."),
    "unknown_incident": N_("There is no such incident."),
    "concern_closed": N_(
        "This concern is closed: it cannot be acknowledged, referred or closed again."
    ),
    "already_acknowledged": N_("This concern has already been acknowledged."),
    "unknown_account": N_("There is no such time-bank account."),
    "balance_limit_exceeded": N_("That would take a time-bank balance past its limit."),
    "unknown_expense_claim": N_("There is no such expense claim."),
    "expense_not_approved": N_("A claim must be approved before it is paid."),
    "own_claim": N_("Nobody may approve or pay their own claim."),
    "unknown_worker": N_("There is no such worker."),
    "unknown_election": N_("There is no such election."),
    "invalid_nominations_period": N_(
        "Nominations must close on or after the day they open, and voting after "
        "nominations close."
    ),
    "nominations_closed": N_("Nominations for this election are not open today."),
    "invalid_nomination": N_(
        "That member cannot stand here: they must be an admitted member of a class "
        "this election fills, and not already nominated."
    ),
    "nominations_still_open": N_(
        "Voting can open on the day nominations close, not before."
    ),
    "no_candidates": N_("Nobody is standing yet, so there is nothing to vote on."),
    "unknown_meeting": N_("There is no such meeting."),
    "not_on_agenda": N_("That ballot is not on this meeting's agenda."),
    "in_room_totals_refused": N_(
        "Those totals are more votes than members of that class present who "
        "have not voted, or the ballot does not take votes in the room."
    ),
    "invalid_meeting": N_("That meeting cannot be called or recorded as asked."),
    "unknown_care_consent": N_("There is no such permission to see someone's care."),
    "invalid_care_consent": N_(
        "That permission cannot be recorded: choose another member than the person, "
        "who does not see their care already, and say how consent was given when "
        "recording it for them."
    ),
    "still_a_member": N_(
        "A member cannot be erased while admitted: they must withdraw first."
    ),
    "already_erased": N_("This person has been erased already."),
    "unknown_listing": N_("There is no such offer or request."),
    "unknown_exchange": N_("There is no such exchange."),
    "not_a_party": N_("Only the members taking part may do that."),
    "invalid_funding": N_(
        "That funding cannot be recorded: a new arrangement starts after the "
        "last one, for 168 hours a week at most."
    ),
    "unknown_circle": N_("There is no such circle."),
    "not_in_circle": N_("Only the circle's own members may see or do that."),
    "circle_full": N_(
        "This circle is full: a circle has 20 members at most, so that everyone "
        "in it knows everyone."
    ),
    "invalid_circle": N_(
        "That cannot be recorded: give the circle a name and a neighbourhood, "
        "and join only a circle you are not in already."
    ),
    "unknown_social_report": N_("No social report is drafted for that year."),
    "social_report_refused": N_(
        "A social report cannot be drafted for that year: it has not begun, "
        "or its report is drafted already."
    ),
    "social_report_adopted": N_(
        "The board has adopted this report: it can no longer be changed."
    ),
}


def said(error: DomainError) -> str:
    """What a page says of ``error`` (marked for translation: show it with
    ``_()``)."""
    return PLAIN_ERRORS.get(error.code, PLAIN_ERRORS["domain_error"])
