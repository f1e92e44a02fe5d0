"""Test support shared by every service's tests: real Postgres/Kafka fixtures and helpers (not for runtime)."""
