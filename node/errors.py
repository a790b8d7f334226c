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


class UnknownSpinOff(DomainError):
    code = "unknown_spinoff"


class SpinOffNotReady(DomainError):
    """The spin-off is not in a state where this applies (not approved, no runners,
    a runner who has not consented, already provisioned)."""

    code = "spinoff_not_ready"


class RunnerNotMember(DomainError):
    code = "runner_not_member"


class UnknownCoop(DomainError):
    """The consortium registry has no such co-op (e.g. an unknown parent)."""

    code = "unknown_coop"


class DuplicateCoop(DomainError):
    """A co-op with this id or name is registered already."""

    code = "duplicate_coop"


class CoopSuspended(DomainError):
    code = "coop_suspended"


class UnknownToken(DomainError):
    code = "unknown_token"
