"""Bad input is named in words people read: never a regular expression, msgspec's
type names, or an id."""

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
import pytest

from tests.node_api import call
from tests.web import LiveNode
from toolkit.web.errors import invalid_input

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@ \t\r\n]+@[^@ \t\r\n]+$")]


class Form(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "ABC"
    hours: Annotated[int, msgspec.Meta(ge=1, le=24)] = 1
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=10)] = "x"
    kind: Literal["worker", "volunteer"] = "worker"
    member: uuid.UUID | None = None
    day: dt.date | None = None


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"email": "not an address"}, "email", "like name@example.org"),
        ({"email": "a@b", "code": "abc"}, "code", "is not in the expected form"),
        ({"email": "a@b", "hours": 0}, "hours", "must be at least 1"),
        ({"email": "a@b", "hours": 25}, "hours", "must be at most 24"),
        ({"email": "a@b", "hours": "x"}, "hours", "must be a whole number"),
        ({"email": "a@b", "name": ""}, "name", "must not be empty"),
        ({"email": "a@b", "name": "x" * 11}, "name", "at most 10 characters"),
        ({"email": "a@b", "kind": "boss"}, "kind", "'boss' is not one of the choices"),
        ({"email": "a@b", "member": "nope"}, "member", "is not a valid id"),
        ({"email": "a@b", "day": "2026-13-01"}, "day", "must be a date, like"),
        ({}, "email", "is required"),
        ({"email": "a@b", "colour": "red"}, "colour", "is not a field here"),
    ],
)
def test_validation_errors_in_plain_words(
    data: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(data, Form, strict=False)
    detail = invalid_input(caught.value, "body").detail
    assert detail.field == field
    assert words in detail.message
    for jargon in ("regex", "Expected `", "^", "RFC3339", "UUID"):
        assert jargon not in detail.message, detail.message


async def test_a_typo_in_an_email_is_named_in_words(http_node: LiveNode) -> None:
    status, error = await call(
        http_node,
        "POST",
        "/api/members",
        token=http_node.admin_token,
        json={"name": "Ann", "email": "ann.example.org", "member_class": "worker"},
    )
    assert (status, error["error"]["field"]) == (400, "email")
    assert "like name@example.org" in error["error"]["message"]
    assert "regex" not in error["error"]["message"]
