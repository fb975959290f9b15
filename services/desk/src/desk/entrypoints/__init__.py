"""The desk's screens (FastAPI routes rendering Jinja2 templates, htmx for partial updates)."""
