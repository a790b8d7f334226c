"""Dates, numbers, durations and money in the reader's language: Jinja filters
that every template has (toolkit.web.pages).

Each page's context says how: ``locale`` (a CLDR locale, such as ``it_IT`` or
``fr_CA``), ``currency_code`` (ISO 4217, such as ``EUR``) and ``time_zone`` (IANA, such
as ``Europe/Rome``; "" for UTC). A page that says nothing gets British English,
pounds and UTC.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_minus_sign_symbol,
)
from babel.units import format_unit
from markupsafe import Markup

Context = jinja2.runtime.Context
DEFAULTS: dict[str, str] = {"locale": "en_GB", "currency_code": "GBP", "time_zone": ""}


def _defined(value: object) -> None:
    """An undefined variable fails here as anywhere else (StrictUndefined)."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()


def _setting(context: Context, name: str) -> str:
    value = context.get(name)
    return value if isinstance(value, str) and value else DEFAULTS[name]


def _zone(name: str) -> dt.tzinfo:
    return ZoneInfo(name) if name else dt.UTC


def _local(moment: dt.datetime, time_zone: str) -> dt.datetime:
    """``moment`` in the co-op's time zone (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone(time_zone))


def day_text(
    value: dt.date, locale: str, time_zone: str = "", length: str = "medium"
) -> str:
    """A day as the ``date`` filter writes it, for text made outside a template
    (notices); ``length`` is a CLDR length or a pattern ("EEEE dd MMMM y")."""
    if isinstance(value, dt.datetime):
        value = _local(value, time_zone).date()
    return format_date(value, length, locale=locale)


def time_text(value: dt.datetime, locale: str, time_zone: str = "") -> str:
    """A time of day as the ``time`` filter writes it."""
    return format_time(_local(value, time_zone), "short", locale=locale)


def money_text(minor_units: int, currency: str, locale: str) -> str:
    """An amount in minor units as the ``money`` filter writes it."""
    amount = Decimal(minor_units).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=locale)


@jinja2.pass_context
def date_filter(context: Context, value: dt.date | None, length: str = "medium") -> str:
    """ "2 Mar 2026", "2 mar 2026", "2 mars 2026"; "" for no date."""
    _defined(value)
    if value is None:
        return ""
    return day_text(
        value, _setting(context, "locale"), _setting(context, "time_zone"), length
    )


@jinja2.pass_context
def time_filter(context: Context, value: dt.datetime | None) -> str:
    """ "14:05", "2:05 p.m.", "14 h 05"."""
    _defined(value)
    if value is None:
        return ""
    return time_text(value, _setting(context, "locale"), _setting(context, "time_zone"))


@jinja2.pass_context
def datetime_filter(context: Context, value: dt.datetime | None) -> str:
    """A day and a time of day, without seconds: "2 mar 2026, 14:05"."""
    _defined(value)
    if value is None:
        return ""
    locale = Locale.parse(_setting(context, "locale"))
    moment = _local(value, _setting(context, "time_zone"))
    day = format_date(moment, "medium", locale=locale)
    clock = format_time(moment, "short", locale=locale)
    return str(locale.datetime_formats["medium"]).format(clock, day)


@jinja2.pass_context
def number_filter(context: Context, value: float | Decimal | None) -> str:
    """ "1,250.5", "1.250,5", "1 250,5"."""
    _defined(value)
    if value is None:
        return ""
    return format_decimal(value, locale=_setting(context, "locale"))


@jinja2.pass_context
def money_filter(
    context: Context, minor_units: int | None, symbol: str | None = None
) -> str:
    """An amount kept in minor units (cents) in the co-op's currency:
    "£12.50", "12,50 €", "12,50 $". A ``symbol`` given (``|money(currency)``) is
    not needed: the currency is the page's ``currency_code``."""
    _defined(minor_units)
    if minor_units is None:
        return ""
    currency = _setting(context, "currency_code")
    return money_text(minor_units, currency, _setting(context, "locale"))


@jinja2.pass_context
def duration_filter(context: Context, minutes: int | None) -> str:
    """Minutes as hours and minutes: "1 h 30 min" (CLDR's short units, but for
    English, where CLDR's "1 hr 30 mins" reads worse than the symbols); negative
    with the locale's minus sign; "0 min" is never blank."""
    _defined(minutes)
    if minutes is None:
        return ""
    locale = _setting(context, "locale")
    hours, rest = divmod(abs(minutes), 60)
    english = Locale.parse(locale).language == "en"

    def unit(n: int, name: str, symbol: str) -> str:
        if english:
            return f"{n} {symbol}"
        return format_unit(n, f"duration-{name}", "short", locale=locale)

    parts = []
    if hours:
        parts.append(unit(hours, "hour", "h"))
    if rest or not hours:
        parts.append(unit(rest, "minute", "min"))
    sign = get_minus_sign_symbol(locale) if minutes < 0 else ""
    return sign + " ".join(parts)


@jinja2.pass_context
def label_filter(context: Context, value: str | None, kind: str | None = None) -> str:
    """A thing known by an id (a member class, a service type) by its label, in
    the reader's language; an id with no label reads as words ("meals shopping")."""
    _defined(value)
    if value is None:
        return ""
    labels: Mapping[str, Mapping[str, str]] = context.get("labels") or {}
    if kind is None:
        # ``_(value|label)``: the English label, which the template translates.
        plain: Callable[[str], str] | None = context.get("plain_label")
        return plain(value) if plain else value.replace("_", " ")
    text = labels.get(kind, {}).get(value)
    if text is None:
        return value.replace("_", " ")
    return _translated(context, text)


def _translated(context: Context, message: str) -> Markup:
    """``message`` in the reader's language, escaped (the page's gettext)."""
    return Markup(context.call(context.resolve("gettext"), message))


@jinja2.pass_context
def say_filter(context: Context, message: str | Sequence[str]) -> str:
    """A message marked with N_, or several sentences each marked, in the
    reader's language."""
    sentences = [message] if isinstance(message, str) else list(message)
    return Markup(" ").join(_translated(context, s) for s in sentences)


FILTERS: dict[str, Callable[..., Any]] = {
    "date": date_filter,
    "time": time_filter,
    "datetime": datetime_filter,
    "number": number_filter,
    "money": money_filter,
    "duration": duration_filter,
    "label": label_filter,
    "say": say_filter,
}
