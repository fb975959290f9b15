"""Adapters: feed files here; Mongo and Kafka come with the service layer."""
