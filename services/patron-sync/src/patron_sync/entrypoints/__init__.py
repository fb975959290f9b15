"""Kafka consumers, the HTTP API and the command line."""
