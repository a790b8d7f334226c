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


class UnknownToken(DomainError):
    code = "unknown_token"
