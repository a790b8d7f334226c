"""The board page: who sits on the co-op's board now, by name, the class whose
seat they hold and when their term ends, for everyone signed in; with the
co-op's elections, where members stand and vote."""

from typing import Any

from aiohttp import web

from node.application import CoopNode
from node.http.context import NODE, run
from node.http.elections import current_board, elections_list
from node.http.pages import render, signed_in

board_list = web.RouteTableDef()


def _context(app: CoopNode) -> dict[str, Any]:
    seats = sorted(current_board(app), key=lambda s: (s.member_class, s.name))
    return {"seats": seats, "elections": elections_list(app, False)[:3]}


@board_list.get("/board")
async def board_page(request: web.Request) -> web.Response:
    signed_in(request)
    data = await run(request, _context, request.app[NODE].coop_node)
    return render(request, "board_list.html", **data)
