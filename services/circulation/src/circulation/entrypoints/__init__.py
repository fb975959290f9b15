"""Entrypoints: the desk HTTP API and the patron projection consumer (thin: parse, handle, answer)."""
