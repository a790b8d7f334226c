"""Small-count suppression in the published report: 4 people read "<5", 5 read 5;
figures derived from a suppressed count are withheld; exact figures stay inside."""

import datetime as dt
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import msgspec
import pytest

from federation.care import CareReport, CoopCare, Outcomes
from federation.care_quality import (
    Acknowledgement,
    CareQualityReport,
    Closures,
    Compliance,
    ContinuityMonth,
    CoopQuality,
)
from federation.circles import CircleMonth, CirclesReport, CoopCircles
from federation.funding import CoopFunding, Funder, FundingReport
from federation.governance import GovernanceReport
from federation.growth import GrowthReport
from federation.membership import CoopMembership, MembershipReport, MonthMovement
from federation.report import (
    ConsortiumReport,
    published_report,
    render_table,
    report_json,
)
from federation.suppression import (
    People,
    Withheld,
    publish,
    published,
    published_type,
    suppress,
)
from federation.timebank import Expenses, TimebankReport
from federation.workforce import (
    CoopWorkforce,
    WorkforceDay,
    WorkforceReport,
    coop_workforce,
)

DAY = dt.date(2026, 3, 31)


def report(people: int) -> ConsortiumReport:
    """A report in which every count of people is ``people``."""
    outcomes = Outcomes(people, people, 1.5, 0.75)
    closures = Closures(people, people, 0.5, [])
    continuity = ContinuityMonth("2026-03", people, 1.8, people, 0.9)
    compliance = Compliance("2026-03", people, people, 0.75)
    funder = Funder("direct_payment", people, 600)
    waited = Acknowledgement(3, 1.5)
    coop = CoopMembership("alpha", "Alpha", "uk", {"worker": people}, people, 100)
    no_expenses = Expenses(0, 0, 0, 0, 0, None, None)
    circle_month = CircleMonth("2026-03", 2, people, people / 2, people, 3, 1)
    return ConsortiumReport(
        generated_at=dt.datetime(2026, 4, 1),
        membership=MembershipReport(
            [coop], {"worker": people}, people, 100,
            [MonthMovement("2026-03", people, people)],
        ),
        governance=GovernanceReport([], 0, 0, None, []),
        growth=GrowthReport([], []),
        dead_letters=0,
        care=CareReport(
            [CoopCare("alpha", 10, 1, 0, 0.0909, 600, 120, people, outcomes, 0, 0,
                      0, 0, [], [])],
            10, 1, 0.0909, 600, {"cleaning": 600}, 120, people, outcomes,
        ),
        funding=FundingReport(
            DAY, [CoopFunding("alpha", people, 600, [funder])], people, 600, [funder]
        ),
        care_quality=CareQualityReport(
            [CoopQuality("alpha", closures, [continuity], compliance, waited)],
            closures, [continuity], compliance, waited,
        ),
        workforce=WorkforceReport(
            DAY, [CoopWorkforce("alpha", True, 12, people, 0.4, True, people, people,
                                0.25)], 12, 0.25,
        ),
        timebank=TimebankReport(DAY, [], people, people, 60, 60, no_expenses),
        circles=CirclesReport([CoopCircles("alpha", [circle_month])], [circle_month]),
    )  # fmt: skip


@pytest.mark.parametrize(("people", "shown"), [(0, "<5"), (4, "<5"), (5, 5), (6, 6)])
def test_person_counts_are_suppressed_below_five(people: int, shown: object) -> None:
    assert suppress(people) == shown
    exact = report(people)
    view = published_report(exact)
    membership = view["membership"]
    assert membership["members"] == shown
    assert membership["coops"][0]["members"] == shown
    assert membership["coops"][0]["members_by_class"] == {"worker": shown}
    assert membership["months"][0]["joiners"] == shown
    care = view["care"]
    assert care["active_volunteers"] == shown
    assert care["coops"][0]["active_volunteers"] == shown
    assert care["outcomes"]["plans_reviewed"] == shown
    assert view["workforce"]["coops"][0]["disadvantaged"] == shown
    assert view["workforce"]["coops"][0]["leavers_12m"] == shown
    assert view["timebank"]["accounts"] == shown
    # Derived from a count of people: withheld when the count is suppressed.
    withheld = shown == "<5"
    assert (care["outcomes"]["performance_change"] is None) == withheld
    assert (view["workforce"]["coops"][0]["disadvantaged_share"] is None) == withheld
    quality = view["care_quality"]["coops"][0]
    assert quality["closures"]["closed"] == shown
    assert view["funding"]["coops"][0]["funders"][0]["people"] == shown
    circles = view["circles"]["coops"][0]["months"][0]
    assert (circles["members"], circles["largest"]) == (shown, shown)
    assert (circles["mean_members"] is None) == withheld
    assert (circles["circles"], circles["meetings"]) == (2, 3)  # not people
    assert (quality["closures"]["stayed_home_share"] is None) == withheld
    assert (quality["continuity"][0]["mean_carers"] is None) == withheld
    assert (quality["compliance"]["compliance_rate"] is None) == withheld
    # Not counts of people: published as they are.
    assert care["delivered"] == 10
    assert care["minutes_by_service"] == {"cleaning": 600}
    assert view["workforce"]["coops"][0]["headcount"] == 12
    # The JSON and the table publish the suppressed view; the struct keeps exact.
    assert msgspec.json.decode(report_json(exact)) == view
    assert exact.membership.members == people
    assert exact.care.outcomes.performance_change == 1.5
    if withheld:
        assert "<5" in render_table(exact)
    # The typed twin is the same view, of the type the API documents: there a
    # count of people is an integer of at least 5 or "<5", so the exact figures
    # do not fit it unless no count is small.
    twin_type = published_type(ConsortiumReport)
    twin = publish(exact)
    assert type(twin) is twin_type and twin_type.__name__ == "ConsortiumReport"
    assert msgspec.to_builtins(twin) == view
    assert msgspec.convert(view, twin_type) == twin
    if withheld:
        with pytest.raises(msgspec.ValidationError, match="Expected `int` >= 5"):
            msgspec.convert(msgspec.to_builtins(exact), twin_type)
    # Parts with no count of people in them are shared, not copied.
    assert twin.care.coops[0].services is exact.care.coops[0].services
    assert published_type(Expenses) is Expenses


def test_published_leaves_structs_without_people_alone() -> None:
    class Plain(msgspec.Struct):
        count: int
        rate: float | None

    assert published(Plain(3, None)) == {"count": 3, "rate": None}
    assert published_type(Plain) is Plain
    assert publish(Plain(3, None)) == Plain(3, None)


def test_the_twin_follows_the_marks_through_containers_unions_and_any() -> None:
    class Inner(msgspec.Struct):
        n: People

    class Holder(msgspec.Struct):
        pair: tuple[str, People]
        many: tuple[People, ...]
        rows: list[Inner]
        loose: dict[str, Any]  # a count of people is found by its struct
        maybe: People | None = None

    exact = Holder(("x", 2), (1, 9), [Inner(4), Inner(5)], {"a": Inner(3)}, 2)
    twin = publish(exact)
    answer = msgspec.json.encode(twin)
    assert msgspec.json.decode(answer) == {
        "pair": ["x", "<5"],
        "many": ["<5", 9],
        "rows": [{"n": "<5"}, {"n": 5}],
        "loose": {"a": {"n": "<5"}},
        "maybe": "<5",
    }
    # The answer is of the twin's type (under Any, a struct reads back as a dict).
    again = msgspec.json.decode(answer, type=published_type(Holder))
    assert again.rows == twin.rows and msgspec.json.encode(again) == answer
    assert publish(Holder(("x", 9), (), [], {}, None)).maybe is None


# Figures of the published report that are fractions or means but not of people:
# each with why it reveals no small count.
NOT_FROM_PEOPLE = {
    "GovernanceReport.quorate_share": "a share of co-ops' ballots, not of people",
    "CoopCare.missed_rate": "visits missed over visits, not people",
    "CareReport.missed_rate": "visits missed over visits, not people",
    "Expenses.mean_outstanding_days": "days over claims; claims counted as claims",
    "Acknowledgement.mean_days": "days over concerns; concerns counted as concerns",
}


def derived_figures(hint: Any, seen: set[type]) -> list[tuple[str, bool]]:
    """Every float field reachable from ``hint``: (Struct.field, is it Withheld)."""
    found: list[tuple[str, bool]] = []
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        if hint in seen:
            return []
        seen.add(hint)
        for name, field in get_type_hints(hint, include_extras=True).items():
            marks = get_args(field)[1:] if get_origin(field) is Annotated else ()
            inner = get_args(field)[0] if marks else field
            if float in (get_args(inner) or (inner,)):
                withheld = any(isinstance(m, Withheld) for m in marks)
                found.append((f"{hint.__name__}.{name}", withheld))
            else:
                found += derived_figures(inner, seen)
        return found
    for arg in get_args(hint):
        if arg is not ...:
            found += derived_figures(arg, seen)
    return found


def test_every_derived_figure_is_withheld_with_its_counts_or_not_of_people() -> None:
    figures = derived_figures(ConsortiumReport, set())
    assert figures, "the walk found no figure"
    unmarked = [name for name, withheld in figures if not withheld]
    assert sorted(unmarked) == sorted(NOT_FROM_PEOPLE)


@pytest.mark.parametrize(("leavers", "headcount"), [(2, 12), (6, 4), (6, 12)])
def test_turnover_is_withheld_when_leavers_or_headcount_are_few(
    leavers: int, headcount: int
) -> None:
    days = [
        WorkforceDay(dt.date(2025, 1, 1), headcount + leavers, 0, 0, 0),
        WorkforceDay(dt.date(2025, 6, 1), 0, 0, leavers, 0),
    ]
    coop = coop_workforce("alpha", False, days, dt.date(2025, 12, 31))
    assert coop.turnover_annualised is not None  # known inside
    shown = published(coop)["turnover_annualised"]
    few = leavers < 5 or headcount < 5
    assert (shown is None) == few
