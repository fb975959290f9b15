"""pytest plugin: real Kafka and document store backends for rebub's tests (filled in by the foundation)."""
