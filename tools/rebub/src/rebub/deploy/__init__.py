"""Deployment: the one definition of topics, Kafka users, ACLs and database users, and its manifests."""
