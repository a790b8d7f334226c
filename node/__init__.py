"""One co-op's autonomous node: domain, application service, sharing and replication."""
