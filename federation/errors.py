"""Refusals of the consortium registry: each raises before anything is written."""


class RegistryError(ValueError):
    """A registry command was refused. ``code`` is stable; the message is for people."""

    code = "registry_error"


class UnknownCoop(RegistryError):
    """The consortium registry has no such co-op (e.g. an unknown parent)."""

    code = "unknown_coop"


class DuplicateCoop(RegistryError):
    """A co-op with this id or name is registered already."""

    code = "duplicate_coop"


class ReservedCoopId(RegistryError):
    """The co-op id is a word the consortium or the broker uses."""

    code = "reserved_coop_id"


class CoopSuspended(RegistryError):
    code = "coop_suspended"


class RegistryTransitionRefused(RegistryError):
    """The co-op is not in a state where this applies (e.g. suspended twice)."""

    code = "invalid_transition"
