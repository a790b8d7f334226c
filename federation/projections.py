"""The projections the consortium keeps, in the order envelopes are applied to them."""

from federation.governance import GovernanceProjection
from federation.membership import MembershipProjection
from federation.projection import Projection
from federation.trends import ClassTrendProjection

PROJECTIONS: tuple[Projection, ...] = (
    MembershipProjection(),
    GovernanceProjection(),
    ClassTrendProjection(),
)
