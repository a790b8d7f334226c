"""The dashboard in the published report's order: one section per part of the
report (membership, governance, growth, care, workforce, time bank, circles),
each with its headline totals and its figures, and the co-ops side by side on
the key measures.
Only the published view goes in (a count of people below 5 reads "<5"); ids are
shown by their human names (federation.labels), each figure in one unit."""

from collections.abc import Callable
from typing import Any, NamedTuple

from federation.http.figures import Figure, suppression_note
from federation.http.hours_section import hours_section_parts
from federation.labels import (
    currency,
    hours,
    label,
    money,
    money_by_currency,
    percent,
)
from federation.suppression import MIN_CELL
from toolkit.web.i18n import N_


class Section(NamedTuple):
    key: str  # the published report's top-level key this section shows
    heading: str
    totals: list[tuple[str, object]]
    figures: list[Figure]


def _change(change: float | None) -> str:
    return "" if change is None else f"{change:+.2f}"


def sections(view: Any, figs: list[Figure]) -> list[Section]:
    """``view`` is the published report (``publish(report)``), ``figs`` the
    dashboard's charted figures (federation.http.figures), placed by name."""
    by_name = {f.name: f for f in figs}
    names = {c.coop_id: c.name for c in view.membership.coops}
    symbols = {c.coop_id: currency(c.profile) for c in view.membership.coops}

    def coop(coop_id: str) -> str:
        return str(names.get(coop_id, coop_id))

    membership = view.membership
    capital_by_profile = membership.share_capital_by_profile
    governance = view.governance
    care = view.care
    workforce = view.workforce
    timebank = view.timebank
    return [
        Section(
            "membership",
            "Membership",
            [
                ("Co-ops", membership.coop_count),
                ("Members", membership.members),
                (
                    "Share capital",
                    money_by_currency(
                        (currency(profile), amount)
                        for profile, amount in capital_by_profile.items()
                    ),
                ),
                *(
                    (label(c), n)
                    for c, n in sorted(membership.members_by_class.items())
                ),
            ],
            [
                by_name["members-by-class"],
                by_name["members-by-class-over-time"],
                by_name["coops"],
                Figure(
                    "joiners-and-leavers",
                    "Joiners and leavers by month, all co-ops",
                    ["month", "joiners", "leavers"],
                    [[m.month, m.joiners, m.leavers] for m in membership.months],
                    None,
                    suppression_note(
                        [c for m in membership.months for c in (m.joiners, m.leavers)],
                        ".",
                    ),
                ),
            ],
        ),
        Section(
            "governance",
            "Governance",
            [
                ("Ballots closed", governance.ballots),
                ("Ballots reaching quorum", governance.quorate),
                ("Share reaching quorum", percent(governance.quorate_share)),
                (
                    "Co-ops whose board breaks their rules",
                    ", ".join(coop(c) for c in governance.out_of_compliance) or "none",
                ),
            ],
            [
                by_name["turnout-by-class"],
                Figure(
                    "governance-by-coop",
                    "Ballots and board compliance by co-op",
                    ["coop", "ballots", "quorate", "board_compliance"],
                    [
                        [
                            coop(g.coop_id),
                            g.ballots,
                            g.quorate,
                            "Breaks: " + "; ".join(g.breaches)
                            if g.breaches
                            else "Complies",
                        ]
                        for g in governance.coops
                    ],
                    None,
                ),
            ],
        ),
        Section(
            "growth",
            "Growth",
            [
                (
                    "Co-ops over a year old with no spin-off yet",
                    ", ".join(coop(c) for c in view.growth.no_runner_yet) or "none",
                )
            ],
            [by_name["growth-tree"]],
        ),
        Section(
            "care",
            "Care",
            [
                ("Visits delivered", care.delivered),
                ("Visits missed", care.missed),
                ("Missed-visit rate", percent(care.missed_rate)),
                ("Care hours", hours(care.minutes)),
                ("Volunteer hours", hours(care.volunteer_minutes)),
                ("Active volunteers", care.active_volunteers),
            ],
            [
                by_name["care-hours-by-month"],
                Figure(
                    "care-by-coop",
                    "Visits, outcomes, volunteers and safeguarding by co-op",
                    [
                        "coop",
                        "visits_delivered",
                        "visits_missed",
                        "missed_rate",
                        "plans_reviewed",
                        "performance_change",
                        "satisfaction_change",
                        "active_volunteers",
                        "volunteer_hours",
                        "safeguarding_open",
                        "safeguarding_raised",
                    ],
                    [
                        [
                            coop(c.coop_id),
                            c.delivered,
                            c.missed,
                            percent(c.missed_rate),
                            c.outcomes.plans_reviewed,
                            _change(c.outcomes.performance_change),
                            _change(c.outcomes.satisfaction_change),
                            c.active_volunteers,
                            hours(c.volunteer_minutes),
                            c.safeguarding_open,
                            c.safeguarding_raised,
                        ]
                        for c in care.coops
                    ],
                    None,
                    suppression_note(
                        [
                            x
                            for c in care.coops
                            for x in (c.outcomes.plans_reviewed, c.active_volunteers)
                        ],
                        "; outcome changes are withheld where plans reviewed is.",
                    ),
                ),
            ],
        ),
        quality_section(view.care_quality, coop),
        funding_section(view.funding, coop),
        Section(
            "workforce",
            "Workforce",
            [
                ("Workers", workforce.headcount),
                ("Staff turnover, annualised", percent(workforce.turnover_annualised)),
            ],
            [
                Figure(
                    "workforce-by-coop",
                    "Workforce by co-op (turnover over the last 12 months)",
                    [
                        "coop",
                        "workers",
                        "leavers_12m",
                        "turnover",
                        "disadvantaged_share",
                        "type_b_target",
                    ],
                    [
                        [
                            coop(w.coop_id),
                            w.headcount,
                            w.leavers_12m,
                            percent(w.turnover_annualised),
                            percent(w.disadvantaged_share),
                            {True: "Met", False: "Not met", None: "—"}[
                                w.meets_type_b_target
                            ],
                        ]
                        for w in workforce.coops
                    ],
                    None,
                    suppression_note(
                        [x for w in workforce.coops for x in (w.headcount,)],
                        "; shares are withheld where their count is.",
                    ),
                ),
            ],
        ),
        Section(
            "timebank",
            "Time bank and expenses",
            [
                ("Time-bank accounts", timebank.accounts),
                ("Hours earned", hours(timebank.earned)),
                ("Hours spent", hours(timebank.spent)),
                ("Expense claims due", timebank.expenses.outstanding_count),
            ],
            [
                Figure(
                    "timebank-by-coop",
                    "Time bank and volunteer expenses by co-op",
                    [
                        "coop",
                        "accounts",
                        "hours_earned",
                        "hours_spent",
                        "claims_due",
                        "amount_due",
                        "oldest_claim_days",
                    ],
                    [
                        [
                            coop(t.coop_id),
                            t.accounts,
                            hours(t.earned),
                            hours(t.spent),
                            t.expenses.outstanding_count,
                            money(
                                t.expenses.outstanding_amount,
                                symbols.get(t.coop_id, ""),
                            ),
                            t.expenses.oldest_outstanding_days,
                        ]
                        for t in timebank.coops
                    ],
                    None,
                    suppression_note([t.accounts for t in timebank.coops], "."),
                ),
            ],
        ),
        circles_section(view.circles, coop),
        Section(
            "hours_between_coops",
            N_("Hours between co-ops"),
            *hours_section_parts(view.hours_between_coops, coop),
        ),
    ]


def circles_section(circles: Any, coop: Callable[[str], str]) -> Section:
    """Neighbourhood circles in each co-op's latest summarised month: how many,
    how many members in them, their meetings and settled exchanges."""
    latest = circles.months[-1] if circles.months else None
    rows: list[list[object]] = []
    for c in circles.coops:
        month = c.months[-1] if c.months else None
        if month is not None:
            rows.append(
                [
                    coop(c.coop_id),
                    month.month,
                    month.circles,
                    month.members,
                    month.mean_members,
                    month.meetings,
                    month.exchanges_settled,
                ]
            )
    return Section(
        "circles",
        "Neighbourhood circles",
        [
            ("Month", latest.month if latest else None),
            ("Circles", latest.circles if latest else 0),
            ("Members in circles", latest.members if latest else 0),
            ("Meetings held", latest.meetings if latest else 0),
            ("Circle exchanges settled", latest.exchanges_settled if latest else 0),
        ],
        [
            Figure(
                "circles-by-coop",
                "Neighbourhood circles by co-op, latest month",
                [
                    "coop",
                    "month",
                    "circles",
                    "circle_members",
                    "members_per_circle",
                    "meetings",
                    "exchanges_settled",
                ],
                rows,
                None,
                suppression_note(
                    [x for r in rows for x in (r[3], r[4])],
                    "; members per circle is withheld where members is.",
                ),
            )
        ],
    )


def quality_section(quality: Any, coop: Callable[[str], str]) -> Section:
    """Why plans ended (residential care, or not), continuity in each co-op's
    latest summarised month, and the share of carers who are compliant."""
    latest = quality.continuity[-1] if quality.continuity else None
    rows = []
    for q in quality.coops:
        month = q.continuity[-1] if q.continuity else None
        rows.append(
            [
                coop(q.coop_id),
                q.closures.closed,
                q.closures.residential_care,
                percent(q.closures.stayed_home_share),
                month.month if month else None,
                month.mean_carers if month else None,
                percent(month.seen_by_few_share) if month else None,
                percent(q.compliance.compliance_rate),
            ]
        )
    people = [
        x
        for q in quality.coops
        for x in (q.closures.closed, q.closures.residential_care, q.compliance.carers)
    ]
    return Section(
        "care_quality",
        "Staying at home, continuity and compliance",
        [
            ("Care plans ended", quality.closures.closed),
            ("Ended in residential care", quality.closures.residential_care),
            ("Helped to stay at home", percent(quality.closures.stayed_home_share)),
            (
                "Different carers per person, latest month",
                latest.mean_carers if latest else None,
            ),
            ("Compliant carers", percent(quality.compliance.compliance_rate)),
            (
                "Days to acknowledge a safeguarding concern, on average",
                quality.safeguarding.mean_days,
            ),
        ],
        [
            Figure(
                "care-quality-by-coop",
                "Plans ended, continuity and compliance by co-op",
                [
                    "coop",
                    "plans_ended",
                    "residential_care",
                    "stayed_home_share",
                    "month",
                    "mean_carers",
                    "seen_by_few_share",
                    "compliance_rate",
                ],
                rows,
                None,
                suppression_note(people, "; shares are withheld where their count is."),
            )
        ],
    )


def funding_section(funding: Any, coop: Callable[[str], str]) -> Section:
    """Who pays: people and hours a week commissioned by each kind of funder."""
    rows = [
        [coop(c.coop_id), label(x.funder), x.people, hours(x.weekly_minutes)]
        for c in funding.coops
        for x in c.funders
    ]
    return Section(
        "funding",
        "Who pays for care",
        [
            ("People with care arranged", funding.people),
            ("Hours a week commissioned", hours(funding.weekly_minutes)),
            *((label(x.funder), hours(x.weekly_minutes)) for x in funding.funders),
        ],
        [
            Figure(
                "funding-by-coop",
                f"Care arranged on {funding.as_of:%d %B %Y}, by co-op and funder",
                ["coop", "funder", "people", "weekly_hours"],
                rows,
                None,
                suppression_note([r[2] for r in rows], "."),
            )
        ],
    )


def key_measures(report: Any, view: Any) -> Figure:
    """The co-ops side by side on the measures an analyst compares first. A
    co-op's turnout (all classes, all closed ballots) comes from the exact
    ``report`` and is withheld when either of its sums is below 5."""
    turnout: dict[str, str] = {}
    for g in report.governance.coops:
        electorate = sum(t.electorate for t in g.turnout_by_class.values())
        voted = sum(t.voted for t in g.turnout_by_class.values())
        shown = min(electorate, voted) >= MIN_CELL
        turnout[g.coop_id] = percent(voted / electorate) if shown else ""
    care = {c.coop_id: c for c in view.care.coops}
    staff = {w.coop_id: w for w in view.workforce.coops}
    bank = {t.coop_id: t for t in view.timebank.coops}
    rows: list[list[object]] = []
    for c in view.membership.coops:
        k, w, t = care.get(c.coop_id), staff.get(c.coop_id), bank.get(c.coop_id)
        rows.append(
            [
                c.name,
                percent(k.missed_rate) if k else "",
                _change(k.outcomes.performance_change) if k else "",
                percent(w.turnover_annualised) if w else "",
                turnout.get(c.coop_id, ""),
                hours(t.earned) if t else "",
                t.expenses.outstanding_count if t else "",
                money(t.expenses.outstanding_amount, currency(c.profile)) if t else "",
            ]
        )
    return Figure(
        "key-measures",
        "Co-ops side by side on the key measures",
        [
            "coop",
            "missed_rate",
            "performance_change",
            "turnover",
            "turnout",
            "timebank_hours",
            "claims_due",
            "amount_due",
        ],
        rows,
        None,
        "Empty: not yet reported, or withheld because it rests on fewer than "
        f"{MIN_CELL} people.",
    )
