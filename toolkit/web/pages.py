"""Server-rendered pages: Jinja2 templates with autoescaping, a shared layout."""

from typing import Any

import jinja2
from aiohttp import web

from toolkit.web.formats import FILTERS
from toolkit.web.i18n import DEFAULT_LANGUAGE, escaping, escaping_plural


def environment(package: str) -> jinja2.Environment:
    """Templates from ``<package>/templates``, falling back to the shared layout."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader(package, "templates"),
                jinja2.PackageLoader("toolkit.web", "templates"),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # Templates write {{ _("Text %(name)s", name=...) }}. These are English; a
    # page in another language gets its own `_`, `gettext` and `ngettext` in its
    # context (toolkit.web.i18n.template_gettext).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=escaping(lambda message: message),
        ngettext=escaping_plural(lambda one, many, n: one if n == 1 else many),
        newstyle=True,
    )
    env.filters.update(FILTERS)
    return env


def render(
    env: jinja2.Environment, template: str, status: int = 200, **context: Any
) -> web.Response:
    # <html lang> says which language the page is in (English unless told).
    context.setdefault("lang", DEFAULT_LANGUAGE)
    return web.Response(
        status=status,
        text=env.get_template(template).render(**context),
        content_type="text/html",
    )
