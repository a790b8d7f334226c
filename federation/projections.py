"""The projections the consortium keeps, in the order envelopes are applied to them."""

from federation.care import CareProjection
from federation.governance import GovernanceProjection
from federation.membership import MembershipProjection
from federation.projection import Projection
from federation.timebank import TimebankProjection
from federation.trends import ClassTrendProjection
from federation.workforce import WorkforceProjection

PROJECTIONS: tuple[Projection, ...] = (
    MembershipProjection(),
    GovernanceProjection(),
    ClassTrendProjection(),
    CareProjection(),
    WorkforceProjection(),
    TimebankProjection(),
)
