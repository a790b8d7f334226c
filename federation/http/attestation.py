"""Attestations over HTTP: each co-op's signed file to download
(``/api/coops/{id}/attestation``), the public key to check it with
(``/api/statement-key``), and pages showing a co-op's claims in words with the
download beside them. Like the rest of the consortium's site they are public:
an attestation says only what the published view may say."""

import asyncio
import re

import jinja2
import msgspec
from aiohttp import web

from federation.attestation import UnknownCoop, attestation_file, issue_attestation
from federation.http.api import SERVICE
from federation.service import ConsortiumService
from federation.statement_key import statement_public_key
from schemas.attestation import Attestation
from toolkit.web.errors import not_found
from toolkit.web.pages import render
from toolkit.web.routes import Api

attestation_api = Api()


class StatementKey(msgspec.Struct, frozen=True):
    consortium: str
    public_key: str  # an nkey user public key (U...)


def _issue(service: ConsortiumService, coop_id: str) -> Attestation:
    return issue_attestation(service.config, service.views, service.registry, coop_id)


def _file_name(attestation: Attestation) -> str:
    # A co-op id is ASCII already; anything else is kept out of the header.
    coop = re.sub(r"[^A-Za-z0-9_.-]", "_", attestation.statement.coop_id)
    return f"attestation-{coop}-{attestation.statement.as_of.isoformat()}.json"


@attestation_api.route(
    "GET",
    "/api/statement-key",
    summary="The public key a commissioner checks the consortium's attestations with",
    tag="attestations",
    response=StatementKey,
    auth=False,
)
async def statement_key(request: web.Request) -> StatementKey:
    config = request.app[SERVICE].config
    return StatementKey(config.name, statement_public_key(config))


@attestation_api.route(
    "GET",
    "/api/coops/{id}/attestation",
    summary="A co-op's attestation, signed and dated: what its shared data shows, "
    "to check offline with `commonweal attestation verify`",
    tag="attestations",
    response=Attestation,
    auth=False,
    errors=(404,),
)
async def coop_attestation(request: web.Request) -> web.Response:
    coop_id = request.match_info["id"]
    try:
        attestation = await asyncio.to_thread(_issue, request.app[SERVICE], coop_id)
    except UnknownCoop as error:
        raise not_found(str(error), "id") from None
    return web.Response(
        body=attestation_file(attestation),
        content_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{_file_name(attestation)}"'
        },
    )


def add_attestation(app: web.Application, templates: jinja2.Environment) -> None:
    """Add the attestation routes and pages to the consortium's ``app``."""

    async def attestations_page(request: web.Request) -> web.Response:
        service = request.app[SERVICE]
        coops = await asyncio.to_thread(service.registry.coops)
        return render(
            templates,
            "attestations.html",
            name=service.config.name,
            current=request.path,
            coops=sorted(coops, key=lambda coop: coop.coop_id),
            public_key=statement_public_key(service.config),
        )

    async def attestation_page(request: web.Request) -> web.Response:
        service = request.app[SERVICE]
        try:
            attestation = await asyncio.to_thread(
                _issue, service, request.match_info["id"]
            )
        except UnknownCoop as error:
            raise web.HTTPNotFound(text=str(error)) from None
        return render(
            templates,
            "attestation.html",
            name=service.config.name,
            current=request.path,
            statement=attestation.statement,
            file_name=_file_name(attestation),
        )

    app.add_routes(attestation_api.routes)
    app.router.add_get("/attestations", attestations_page)
    app.router.add_get("/coops/{id}/attestation", attestation_page)
