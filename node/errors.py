"""Domain errors: a refused command raises one and writes nothing."""

import datetime as dt


class DomainError(ValueError):
    """A command was refused. ``code`` is stable for APIs; the message is for people."""

    code = "domain_error"


class CoopNotFounded(DomainError):
    code = "coop_not_founded"


class CoopAlreadyFounded(DomainError):
    code = "coop_already_founded"


class UnknownMemberClass(DomainError):
    code = "unknown_member_class"


class UnknownMember(DomainError):
    code = "unknown_member"


class InvalidTransition(DomainError):
    """The member is not in a state where this command applies (e.g. admitted twice)."""

    code = "invalid_transition"


class InsufficientShares(DomainError):
    code = "insufficient_shares"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class UnknownSpinOff(DomainError):
    code = "unknown_spinoff"


class SpinOffNotReady(DomainError):
    """The spin-off is not in a state where this applies (not approved, no runners,
    a runner who has not consented, already provisioned)."""

    code = "spinoff_not_ready"


class RunnerNotMember(DomainError):
    code = "runner_not_member"


class MembershipCapReached(DomainError):
    """Admitting the member would break a class's membership cap."""

    code = "membership_cap_reached"


class RulesAmendmentRefused(DomainError):
    code = "rules_amendment_refused"


class UnknownBallot(DomainError):
    code = "unknown_ballot"


class BallotClosed(DomainError):
    code = "ballot_closed"


class InvalidBallot(DomainError):
    """The ballot cannot be opened as asked (bad threshold, candidates, seats)."""

    code = "invalid_ballot"


class NoElectorate(InvalidBallot):
    """Nobody could vote in the ballot (no admitted members): a state, not bad input."""

    code = "no_electorate"


class InvalidClosingDay(InvalidBallot):
    """The closing day is before the opening day (by default today): a request
    valid yesterday is refused today, so it is the clock's state, not the input's
    shape, that refuses it."""

    code = "invalid_closing_day"


class InvalidChoice(DomainError):
    code = "invalid_choice"


class NotInElectorate(DomainError):
    """The member was not in the ballot's electorate when it opened (or has
    withdrawn, where the rules take the vote away)."""

    code = "not_in_electorate"


class AlreadyVoted(DomainError):
    code = "already_voted"


class ProxyRefused(DomainError):
    code = "proxy_refused"


class InvalidReceipt(DomainError):
    code = "invalid_receipt"


class BoardRulesBroken(DomainError):
    """An election result would give a board the co-op's rules do not allow."""

    code = "board_rules_broken"


class UnknownToken(DomainError):
    code = "unknown_token"


class InvalidScore(DomainError):
    code = "invalid_score"


class UnknownCarePlan(DomainError):
    code = "unknown_care_plan"


class PlanClosed(DomainError):
    code = "plan_closed"


class UnknownVisit(DomainError):
    code = "unknown_visit"


class UnknownServiceType(DomainError):
    code = "unknown_service_type"


class InvalidDuration(DomainError):
    code = "invalid_duration"


class NotAMember(DomainError):
    """The person is not an admitted member, and the command needs one."""

    code = "not_a_member"


class InvalidCorrection(DomainError):
    """A correction names a field the record does not let be corrected, or a
    position it does not have."""

    code = "invalid_correction"


class UnknownRecord(DomainError):
    code = "unknown_record"


class NotACarer(DomainError):
    """The member is neither an employed worker nor an enrolled volunteer."""

    code = "not_a_carer"


class UnknownReason(DomainError):
    code = "unknown_reason"


class UnknownIncident(DomainError):
    code = "unknown_incident"


class ConcernClosed(InvalidTransition):
    """An incident or concern that is closed is neither acknowledged, referred
    nor closed again."""

    code = "concern_closed"


class AlreadyAcknowledged(InvalidTransition):
    code = "already_acknowledged"


class UnknownAccount(DomainError):
    code = "unknown_account"


class BalanceLimitExceeded(DomainError):
    code = "balance_limit_exceeded"


class UnknownExpenseClaim(DomainError):
    code = "unknown_expense_claim"


class ExpenseNotApproved(DomainError):
    code = "expense_not_approved"


class OwnClaim(DomainError):
    """Separation of duties: a coordinator may not decide or pay their own claim."""

    code = "own_claim"


class UnknownWorker(DomainError):
    code = "unknown_worker"


class UnknownElection(DomainError):
    code = "unknown_election"


class InvalidNominationsPeriod(DomainError):
    """The nominations period's days are out of order, or the constituencies
    asked for elect no seats."""

    code = "invalid_nominations_period"


class NominationsClosed(DomainError):
    """Nominations are not open today (before the period, after it, or voting
    has begun)."""

    code = "nominations_closed"


class InvalidNomination(DomainError):
    """The member cannot stand: not admitted, in no constituency of this
    election, or already nominated."""

    code = "invalid_nomination"


class NominationsStillOpen(DomainError):
    code = "nominations_still_open"


class NoCandidates(DomainError):
    code = "no_candidates"


class UnknownMeeting(DomainError):
    code = "unknown_meeting"


class NotOnAgenda(DomainError):
    """A meeting may only take votes on the ballots it was called to vote on."""

    code = "not_on_agenda"


class InRoomTotalsRefused(DomainError):
    """In-room totals that the ballot or the room's attendance cannot hold."""

    code = "in_room_totals_refused"


class InvalidMeeting(DomainError):
    code = "invalid_meeting"


class UnknownMotion(DomainError):
    code = "unknown_motion"


class InvalidMotion(DomainError):
    """A motion's draft is refused: a blank title, an unknown kind, a proposer who
    is not an admitted member."""

    code = "invalid_motion"


class MotionLocked(DomainError):
    """The vote on the motion has opened: its text, kind and papers are fixed."""

    code = "motion_locked"


class MotionNotCarried(DomainError):
    """A decision that binds (a rules amendment, a spin-off approval) names no
    motion of its kind carried by the members' vote, or one already acted on."""

    code = "motion_not_carried"


class InvalidClosingTime(DomainError):
    code = "invalid_closing_time"


class DiscussionClosed(DomainError):
    code = "discussion_closed"


class UnknownComment(DomainError):
    code = "unknown_comment"


class PaperRefused(DomainError):
    code = "paper_refused"


class UnknownCareConsent(DomainError):
    code = "unknown_care_consent"


class InvalidCareConsent(DomainError):
    """A consent that cannot be recorded as asked: to the person themselves, twice
    to the same viewer, or on the person's behalf without saying how it was given."""

    code = "invalid_care_consent"


class StillAMember(DomainError):
    """An admitted member cannot be erased: they withdraw first."""

    code = "still_a_member"


class AlreadyErased(DomainError):
    code = "already_erased"


class UnknownVolunteer(DomainError):
    code = "unknown_volunteer"


class ComplianceGap(DomainError):
    """The carer lacks a check or training the visit's services require on its
    day (never recorded, done after it, or expired by then)."""

    code = "compliance_gap"


class UnknownComplianceItem(DomainError):
    """Not one of the co-op's kinds of check or trainings, or not on the carer's
    record."""

    code = "unknown_compliance_item"


class RotaClash(DomainError):
    """A worker or volunteer cannot take a visit: the rota says they are elsewhere,
    off or away. ``starts`` and ``ends`` name the clash (the other visit's times,
    the hours asked for, or the days of leave) so a page can say it without ids."""

    code = "rota_clash"

    def __init__(
        self, message: str, starts: dt.datetime | dt.date, ends: dt.datetime | dt.date
    ) -> None:
        super().__init__(message)
        self.starts = starts
        self.ends = ends


class DoubleBooked(RotaClash):
    code = "double_booked"


class OutsideAvailability(RotaClash):
    code = "outside_availability"


class OnLeave(RotaClash):
    code = "on_leave"


class UnknownPattern(DomainError):
    code = "unknown_pattern"


class InvalidPattern(DomainError):
    """Weekly visits asked for with no days, a last day before the first, or more
    weeks than may be booked at a time."""

    code = "invalid_pattern"


class InvalidAvailability(DomainError):
    code = "invalid_availability"


class UnknownLeave(DomainError):
    code = "unknown_leave"


class UnknownListing(DomainError):
    """No such time-bank offer or request."""

    code = "unknown_listing"


class UnknownExchange(DomainError):
    code = "unknown_exchange"


class NotAParty(DomainError):
    """The member acts on a time-bank offer, request or exchange that is not
    theirs (withdrawing another's offer, confirming an exchange they are not in)."""

    code = "not_a_party"


class InvalidFunding(DomainError):
    """A funding arrangement that cannot be recorded as asked (more minutes
    than a week holds, or not after the last arrangement)."""

    code = "invalid_funding"


class VisitAlreadyStarted(DomainError):
    code = "visit_already_started"


class VisitNotStarted(DomainError):
    """A visit is ended (on the carer's phone) only after it was started."""

    code = "visit_not_started"


class VisitOver(DomainError):
    """The visit was already delivered, missed or cancelled."""

    code = "visit_over"


class NotYourVisit(DomainError):
    """A carer acts on, or reads the notes of, a visit not assigned to them."""

    code = "not_your_visit"


class UnknownCircle(DomainError):
    code = "unknown_circle"


class NotInCircle(DomainError):
    """Only a circle's own members (admitted members of the co-op) read or write
    its board, meetings and notes."""

    code = "not_in_circle"


class CircleFull(DomainError):
    """A circle stays small enough for everyone to know everyone: joining one
    at its cap is refused."""

    code = "circle_full"


class InvalidCircle(DomainError):
    """A circle, or a meeting of one, that cannot be recorded as asked (a blank
    name, joining twice, leaving a circle one is not in)."""

    code = "invalid_circle"


class UnknownSocialReport(DomainError):
    code = "unknown_social_report"


class SocialReportRefused(DomainError):
    """A social report cannot be drafted for that year (not begun, or drafted
    already), or a section is not the report's."""

    code = "social_report_refused"


class SocialReportAdopted(DomainError):
    """The board adopted the report: it is never edited again."""

    code = "social_report_adopted"


class InvalidCoopId(DomainError):
    """Hours sent to a co-op id that is malformed, or to this co-op itself."""

    code = "invalid_coop"


class InvalidReference(DomainError):
    code = "invalid_reference"


class InvalidHours(DomainError):
    """Hours sent to another co-op outside what one transfer may carry."""

    code = "invalid_hours"
