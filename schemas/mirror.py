"""The network's mirror: what the consortium tells one co-op about how it compares
with the network, signed with the consortium's statement key and published on a
subject only that co-op may read.

It names no other co-op and carries no other co-op's figure tied to anyone: only
the co-op's own figures, the network's quartiles and where the co-op stands among
them. A comparison of fewer than ``MIN_COOPS`` co-ops is withheld, with no count,
since a quartile of three co-ops is nearly one co-op's figure.
"""

import datetime as dt
from typing import Annotated, Literal, get_args

import msgspec

from schemas.envelope import COOP_ID_PATTERN

MIRROR_SCHEMA = "network.mirror/1"
# The fewest co-ops with a figure for the network's quartiles of it to be shown.
MIN_COOPS = 5

Metric = Literal[
    "missed_visit_rate",  # share of visits missed, the 12 months to the period
    "outcome_change",  # mean change of goal performance per reviewed care plan
    "continuity",  # share of people seen by at most two carers, latest month
    "turnover",  # staff leavers over mean headcount, annualised
    "turnout",  # share of electors who voted, every closed ballot
    "volunteer_hours",  # volunteers' hours on visits, the 12 months to the period
    "timebank_activity",  # share of time-bank accounts that are active
]
METRICS: tuple[str, ...] = get_args(Metric)
# Why a comparison is withheld: "" it is not.
WithheldReason = Literal["", "few_coops"]
Period = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class Comparison(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One figure of the co-op against the network's."""

    metric: Metric
    # The co-op's own figure; None when it has none (no visits, no ballots ...).
    own: float | None = None
    # The network's quartiles over every co-op with the figure, this one too.
    p25: float | None = None
    p50: float | None = None
    p75: float | None = None
    # Percent of those co-ops below this one's figure (ties count half).
    rank: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None
    # How many co-ops the quartiles are over; None when withheld.
    coops: Annotated[int, msgspec.Meta(ge=MIN_COOPS)] | None = None
    withheld: WithheldReason = ""


class NetworkMirror(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag=MIRROR_SCHEMA
):
    """One co-op's comparison with the network for one month."""

    coop_id: Annotated[str, msgspec.Meta(pattern=COOP_ID_PATTERN)]
    period: Period  # "YYYY-MM": the month the figures stand at
    issued_at: dt.datetime
    comparisons: list[Comparison]


def mirror_subject(coop_id: str, period: str) -> str:
    """Where a co-op's mirror of one month is published: one subject per month,
    so the latest of each month stays readable by the co-op alone."""
    return f"cw.mirror.{coop_id}.{period}"
