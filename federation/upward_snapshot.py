"""What a consortium sends upward to its federation: its published report, cut
down to the figures a federation sums and the lineage its growth tree shows.

Built from the *published* twin of the report (``federation.suppression``), never
from the exact figures, so a person count below 5 leaves as ``"<5"`` exactly as
the consortium's own pages print it.
"""

import datetime as dt
from typing import Any

import msgspec

from federation.report import ConsortiumReport
from federation.suppression import publish
from schemas.consortium import ConsortiumReportPublished, CoopLineage


def upward_snapshot(
    report: ConsortiumReport, as_of: dt.date
) -> ConsortiumReportPublished:
    """The snapshot of ``report`` (built over every co-op) as of ``as_of``.

    Raises msgspec.ValidationError when a figure does not fit the wire contract,
    so a bad snapshot is refused here rather than dead-lettered upstairs."""
    shown: Any = publish(report)
    membership, care, timebank = shown.membership, shown.care, shown.timebank
    fields = {
        "as_of": as_of,
        "coop_count": membership.coop_count or len(membership.coops),
        "members": membership.members,
        "members_by_class": dict(membership.members_by_class),
        "share_capital_by_profile": dict(membership.share_capital_by_profile),
        "care_minutes": care.minutes,
        "care_minutes_by_service": dict(care.minutes_by_service),
        "visits_delivered": care.delivered,
        "visits_missed": care.missed,
        "volunteer_minutes": care.volunteer_minutes,
        "active_volunteers": care.active_volunteers,
        "ballots": shown.governance.ballots,
        "quorate": shown.governance.quorate,
        "timebank_accounts": timebank.accounts,
        "timebank_earned": timebank.earned,
        "timebank_spent": timebank.spent,
        "workforce_headcount": shown.workforce.headcount,
        "workforce_leavers_12m": shown.workforce.leavers_12m,
        "coops": [
            CoopLineage(
                coop_id=coop.coop_id,
                name=coop.name,
                parent=coop.parent,
                founded_on=coop.founded_on,
                members=coop.members,
                runners_sent=coop.runners_sent,
            )
            for coop in shown.growth.coops
        ],
    }
    # Through the type's own validation: the constraints (a published count is at
    # least 5 or "<5") are checked as the federation will check them.
    return msgspec.convert(
        msgspec.to_builtins(fields), ConsortiumReportPublished, strict=False
    )
