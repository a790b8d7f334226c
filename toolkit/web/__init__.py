"""The HTTP kit both the node and the consortium serve with: a route registry that
decodes bodies with msgspec and documents itself as OpenAPI, JSON errors, metrics
and access logs, and server-rendered pages."""
