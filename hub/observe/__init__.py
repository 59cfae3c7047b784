"""Observability: structured logs with request and cycle ids, Prometheus metrics and the
database-backed collectors read at scrape time (docs/observability.md).

Nothing here configures anything at import time: the composition root calls
`logs.configure_logging` once, and the web app mounts `/metrics`."""
