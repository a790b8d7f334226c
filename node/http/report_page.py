"""The co-op's own figures for every signed-in member: what ``GET /api/report``
answers, as a page."""

from aiohttp import web

from node.auth import EVERYONE
from node.http.context import NODE, run
from node.http.pages import render, signed_in
from node.report import local_report

report_page = web.RouteTableDef()


@report_page.get("/report")
async def our_coop(request: web.Request) -> web.Response:
    signed_in(request, EVERYONE)
    report = await run(request, local_report, request.app[NODE].coop_node)
    return render(request, "report.html", report=report)
