"""The board's social report of a year, as a draft it edits and then adopts.

A report is drafted for a calendar year that has begun, once; its narrative
sections are written by board members, each edit an event saying who and when
(the last edit of a section is its text); the board adopts it once, and the
figures are frozen in the adoption as they were that day (node.social_report
computes them): a record entered later changes the draft's figures, never an
adopted report's. An adopted report is never edited again.

None of these events leaves the node (no sharing rule names them).
"""

import datetime as dt
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.errors import (
    SocialReportAdopted,
    SocialReportRefused,
    UnknownSocialReport,
)
from toolkit.aggregates import get, ids_with

# The narrative the board writes beside the figures, in the report's order.
SECTIONS = (
    "introduction",
    "membership",
    "services",
    "workforce",
    "volunteering",
    "growth",
    "outlook",
)
MAX_NARRATIVE = 20_000


def social_report_id(coop_id: str, year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"commonweal:social-report:{coop_id}:{year}")


class SocialReport(Aggregate):
    TOPIC = "commonweal.social_report"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.social_report.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.social_report.created"

    class Drafted(Created):
        TOPIC = "commonweal.social_report.drafted"
        coop_id: str
        year: int
        drafted_by: str  # a member id, or "admin"
        drafted_on: dt.date

    class NarrativeEdited(Event):
        TOPIC = "commonweal.social_report.narrative_edited"
        section: str
        text: str
        edited_by: str
        edited_on: dt.date

    class Adopted(Event):
        TOPIC = "commonweal.social_report.adopted"
        # node.social_report.SocialReportFigures, as JSON builtins.
        figures: dict[str, Any]
        adopted_by: str
        adopted_on: dt.date

    @staticmethod
    def create_id(coop_id: str, year: int, **_: object) -> UUID:
        return social_report_id(coop_id, year)

    @event(Drafted)
    def __init__(
        self, coop_id: str, year: int, drafted_by: str, drafted_on: dt.date
    ) -> None:
        self.year = year
        self.drafted_on = drafted_on
        self.narrative: dict[str, str] = {}
        # (section, who, day) of every edit, oldest first.
        self.edits: list[tuple[str, str, dt.date]] = []
        self.figures: dict[str, Any] | None = None
        self.adopted_by: str | None = None
        self.adopted_on: dt.date | None = None

    @property
    def is_adopted(self) -> bool:
        return self.adopted_on is not None

    def edit(self, section: str, text: str, edited_by: str, edited_on: dt.date) -> None:
        self._require_draft("edited")
        if section not in SECTIONS:
            raise SocialReportRefused(
                f"{section!r} is not a section; sections are: {', '.join(SECTIONS)}"
            )
        if len(text) > MAX_NARRATIVE:
            raise SocialReportRefused(
                f"a section holds {MAX_NARRATIVE} characters at most"
            )
        self._edited(section, text, edited_by, edited_on)

    @event(NarrativeEdited)
    def _edited(
        self, section: str, text: str, edited_by: str, edited_on: dt.date
    ) -> None:
        self.narrative[section] = text
        self.edits.append((section, edited_by, edited_on))

    def adopt(
        self, figures: dict[str, Any], adopted_by: str, adopted_on: dt.date
    ) -> None:
        self._require_draft("adopted again")
        self._adopted(figures, adopted_by, adopted_on)

    @event(Adopted)
    def _adopted(
        self, figures: dict[str, Any], adopted_by: str, adopted_on: dt.date
    ) -> None:
        self.figures = figures
        self.adopted_by = adopted_by
        self.adopted_on = adopted_on

    def _require_draft(self, action: str) -> None:
        if self.adopted_on is not None:
            raise SocialReportAdopted(
                f"the {self.year} social report was adopted on {self.adopted_on}: "
                f"it cannot be {action}"
            )


class SocialReportCommands(CoopBase):
    """The board's commands (the HTTP layer checks the role)."""

    def draft_social_report(
        self, year: int, drafted_by: str, drafted_on: dt.date | None = None
    ) -> UUID:
        # Not refused for years before the co-op's founding: its records may
        # go back further (a history moved in from before the node).
        day = drafted_on or dt.date.today()
        self.coop()  # only a founded co-op reports
        if year > day.year:
            raise SocialReportRefused(f"the year {year} has not begun")
        if get(self, social_report_id(self.coop_id, year), SocialReport) is not None:
            raise SocialReportRefused(f"the {year} social report is drafted already")
        report = SocialReport(
            coop_id=self.coop_id, year=year, drafted_by=drafted_by, drafted_on=day
        )
        self.save(report)
        return report.id

    def social_report(self, year: int) -> SocialReport:
        found = get(self, social_report_id(self.coop_id, year), SocialReport)
        if found is None:
            raise UnknownSocialReport(f"no social report is drafted for {year}")
        return found

    def social_report_at(self, report_id: UUID) -> SocialReport | None:
        return get(self, report_id, SocialReport)

    def social_reports(self) -> list[SocialReport]:
        """Every report drafted, the latest year first."""
        reports = [
            self.social_report_at(i) for i in ids_with(self, SocialReport.Drafted.TOPIC)
        ]
        return sorted(
            (r for r in reports if r is not None),
            key=lambda r: r.year,
            reverse=True,
        )

    def edit_social_report(
        self,
        year: int,
        section: str,
        text: str,
        edited_by: str,
        edited_on: dt.date | None = None,
    ) -> None:
        report = self.social_report(year)
        # A form's lines end in CR LF; the report's paragraphs are split on LF.
        clean = text.replace("\r\n", "\n").strip()
        report.edit(section, clean, edited_by, edited_on or dt.date.today())
        self.save(report)

    def adopt_social_report(
        self,
        year: int,
        figures: dict[str, Any],
        adopted_by: str,
        adopted_on: dt.date | None = None,
    ) -> None:
        """Adopt the report with ``figures`` frozen in it: see
        node.social_report.adopt, which computes them."""
        report = self.social_report(year)
        report.adopt(figures, adopted_by, adopted_on or dt.date.today())
        self.save(report)
