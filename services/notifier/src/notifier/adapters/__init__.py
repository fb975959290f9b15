"""Adapters of the notifier: letter rendering (Jinja2 templates, email, printed PDF batches)."""
