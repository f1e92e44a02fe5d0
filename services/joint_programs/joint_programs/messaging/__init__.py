"""Kafka side of joint programs: the topics it publishes and its reaction to retired curriculum versions."""
