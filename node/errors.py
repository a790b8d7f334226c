"""Domain errors: a refused command raises one and writes nothing."""


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


class UnknownReason(DomainError):
    code = "unknown_reason"


class UnknownIncident(DomainError):
    code = "unknown_incident"


class UnknownAccount(DomainError):
    code = "unknown_account"


class BalanceLimitExceeded(DomainError):
    code = "balance_limit_exceeded"


class UnknownExpenseClaim(DomainError):
    code = "unknown_expense_claim"


class ExpenseNotApproved(DomainError):
    code = "expense_not_approved"


class UnknownWorker(DomainError):
    code = "unknown_worker"
