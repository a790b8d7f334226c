"""Server-rendered pages: Jinja2 templates with autoescaping, a shared layout."""

from typing import Any

import jinja2
from aiohttp import web


def environment(package: str) -> jinja2.Environment:
    """Templates from ``<package>/templates``, falling back to the shared layout."""
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader(package, "templates"),
                jinja2.PackageLoader("toolkit.web", "templates"),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render(
    env: jinja2.Environment, template: str, status: int = 200, **context: Any
) -> web.Response:
    return web.Response(
        status=status,
        text=env.get_template(template).render(**context),
        content_type="text/html",
    )
