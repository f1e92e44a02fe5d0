"""Kafka plumbing: CloudEvents envelope, topic admin, outbox relay, idempotent consumer, in-memory bus."""
