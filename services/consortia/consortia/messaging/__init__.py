"""Kafka side of consortia: the topics it publishes (it consumes none)."""
