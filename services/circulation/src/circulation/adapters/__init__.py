"""Adapters: MongoDB repositories, the in-memory fakes, the loan event contract, item files."""
