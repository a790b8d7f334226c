"""The co-op node's application: every area's commands over one event store."""

from node.auth import AuthCommands
from node.governance import GOVERNANCE_SHARING, GovernanceCommands
from node.membership import MEMBERSHIP_SHARING, MembershipCommands
from node.sharing import Rule
from node.spinoff import SpinOffCommands

# Every event type that may leave the node, and how (see node.sharing).
ALLOWLIST: dict[str, Rule] = {**MEMBERSHIP_SHARING, **GOVERNANCE_SHARING}


class CoopNode(AuthCommands, SpinOffCommands, GovernanceCommands, MembershipCommands):
    """One co-op's event-sourced application. SQLite by default, PostgreSQL by env.

    Each base class adds one area's commands (see node.coop.CoopBase).
    """

    name = "CoopNode"
