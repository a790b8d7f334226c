"""Languages: strings people read are marked for translation where they are
written and translated where they are shown.

In templates: ``{{ _("Give hours") }}`` or ``{{ _("%(n)s hours", n=...) }}``.
In Python, a message a page will show is marked with ``N_`` (it stays English
in the code; the template translates it with ``_(message)``).

Jinja's newstyle gettext marks what gettext returns as safe markup, so a message
holding what someone typed would reach the page unescaped: ``escaping`` makes the
template's gettext return escaped text instead (parameters are escaped by Jinja).
"""

from collections.abc import Callable

from markupsafe import Markup, escape


def escaping(gettext: Callable[[str], str]) -> Callable[[str], Markup]:
    return lambda message: escape(gettext(message))


def escaping_plural(
    ngettext: Callable[[str, str, int], str],
) -> Callable[[str, str, int], Markup]:
    return lambda singular, plural, n: escape(ngettext(singular, plural, n))


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message
