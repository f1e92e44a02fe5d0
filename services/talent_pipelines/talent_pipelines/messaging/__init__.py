"""Kafka side of talent pipelines: the topics it publishes, the supply and internships handlers, the expiry job."""
