"""The coordinator's "today" page: today's visits by time with their state, and
first, prominently, those not started 15 minutes after their time, with the
carer's name and phone, so the coordinator can call them. It shows what the
API's ``GET /api/visits/today`` answers, by the node's clock in the co-op's
time zone.
"""

from aiohttp import web

from node.auth import CARE
from node.carer_day import LATE_AFTER
from node.http.carer_visits import now_in, today_visits
from node.http.context import NODE, run
from node.http.pages import render, signed_in

staff_today = web.RouteTableDef()


@staff_today.get("/staff/today")
async def today(request: web.Request) -> web.Response:
    signed_in(request, CARE)
    app = request.app[NODE].coop_node
    now = now_in(request)
    found = await run(request, today_visits, app, now)
    return render(
        request,
        "staff_today.html",
        day=found.day,
        now=now,
        late=found.late,
        visits=found.visits,
        late_minutes=int(LATE_AFTER.total_seconds() // 60),
    )
