"""How the notifier is driven: Kafka subscribers, the HTTP API, the scheduler, the command line."""
