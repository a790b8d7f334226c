"""Languages: strings people read are marked for translation where they are
written and translated where they are shown.

In templates: ``{{ _("Give hours") }}`` or ``{{ _("%(n)s hours", n=...) }}``.
In Python, a message a page will show is marked with ``N_`` (it stays English
in the code; the template translates it with ``_(message)``).

The catalogs are ``toolkit/locales/<lang>/LC_MESSAGES/messages.po``, read as they
are when first needed: no compile step (``commonweal translations update`` keeps
them in step with the code; commonweal.translations).

Jinja's newstyle gettext marks what gettext returns as safe markup, so a message
holding what someone typed would reach the page unescaped: the environment's
gettext (``escaping``) and each page's (``template_gettext``) return escaped text
instead (parameters are escaped by Jinja).
"""

import gettext
import io
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import Markup, escape

# The languages pages are written in; English is the code's own.
LANGUAGES: dict[str, str] = {"en": "English", "it": "Italiano", "fr": "Français"}
DEFAULT_LANGUAGE = "en"


def escaping(gettext: Callable[[str], str]) -> Callable[[str], Markup]:
    return lambda message: escape(gettext(message))


def escaping_plural(
    ngettext: Callable[[str, str, int], str],
) -> Callable[[str, str, int], Markup]:
    return lambda singular, plural, n: escape(ngettext(singular, plural, n))


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


def is_language(code: str) -> bool:
    return code in LANGUAGES


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for ``language``, from its .po file (English: the messages as
    written)."""
    if language == DEFAULT_LANGUAGE or not is_language(language):
        return gettext.NullTranslations()
    po = resources.files("toolkit") / "locales" / language / "LC_MESSAGES"
    with (po / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = io.BytesIO()
    # Fuzzy entries are guesses by the update step: never shown (and
    # tests/test_catalogs.py fails on them).
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def negotiate(accept_language: str, available: Mapping[str, str] = LANGUAGES) -> str:
    """The first language of an Accept-Language header that we have, or ""."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().split("-")[0].lower()
        if quality > 0 and language in available:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else ""


def _formatted(text: str, names: dict[str, Any]) -> str:
    """``text % names`` as Jinja's newstyle gettext does ("30%%" is "30%"), but
    a message from Python with a bare "%" and no parameters is shown as it is."""
    try:
        return text % names
    except (ValueError, TypeError, KeyError):
        if names:
            raise
        return text


def template_gettext(
    catalog: gettext.NullTranslations,
) -> dict[str, Callable[..., str]]:
    """``_``, ``gettext`` and ``ngettext`` for templates, in ``catalog``'s
    language, working as Jinja's newstyle gettext does (parameters by name,
    escaped in autoescaped templates) except that the message itself is escaped
    too: pages give ``_()`` messages from Python (``_(error)``) that may quote
    what someone typed. Given as context variables, they take the
    place of the environment's null translations for one page."""

    @jinja2.pass_context
    def gettext_(context: jinja2.runtime.Context, message: str, /, **names: Any) -> str:
        text = catalog.gettext(message)
        if context.eval_ctx.autoescape:
            text = escape(text)
        return _formatted(text, names)

    @jinja2.pass_context
    def ngettext_(
        context: jinja2.runtime.Context,
        singular: str,
        plural: str,
        n: int,
        /,
        **names: Any,
    ) -> str:
        names.setdefault("num", n)
        text = catalog.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            text = escape(text)
        return _formatted(text, names)

    return {"_": gettext_, "gettext": gettext_, "ngettext": ngettext_}
