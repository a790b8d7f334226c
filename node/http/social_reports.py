"""The social report API (the board and the admin): draft a year's report, read
it with its figures, write its narrative section by section, adopt it, and
have it as a PDF in the co-op's language.

A draft's figures are computed when read; an adopted report's are those frozen
at adoption. An adopted report refuses every edit (409). Nobody else reads a
report before the board publishes it: a member or a coordinator gets 403.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD
from node.config import NodeConfig
from node.errors import UnknownSocialReport
from node.http.context import NODE, run, write
from node.http.guard import require
from node.http.meetings import actor
from node.labels import LABELS
from node.social_report import (
    SocialReportFigures,
    adopt,
    frozen_or_current,
    network_comparison,
)
from node.social_report_draft import MAX_NARRATIVE, SocialReport
from node.social_report_pdf import social_report_pdf
from node.social_report_tables import network_section, report_sections
from toolkit.web.formats import day_text
from toolkit.web.i18n import N_, translations
from toolkit.web.routes import Api

api = Api()
YEAR = {"year": str}
Year = Annotated[int, msgspec.Meta(ge=1900, le=9999)]
SectionName = Literal[
    "introduction",
    "membership",
    "services",
    "workforce",
    "volunteering",
    "growth",
    "outlook",
]


class NewSocialReport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    year: Year


class NarrativeEdit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The whole text of one section (an empty text clears it)."""

    section: SectionName
    text: Annotated[str, msgspec.Meta(max_length=MAX_NARRATIVE)]


class SocialReportSummary(msgspec.Struct, frozen=True):
    year: int
    status: Literal["draft", "adopted"]
    drafted_on: dt.date
    adopted_on: dt.date | None


class SocialReportView(msgspec.Struct, frozen=True):
    year: int
    status: Literal["draft", "adopted"]
    drafted_on: dt.date
    adopted_on: dt.date | None
    # The last day any section was edited, and how many edits so far.
    last_edited_on: dt.date | None
    edits: int
    narrative: dict[str, str]
    figures: SocialReportFigures


def summary(report: SocialReport) -> SocialReportSummary:
    return SocialReportSummary(
        report.year,
        "adopted" if report.is_adopted else "draft",
        report.drafted_on,
        report.adopted_on,
    )


def report_view(app: CoopNode, year: int) -> SocialReportView:
    report = app.social_report(year)
    return SocialReportView(
        year=report.year,
        status="adopted" if report.is_adopted else "draft",
        drafted_on=report.drafted_on,
        adopted_on=report.adopted_on,
        last_edited_on=max((day for _, _, day in report.edits), default=None),
        edits=len(report.edits),
        narrative=dict(report.narrative),
        figures=frozen_or_current(app, report),
    )


def path_year(request: web.Request) -> int:
    """The year in the address: one that is no year has no report (404)."""
    text = request.match_info["year"]
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise UnknownSocialReport(f"no social report for {text!r}")
    return int(text)


def report_language(config: NodeConfig) -> tuple[str, str]:
    """The report is the co-op's: in its language (and locale), whoever reads."""
    language = config.locale.language
    return language, config.locale.locale(language)


TITLE = N_("Social report %(year)s")
DRAFT_STATUS = N_("Draft: not yet adopted by the board.")
ADOPTED_STATUS = N_("Adopted by the board on %(day)s.")


def report_pdf(app: CoopNode, config: NodeConfig, year: int) -> bytes:
    view = report_view(app, year)
    language, locale = report_language(config)
    catalog = translations(language)
    if view.adopted_on is not None:
        status = catalog.gettext(ADOPTED_STATUS) % {
            "day": day_text(view.adopted_on, locale)
        }
    else:
        status = catalog.gettext(DRAFT_STATUS)
    return social_report_pdf(
        coop_name=config.name,
        title=catalog.gettext(TITLE) % {"year": year},
        status=status,
        sections=report_sections(view.figures, locale),
        narrative=view.narrative,
        network=network_section(network_comparison(app, year), locale),
        catalog=catalog,
        labels=LABELS["class"],
    )


def pdf_response(pdf: bytes, name: str, year: int) -> web.Response:
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="social-report-{name}-{year}.pdf"'
        },
    )


@api.route(
    "GET",
    "/api/social-reports",
    summary="The co-op's social reports, drafted and adopted, the latest year "
    "first (the board)",
    tag="social report",
    response=list[SocialReportSummary],
    roles=BOARD,
)
async def list_reports(request: web.Request) -> list[SocialReportSummary]:
    require(request, BOARD, "read the social reports")
    app = request.app[NODE].coop_node
    return await run(request, lambda: [summary(r) for r in app.social_reports()])


@api.route(
    "POST",
    "/api/social-reports",
    summary="Draft the social report of a year that has begun, once (the board)",
    tag="social report",
    body=NewSocialReport,
    response=SocialReportView,
    status=201,
    roles=BOARD,
)
async def draft_report(request: web.Request, body: NewSocialReport) -> SocialReportView:
    who = require(request, BOARD, "draft the social report")
    app = request.app[NODE].coop_node

    def command() -> SocialReportView:
        app.draft_social_report(body.year, actor(who))
        return report_view(app, body.year)

    return await write(request, command)


@api.route(
    "GET",
    "/api/social-reports/{year}.pdf",
    summary="A year's social report as a PDF, in the co-op's language (the board)",
    tag="social report",
    params=YEAR,
    roles=BOARD,
)
async def report_as_pdf(request: web.Request) -> web.Response:
    require(request, BOARD, "read the social report")
    node = request.app[NODE]
    year = path_year(request)
    pdf = await run(request, report_pdf, node.coop_node, node.config, year)
    return pdf_response(pdf, node.config.coop_id, year)


@api.route(
    "GET",
    "/api/social-reports/{year}",
    summary="A year's social report: its narrative, and its figures as they stand "
    "(a draft) or as adopted (the board)",
    tag="social report",
    response=SocialReportView,
    params=YEAR,
    roles=BOARD,
)
async def get_report(request: web.Request) -> SocialReportView:
    require(request, BOARD, "read the social report")
    app = request.app[NODE].coop_node
    return await run(request, report_view, app, path_year(request))


def edit(app: CoopNode, year: int, body: NarrativeEdit, by: str) -> SocialReportView:
    app.edit_social_report(year, body.section, body.text, by)
    return report_view(app, year)


@api.route(
    "PUT",
    "/api/social-reports/{year}/narrative",
    summary="Write one narrative section of a draft social report; an adopted "
    "report is never changed (the board)",
    tag="social report",
    body=NarrativeEdit,
    response=SocialReportView,
    params=YEAR,
    roles=BOARD,
)
async def edit_narrative(request: web.Request, body: NarrativeEdit) -> SocialReportView:
    who = require(request, BOARD, "write the social report")
    app = request.app[NODE].coop_node
    return await write(request, edit, app, path_year(request), body, actor(who))


def adopted(app: CoopNode, year: int, by: str) -> SocialReportView:
    adopt(app, year, by)
    return report_view(app, year)


@api.route(
    "POST",
    "/api/social-reports/{year}/adopt",
    summary="Adopt a year's social report: its figures are frozen as they are "
    "now, and it is never edited again (the board)",
    tag="social report",
    response=SocialReportView,
    params=YEAR,
    roles=BOARD,
)
async def adopt_report(request: web.Request) -> SocialReportView:
    who = require(request, BOARD, "adopt the social report")
    app = request.app[NODE].coop_node
    return await write(request, adopted, app, path_year(request), actor(who))
