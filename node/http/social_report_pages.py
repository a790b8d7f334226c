"""The board's social report pages: the years drafted, with a form to draft
another; a year's report as a printable page (its sections, tables with their
captions and narrative, print styles that leave the forms out), with a form
per narrative section and the adoption; and the same report as a PDF.

The report is the co-op's, not the reader's: it is in the co-op's language and
locale (its config's ``[locale]``) whoever reads it. The forms are checked by
the API's own bodies (node.http.social_reports) and run the same commands;
each answers with a redirect (Post/Redirect/Get), or the page again with the
problem beside its field.
"""

from typing import Any

from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD
from node.errors import DomainError
from node.http.context import NODE, run, write
from node.http.error_words import said
from node.http.field_errors import checked, filled
from node.http.meetings import actor
from node.http.pages import render, signed_in, status_of
from node.http.social_reports import (
    ADOPTED_STATUS,
    DRAFT_STATUS,
    NarrativeEdit,
    NewSocialReport,
    adopted,
    edit,
    path_year,
    pdf_response,
    report_language,
    report_pdf,
    report_view,
    summary,
)
from node.social_report import network_comparison
from node.social_report_draft import MAX_NARRATIVE
from node.social_report_tables import network_section, report_sections
from toolkit.web.i18n import N_, template_gettext, translations

social_report_pages = web.RouteTableDef()
PAGE = "/board/social-report"
YEAR_PATH = PAGE + r"/{year:\d{4}}"
DONE = {
    "saved": N_("The section is saved."),
    "adopted": N_("The report is adopted: its figures are now fixed."),
}
HINTS = {
    "year": N_("Write a year, like 2026."),
    "section": N_("Choose one of the report's sections."),
    "text": N_("A section holds 20,000 characters at most."),
}


def coop_language(request: web.Request) -> dict[str, Any]:
    """What makes a page speak the co-op's language rather than the reader's."""
    language, locale = report_language(request.app[NODE].config)
    return {
        "lang": language,
        "locale": locale,
        **template_gettext(translations(language)),
    }


def _list_context(app: CoopNode) -> dict[str, Any]:
    return {"reports": [summary(r) for r in app.social_reports()]}


async def list_page(
    request: web.Request,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    data = await run(request, _list_context, request.app[NODE].coop_node)
    return render(
        request,
        "social_reports.html",
        status,
        errors=errors or {},
        form=form or {},
        **coop_language(request),
        **data,
    )


def _report_context(app: CoopNode, year: int, locale: str) -> dict[str, Any]:
    try:
        view = report_view(app, year)
    except DomainError:
        raise web.HTTPNotFound(
            text="No social report is drafted for that year."
        ) from None
    return {
        "report": view,
        "sections": report_sections(view.figures, locale),
        "network": network_section(network_comparison(app, year), locale),
    }


async def report_page(
    request: web.Request,
    year: int,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> web.Response:
    language = coop_language(request)
    app = request.app[NODE].coop_node
    data = await run(request, _report_context, app, year, language["locale"])
    return render(
        request,
        "social_report.html",
        status,
        errors=errors or {},
        form=form or {},
        done=DONE.get(request.query.get("done", "")),
        draft_status=DRAFT_STATUS,
        adopted_status=ADOPTED_STATUS,
        max_narrative=MAX_NARRATIVE,
        **language,
        **data,
    )


def _year(request: web.Request) -> int:
    try:
        return path_year(request)
    except DomainError:
        raise web.HTTPNotFound(text="No social report for that year.") from None


@social_report_pages.get(PAGE)
async def reports(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    return await list_page(request)


@social_report_pages.post(PAGE)
async def draft(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    form = filled(await request.post(), ("year",))
    body, errors = checked(NewSocialReport, form, HINTS)
    if body is None:
        return await list_page(request, 400, errors, form)
    app = request.app[NODE].coop_node
    try:
        await write(request, app.draft_social_report, body.year, actor(who))
    except DomainError as error:
        errors = {"year": said(error)}
        return await list_page(request, status_of(error), errors, form)
    raise web.HTTPSeeOther(f"{PAGE}/{body.year}")


@social_report_pages.get(YEAR_PATH)
async def report(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    return await report_page(request, _year(request))


@social_report_pages.get(YEAR_PATH + ".pdf")
async def report_as_pdf(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    year = _year(request)
    node = request.app[NODE]
    try:
        pdf = await run(request, report_pdf, node.coop_node, node.config, year)
    except DomainError:
        raise web.HTTPNotFound(
            text="No social report is drafted for that year."
        ) from None
    return pdf_response(pdf, node.config.coop_id, year)


@social_report_pages.post(YEAR_PATH + "/narrative")
async def write_narrative(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    year = _year(request)
    posted = await request.post()
    form = {k: str(posted.get(k, "")) for k in ("section", "text")}
    body, errors = checked(NarrativeEdit, form, HINTS)
    field = f"text-{form['section']}"
    if body is None:
        problems = {field: errors.get("text") or errors.get("section", "")}
        return await report_page(request, year, 400, problems, form)
    app = request.app[NODE].coop_node
    try:
        await write(request, edit, app, year, body, actor(who))
    except DomainError as error:
        return await report_page(
            request, year, status_of(error), {field: said(error)}, form
        )
    raise web.HTTPSeeOther(f"{PAGE}/{year}?done=saved#section-{body.section}")


@social_report_pages.post(YEAR_PATH + "/adopt")
async def adopt(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    year = _year(request)
    app = request.app[NODE].coop_node
    try:
        await write(request, adopted, app, year, actor(who))
    except DomainError as error:
        return await report_page(
            request, year, status_of(error), {"adopt": said(error)}
        )
    raise web.HTTPSeeOther(f"{PAGE}/{year}?done=adopted#done")
