"""The node's HTTP interface: the JSON API, its OpenAPI document, member and staff
pages, metrics. ``make_app(node_service)`` builds it."""

from node.http.app import make_app

__all__ = ["make_app"]
