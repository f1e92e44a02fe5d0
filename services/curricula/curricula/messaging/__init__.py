"""Kafka side of curricula: topics it publishes, and the consumers that keep its projections."""
