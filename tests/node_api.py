"""The node's HTTP API as a client calls it: one request, a page's form posted,
and the few steps most tests begin with (an admitted member, a staff token, an
account, a visit)."""

from typing import Any
from uuid import UUID

import aiohttp

from tests.web import LiveNode, bearer

NOBODY = "00000000-0000-4000-8000-000000000001"
Form = list[tuple[str, str]]
APPLICANT = {
    "name": "Rosa Bianchi",
    "email": "rosa@example.org",
    "member_class": "worker",
}


async def call(
    http: LiveNode,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json: Any = None,
    data: bytes | None = None,
) -> tuple[int, Any]:
    headers = bearer(token) if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, http.url + path, headers=headers, json=json, data=data
        ) as response,
    ):
        body = (
            await response.json()
            if response.content_type.endswith("json")
            else await response.text()
        )
        return response.status, body


async def post_form(
    http: LiveNode, path: str, token: str, data: Form
) -> tuple[int, str]:
    """Post a form as a browser would (asking for HTML); a redirect answers its
    Location."""
    headers = {**bearer(token), "Accept": "text/html"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            http.url + path, headers=headers, data=data, allow_redirects=False
        ) as response,
    ):
        if response.status == 303:
            return 303, response.headers["Location"]
        return response.status, await response.text()


async def admitted_member(
    http: LiveNode, member_class: str = "worker", name: str = "Rosa Bianchi"
) -> tuple[str, str]:
    """Apply and admit through the API; returns (member id, member token)."""
    status, member = await call(
        http,
        "POST",
        "/api/members",
        token=http.admin_token,
        json={**APPLICANT, "name": name, "member_class": member_class},
    )
    assert status == 201, member
    status, admission = await call(
        http, "POST", f"/api/members/{member['id']}/admit", token=http.admin_token
    )
    assert status == 200, admission
    return member["id"], admission["token"]["token"]


def events(http: LiveNode) -> int:
    return http.node.coop_node.recorder.max_notification_id() or 0


async def staff_token(http: LiveNode, role: str, name: str) -> tuple[str, str]:
    """An admitted member with a ``role`` token: (member id, token)."""
    member, _ = await admitted_member(http, name=name)
    issued = await issue_token(http, member, role)
    return member, issued["token"]


async def issue_token(http: LiveNode, member: str, role: str = "member") -> Any:
    """A token for ``member`` with ``role``, issued by the admin: the API's
    answer, with the secret ("token") and what it gives ("access")."""
    status, issued = await call(
        http,
        "POST",
        f"/api/members/{member}/tokens",
        token=http.admin_token,
        json={"role": role},
    )
    assert status == 201, issued
    return issued


async def open_account(http: LiveNode, member: str, **limits: Any) -> dict[str, Any]:
    status, account = await call(
        http,
        "POST",
        "/api/timebank/accounts",
        token=http.admin_token,
        json={"member_id": member, **limits},
    )
    assert status == 201, account
    return account


async def schedule(
    http: LiveNode,
    user: str,
    types: list[str],
    *,
    at: str = "2026-03-02T09:00:00+01:00",
    token: str | None = None,
) -> UUID:
    """A visit to ``user`` at 1 Mill Lane, booked by ``token`` (the admin's if
    None)."""
    status, visit = await call(
        http,
        "POST",
        "/api/visits",
        token=token or http.admin_token,
        json={
            "service_user": user,
            "scheduled_for": at,
            "service_types": types,
            "address": "1 Mill Lane",
        },
    )
    assert status == 201, visit
    return UUID(visit["id"])
