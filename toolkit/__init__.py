"""The base both the node and the consortium build on, knowing nothing of care
co-ops: storage helpers, config loading, retry, logging, the broker connection,
and the HTTP kit (``toolkit.web``)."""
