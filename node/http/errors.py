"""Domain errors and store conflicts as HTTP errors: one table, by stable code."""

from eventsourcing.persistence import IntegrityError

from node import errors
from toolkit.web.errors import ApiError

# code -> (status, the request field the error is about, if any). A refused command
# whose code is not here conflicts with the current state: 409.
STATUS: dict[str, tuple[int, str | None]] = {
    errors.UnknownMember.code: (404, None),
    errors.UnknownToken.code: (404, None),
    errors.UnknownMemberClass.code: (400, "member_class"),
    errors.InvalidAmount.code: (400, "amount"),
    errors.InvalidTransition.code: (409, None),
    errors.OwnClaim.code: (403, None),
    errors.InsufficientShares.code: (409, None),
    errors.CoopAlreadyFounded.code: (409, None),
    errors.CoopNotFounded.code: (409, None),
    errors.UnknownBallot.code: (404, None),
    errors.BallotClosed.code: (409, None),
    errors.AlreadyVoted.code: (409, None),
    errors.NotInElectorate.code: (403, None),
    errors.ProxyRefused.code: (403, None),
    errors.InvalidChoice.code: (400, "choice"),
    errors.InvalidBallot.code: (400, None),
    errors.NoElectorate.code: (409, None),
    errors.InvalidClosingDay.code: (409, "closes_on"),
    errors.InvalidReceipt.code: (400, "receipt"),
    errors.MembershipCapReached.code: (409, None),
    errors.BoardRulesBroken.code: (409, None),
    errors.UnknownAccount.code: (404, None),
    errors.BalanceLimitExceeded.code: (409, None),
    errors.NotAMember.code: (409, None),
    errors.UnknownVisit.code: (404, None),
    errors.UnknownRecord.code: (404, None),
    errors.InvalidCorrection.code: (400, "field"),
    errors.UnknownWorker.code: (404, None),
    errors.UnknownIncident.code: (404, None),
    errors.InvalidDuration.code: (400, "minutes"),
    errors.UnknownServiceType.code: (400, "service_types"),
    errors.UnknownReason.code: (400, "reason"),
    errors.UnknownCarePlan.code: (404, None),
    errors.PlanClosed.code: (409, None),
    errors.InvalidScore.code: (400, "scores"),
    errors.UnknownExpenseClaim.code: (404, None),
    errors.ExpenseNotApproved.code: (409, None),
    errors.UnknownElection.code: (404, None),
    errors.UnknownMeeting.code: (404, None),
    errors.InvalidMeeting.code: (409, None),
    errors.UnknownMotion.code: (404, None),
    errors.UnknownComment.code: (404, None),
    errors.InvalidMotion.code: (400, None),
    errors.InvalidClosingTime.code: (409, "closes_at"),
    errors.PaperRefused.code: (400, None),
    errors.MotionLocked.code: (409, None),
    errors.MotionNotCarried.code: (409, None),
    errors.DiscussionClosed.code: (409, None),
    errors.UnknownCareConsent.code: (404, None),
    errors.InvalidCareConsent.code: (409, None),
    errors.UnknownVolunteer.code: (404, None),
    errors.UnknownComplianceItem.code: (404, None),
    errors.UnknownPattern.code: (404, None),
    errors.UnknownLeave.code: (404, None),
    # Well-formed, but not a pattern or hours the rota can hold (a last day
    # before the first, hours that overlap), as a closing day in the past is.
    errors.InvalidPattern.code: (409, None),
    errors.InvalidAvailability.code: (409, "slots"),
    errors.UnknownListing.code: (404, None),
    errors.InvalidCoopId.code: (400, "payee"),
    errors.InvalidReference.code: (400, "reference"),
    errors.InvalidHours.code: (400, "minutes"),
    errors.UnknownExchange.code: (404, None),
    errors.NotAParty.code: (403, None),
    errors.InvalidFunding.code: (409, None),
    errors.VisitAlreadyStarted.code: (409, None),
    errors.VisitNotStarted.code: (409, None),
    errors.VisitOver.code: (409, None),
    errors.NotYourVisit.code: (403, None),
    errors.UnknownCircle.code: (404, None),
    errors.NotInCircle.code: (403, None),
    errors.CircleFull.code: (409, None),
    errors.InvalidCircle.code: (409, None),
    errors.UnknownSocialReport.code: (404, None),
    errors.SocialReportRefused.code: (409, None),
    errors.SocialReportAdopted.code: (409, None),
}


def translate(error: Exception) -> ApiError | None:
    if isinstance(error, errors.DomainError):
        status, field = STATUS.get(error.code, (409, None))
        return ApiError(status, error.code, str(error), field)
    if isinstance(error, IntegrityError):
        # Two writers raced on one aggregate; eventsourcing let one win.
        return ApiError(409, "conflict", "changed concurrently; try again")
    return None
