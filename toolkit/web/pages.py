"""Server-rendered pages: Jinja2 templates with autoescaping, a shared layout."""

from typing import Any

import jinja2
from aiohttp import web

from toolkit.web.formats import FILTERS
from toolkit.web.i18n import DEFAULT_LANGUAGE


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
    # Templates write {{ _("Text %(name)s", name=...) }}. These null translations
    # are English; a page in another language gets its own `_`, `gettext` and
    # `ngettext` in its context (toolkit.web.i18n.template_gettext).
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
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
