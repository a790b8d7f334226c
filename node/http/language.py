"""The language of each page: the member's own choice, else the co-op's (its
config's ``[locale]``); for a visitor not signed in, the browser's
Accept-Language if we have one of its languages. Members choose on their home
page or by ``PUT /api/me/language``."""

from decimal import Decimal
from typing import Any, Literal
from uuid import UUID
from weakref import WeakKeyDictionary

import msgspec
from aiohttp import web
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
)

from node.application import CoopNode
from node.auth import MEMBERS, Principal
from node.config import NodeConfig
from node.http.context import NODE, run, write
from node.http.guard import PRINCIPAL, require
from node.labels import LABELS, plain_label
from toolkit.web.errors import forbidden
from toolkit.web.i18n import LANGUAGES, negotiate, template_gettext, translations
from toolkit.web.routes import Api

api = Api()
pages = web.RouteTableDef()

# "" is the co-op's language.
Language = Literal["", "en", "it", "fr"]

# Each member's chosen language, so that a page need not load the member to know
# it; filled on first use and on every choice made through this node.
_chosen: "WeakKeyDictionary[CoopNode, dict[UUID, str]]" = WeakKeyDictionary()


class LanguageChoice(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``en``, ``it`` or ``fr``; ``""`` follows the co-op's language."""

    language: Language


def chosen_language(app: CoopNode, member_id: UUID) -> str:
    known = _chosen.setdefault(app, {})
    if member_id not in known:
        known[member_id] = app.member(member_id).language
    return known[member_id]


def member_language(request: web.Request) -> str:
    """The signed-in member's own choice ("" for none, or not a member)."""
    who: Principal | None = request.get(PRINCIPAL)
    if who is None or who.member_id is None:
        return ""
    return chosen_language(request.app[NODE].coop_node, who.member_id)


def page_language(request: web.Request, chosen: str) -> str:
    config: NodeConfig = request.app[NODE].config
    if chosen:
        return chosen
    if request.get(PRINCIPAL) is None:
        wanted = negotiate(request.headers.get("Accept-Language", ""))
        if wanted:
            return wanted
    return config.locale.language


def language_context(request: web.Request) -> dict[str, Any]:
    """What every page's template needs to speak the reader's language."""
    config: NodeConfig = request.app[NODE].config
    chosen = member_language(request)
    language = page_language(request, chosen)
    return {
        "lang": language,
        "member_language": chosen,
        "locale": config.locale.locale(language),
        "currency_code": config.locale.money,
        "time_zone": config.locale.time_zone,
        "labels": LABELS,
        # For ``_(id|label)``, the pages' other way to show an id by its label.
        "plain_label": plain_label,
        "currency": get_currency_symbol(
            config.locale.money, locale=config.locale.locale(language)
        ),
        "languages": LANGUAGES,
        # After the choice on the home page (Post/Redirect/Get).
        "language_saved": request.query.get("done") == "language",
        **template_gettext(translations(language)),
    }


def _member_id(request: web.Request) -> UUID:
    who = require(request, MEMBERS, "choose a language")
    if who.member_id is None:
        raise forbidden("only a member has a language to choose")
    return who.member_id


async def _choose(request: web.Request, member_id: UUID, language: str) -> None:
    app = request.app[NODE].coop_node
    await write(request, app.choose_language, member_id, language)
    _chosen.setdefault(app, {})[member_id] = language


@api.route(
    "GET",
    "/api/me/language",
    summary="The language the calling member reads pages in",
    tag="members",
    response=LanguageChoice,
    roles=MEMBERS,
)
async def my_language(request: web.Request) -> LanguageChoice:
    app = request.app[NODE].coop_node
    member = await run(request, app.member, _member_id(request))
    return msgspec.convert({"language": member.language}, LanguageChoice)


@api.route(
    "PUT",
    "/api/me/language",
    summary="Choose the language the calling member reads pages in",
    tag="members",
    body=LanguageChoice,
    response=LanguageChoice,
    roles=MEMBERS,
)
async def choose_language(request: web.Request, body: LanguageChoice) -> LanguageChoice:
    await _choose(request, _member_id(request), body.language)
    return body


@pages.post("/language")
async def choose_on_home(request: web.Request) -> web.Response:
    who: Principal | None = request.get(PRINCIPAL)
    if who is None:
        raise web.HTTPSeeOther("/login")
    if who.member_id is None:
        raise web.HTTPForbidden(text="Only a member has a language to choose.")
    form = await request.post()
    try:
        language = msgspec.convert(str(form.get("language", "")), Language)
    except msgspec.ValidationError:
        raise web.HTTPBadRequest(text="Choose one of the languages listed.") from None
    await _choose(request, who.member_id, language)
    raise web.HTTPSeeOther("/?done=language#language")


def money_text(request: web.Request, minor_units: int) -> str:
    """An amount for a message built in Python, written as the page's ``money``
    filter writes it (the reader's locale, the co-op's currency)."""
    config: NodeConfig = request.app[NODE].config
    language = page_language(request, member_language(request))
    currency = config.locale.money
    amount = Decimal(minor_units).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=config.locale.locale(language))
