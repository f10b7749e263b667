"""HTTP API and web page (FastAPI; install the `service` extra)."""
