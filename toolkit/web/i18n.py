"""Languages: strings people read are marked for translation where they are
written and translated where they are shown.

In templates: ``{{ _("Give hours") }}`` or ``{{ _("%(n)s hours", n=...) }}``.
In Python, a message a page will show is marked with ``N_`` (it stays English
in the code; the template translates it with ``_(message)``).

The catalogs are ``toolkit/locales/<lang>/LC_MESSAGES/messages.po``, read as they
are when first needed: no compile step (``commonweal translations update`` keeps
them in step with the code; toolkit.web.catalogs).
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
from markupsafe import escape

# The languages pages are written in; English is the code's own.
LANGUAGES: dict[str, str] = {"en": "English", "it": "Italiano", "fr": "Français"}
DEFAULT_LANGUAGE = "en"


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
        # Unlike Jinja's, only with parameters: a message from Python may hold
        # a bare "%" (such a message in a template needs no "%%" either).
        return text % names if names else text

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
        return text % names

    return {"_": gettext_, "gettext": gettext_, "ngettext": ngettext_}
