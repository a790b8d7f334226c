"""The consortium's HTTP interface: report API, dashboard with SVG charts and CSV
downloads, metrics. ``make_consortium_app(service)`` builds it."""

from federation.http.app import make_consortium_app

__all__ = ["make_consortium_app"]
