"""Kafka side of curricula: the topics it publishes (its projections come from dovetail_shared)."""
