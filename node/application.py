"""The co-op node's application: every area's commands over one event store."""

from node.access_audit import AccessAuditCommands
from node.care import CARE_PLAN_SHARING, CareCommands
from node.care_circle import CareCircleCommands
from node.care_months import CARE_MONTH_SHARING, CareMonthCommands
from node.circle_months import CIRCLE_MONTH_SHARING, CircleMonthCommands
from node.compliance_reminders import ComplianceReminderCommands
from node.corrections import CorrectionCommands
from node.erasure import ErasureCommands
from node.expenses import EXPENSE_SHARING, ExpenseCommands
from node.funding import FUNDING_SHARING, FundingCommands
from node.governance import GOVERNANCE_SHARING, GovernanceCommands
from node.hours_exchange import HOURS_SHARING, HoursExchangeCommands
from node.incidents import INCIDENT_SHARING, IncidentCommands
from node.leads import LeadCommands
from node.meetings import MEETING_SHARING
from node.membership import MEMBERSHIP_SHARING
from node.membership_commands import MembershipCommands
from node.motions import MotionCommands
from node.network_mirror import NetworkMirrorCommands
from node.nominations import NominationCommands
from node.postal_votes import PostalVoteCommands
from node.recurring_visits import RecurringVisitCommands
from node.reminders import ReminderCommands
from node.rota import RotaCommands
from node.sharing import Rule
from node.sign_in import SignInCommands
from node.social_report_draft import SocialReportCommands
from node.spinoff import SpinOffCommands
from node.subject_access import SubjectAccessCommands
from node.timebank import TIMEBANK_SHARING, TimebankCommands
from node.timebank_board import TimebankBoardCommands
from node.visit_notes import VisitNoteQueries
from node.visits import VISIT_SHARING, VisitCommands
from node.volunteer_hours import VolunteerHoursCommands
from node.workforce import WORKFORCE_SHARING, WorkforceCommands

# Every event type that may leave the node, and how (see node.sharing).
ALLOWLIST: dict[str, Rule] = {
    **MEMBERSHIP_SHARING,
    **GOVERNANCE_SHARING,
    **MEETING_SHARING,
    **CARE_PLAN_SHARING,
    **VISIT_SHARING,
    **CARE_MONTH_SHARING,
    **INCIDENT_SHARING,
    **WORKFORCE_SHARING,
    **TIMEBANK_SHARING,
    **EXPENSE_SHARING,
    **FUNDING_SHARING,
    **CIRCLE_MONTH_SHARING,
    **HOURS_SHARING,
}


class CoopNode(
    # Before the areas they build on (visits, workforce, the time bank).
    VolunteerHoursCommands,
    CircleMonthCommands,
    TimebankBoardCommands,
    FundingCommands,
    PostalVoteCommands,
    SignInCommands,
    SpinOffCommands,
    NominationCommands,
    MotionCommands,
    GovernanceCommands,
    ReminderCommands,
    LeadCommands,
    CareCircleCommands,
    ErasureCommands,
    CorrectionCommands,
    SubjectAccessCommands,
    MembershipCommands,
    VisitNoteQueries,
    CareCommands,
    RecurringVisitCommands,
    RotaCommands,
    CareMonthCommands,
    VisitCommands,
    IncidentCommands,
    ComplianceReminderCommands,
    WorkforceCommands,
    HoursExchangeCommands,
    TimebankCommands,
    ExpenseCommands,
    AccessAuditCommands,
    SocialReportCommands,
    NetworkMirrorCommands,
):
    """One co-op's event-sourced application. SQLite by default, PostgreSQL by env.

    Each base class adds one area's commands (see node.coop.CoopBase).
    """

    name = "CoopNode"
