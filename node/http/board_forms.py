"""What the board's forms share: reading a form's fields into what the API takes,
and problems shown next to the field they concern, in plain words.

A problem's text is marked for translation (``N_``) and its parameters kept
apart, so the page translates the sentence and then fills in names and amounts.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from uuid import UUID

from aiohttp import web

from node.http.guard import CSRF_FIELD
from toolkit.web.i18n import N_


class Problem(NamedTuple):
    text: str
    args: dict[str, Any] = {}


Problems = dict[str, Problem]

BAD_DATE = Problem(N_("Write the date as a date, like 2026-11-30."))
BAD_AMOUNT = Problem(N_("Write an amount of money above zero, like 25.00."))
CHOOSE_MEMBER = Problem(N_("Choose a member."))


class Invalid(Exception):
    """A form field that cannot be read; the page shows the problem beside it."""

    def __init__(self, field: str, problem: Problem) -> None:
        super().__init__(field)
        self.problems: Problems = {field: problem}


async def posted(request: web.Request) -> dict[str, str]:
    """The posted form, trimmed, without its CSRF token: kept to fill the form
    again after an error."""
    form = await request.post()
    return {k: str(v).strip() for k, v in form.items() if k != CSRF_FIELD}


def day(form: dict[str, str], field: str) -> dt.date | None:
    """The field's date, or None (today) when left blank."""
    text = form.get(field, "")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(field, BAD_DATE) from None


def minor_units(form: dict[str, str], field: str) -> int:
    """An amount typed in major units ("25", "25.50") as minor units (2550)."""
    try:
        amount = Decimal(form.get(field, "").replace(",", ""))
    except InvalidOperation:
        raise Invalid(field, BAD_AMOUNT) from None
    cents = amount * 100
    if not amount.is_finite() or amount <= 0 or cents != cents.to_integral_value():
        raise Invalid(field, BAD_AMOUNT)
    if cents > 10**11:  # as the API allows (node.http.shares)
        raise Invalid(field, BAD_AMOUNT)
    return int(cents)


def member_choice(form: dict[str, str], field: str, choices: set[UUID]) -> UUID:
    """The member chosen in a select of ``choices``."""
    try:
        chosen = UUID(form.get(field, ""))
    except ValueError:
        raise Invalid(field, CHOOSE_MEMBER) from None
    if chosen not in choices:
        raise Invalid(field, CHOOSE_MEMBER)
    return chosen
